import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// A response of the webhook routes as the receiver builds it: status, headers and a body that is always complete.
///
/// Both ways a webhook is answered write it: Hummingbird's router (``hummingbirdResponse``) and the connection's
/// ``WebhookChannelHandler``, which writes it to the channel itself and so adds what Hummingbird would have added
/// (``headFields(date:)``).
struct ReceiverResponse: Sendable {
    var status: HTTPResponse.Status
    var headers: HTTPFields
    var body: ByteBuffer

    init(status: HTTPResponse.Status, headers: HTTPFields, body: ByteBuffer) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    init(status: HTTPResponse.Status, headers: HTTPFields, body: String) {
        self.init(status: status, headers: headers, body: ByteBuffer(string: body))
    }

    /// As Hummingbird's `Response` (which adds `Content-Length` and `Date` when it writes it).
    var hummingbirdResponse: Response {
        Response(status: status, headers: headers, body: .init(byteBuffer: body))
    }

    /// The head's fields when written straight to the channel: the headers plus `Content-Length` and `Date`, as
    /// Hummingbird writes them on its own responses.
    func headFields(date: String) -> HTTPFields {
        var fields = headers
        fields[.contentLength] = String(body.readableBytes)
        fields[.date] = date
        return fields
    }

    /// Whether the connection must be closed once this response is written (a 408 says so).
    var closesConnection: Bool { headers[.connection]?.lowercased() == "close" }
}

/// The `Date` header value (IMF-fixdate, RFC 9110 §5.6.7), formatted at most once per second per instance.
///
/// One per connection handler, used on its event loop only: no lock, and formatting is a few hundred nanoseconds
/// once a second instead of on every response.
struct HTTPDateHeader {
    private var second: time_t = -1
    private var formatted = ""

    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// The current time, e.g. `Sun, 22 Nov 2026 08:15:03 GMT`.
    mutating func now() -> String {
        let current = time(nil)
        if current != second {
            second = current
            formatted = Self.format(current)
        }
        return formatted
    }

    static func format(_ seconds: time_t) -> String {
        var value = seconds
        var parts = tm()
        gmtime_r(&value, &parts)
        func twoDigits(_ number: Int32) -> String { number < 10 ? "0\(number)" : "\(number)" }
        return "\(days[Int(parts.tm_wday)]), \(twoDigits(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(1900 + parts.tm_year) "
            + "\(twoDigits(parts.tm_hour)):\(twoDigits(parts.tm_min)):\(twoDigits(parts.tm_sec)) GMT"
    }
}
