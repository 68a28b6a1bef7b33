import HTTPTypes
import Hummingbird
import HummingbirdCore

/// The most header fields and header bytes a webhook request may carry (431 above).
///
/// Checked first on the webhook routes, after NIO parsed the head: the parser's own limits
/// (``parserLimits``, a backstop several times higher) bound the memory a head can take, and answer an empty 400 and
/// close; these limits answer the receiver's JSON 431, counted by reason like every rejection.
struct RequestHeaderLimits: Sendable, Equatable {
    let maximumCount: Int
    /// Each field counts as `name: value\r\n`, as it was sent.
    let maximumBytes: Int

    func check(_ fields: HTTPFields) -> WebhookRejection? {
        guard fields.count <= maximumCount else {
            return WebhookRejection(.requestHeaderFieldsTooLarge, "the request carries \(fields.count) header fields; at most \(maximumCount) are accepted")
        }
        var bytes = 0
        for field in fields { bytes += field.name.rawName.utf8.count + field.value.utf8.count + 4 }
        guard bytes <= maximumBytes else {
            return WebhookRejection(.requestHeaderFieldsTooLarge, "the request's header fields take \(bytes) bytes; at most \(maximumBytes) are accepted")
        }
        return nil
    }

    /// NIO's HTTP decoder limits: the larger of Hummingbird's defaults (80 KiB, 1,000 fields) and four times ours, so
    /// every head within ours reaches the receiver, and a far larger one is cut off while it is parsed.
    var parserLimits: HTTP1Channel.Configuration.DecoderConfiguration {
        let bytes = max(80 * 1024, 4 * maximumBytes)
        return .init(maxHeaderFieldSize: bytes, maxHeaderListSize: bytes, maxHeaderFieldCount: max(1000, 4 * maximumCount))
    }
}
