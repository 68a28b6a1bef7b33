import Hummingbird
import InletSignatures

/// Why the receiver refused a request, as the stable `error.code` of its JSON body.
///
/// Codes are part of the HTTP contract: senders and dashboards match on them, so existing codes never change
/// meaning. The message beside the code is for humans and may change.
public struct RejectionCode: Hashable, Sendable, CustomStringConvertible, CaseIterable {
    /// The stable code, `snake_case`.
    public let rawValue: String
    /// The HTTP status every rejection with this code is answered with.
    public let status: HTTPResponse.Status
    /// Position in ``allCases`` (indexes the counters).
    let index: Int

    private init(_ rawValue: String, _ status: HTTPResponse.Status, _ index: Int) {
        self.rawValue = rawValue
        self.status = status
        self.index = index
    }

    /// 404: no route for this method and path.
    public static let routeNotFound = RejectionCode("route_not_found", .notFound, 0)
    /// 404: the URL's definition is not registered.
    public static let unknownDefinition = RejectionCode("unknown_definition", .notFound, 1)
    /// 404: no integration with the URL's id exists for the URL's definition.
    public static let unknownIntegration = RejectionCode("unknown_integration", .notFound, 2)
    /// 404: the integration exists but is disabled.
    public static let integrationDisabled = RejectionCode("integration_disabled", .notFound, 3)
    /// 413: the body is larger than the configured limit.
    public static let payloadTooLarge = RejectionCode("payload_too_large", .contentTooLarge, 4)
    /// 415: the body is not in the definition's encoding (`application/json`, or form-encoded for Twilio).
    public static let unsupportedMediaType = RejectionCode("unsupported_media_type", .unsupportedMediaType, 5)
    /// 401: a header the signature scheme needs is absent.
    public static let signatureMissing = RejectionCode("signature_missing", .unauthorized, 6)
    /// 401: a signature header is present but cannot be parsed.
    public static let signatureMalformed = RejectionCode("signature_malformed", .unauthorized, 7)
    /// 401: no signature matches the body under any of the integration's secrets.
    public static let signatureMismatch = RejectionCode("signature_mismatch", .unauthorized, 8)
    /// 401: the signed timestamp is outside the tolerance (replay protection).
    public static let timestampOutOfTolerance = RejectionCode("timestamp_out_of_tolerance", .unauthorized, 9)
    /// 400: the delivery ID is absent or empty.
    public static let missingDeliveryID = RejectionCode("missing_delivery_id", .badRequest, 10)
    /// 400: the event name is absent or empty.
    public static let missingEvent = RejectionCode("missing_event", .badRequest, 11)
    /// 400: a delivery ID, event name or variant is too long or contains control characters.
    public static let invalidMetadata = RejectionCode("invalid_metadata", .badRequest, 12)
    /// 400: the definition needs a field from the body, and the body is not a JSON object (or nests too deeply).
    public static let malformedBody = RejectionCode("malformed_body", .badRequest, 13)
    /// 503: the broker did not acknowledge the record within the acknowledgement timeout.
    public static let brokerTimeout = RejectionCode("broker_timeout", .serviceUnavailable, 14)
    /// 503: the broker or the producer reported that the record was not stored.
    public static let brokerUnavailable = RejectionCode("broker_unavailable", .serviceUnavailable, 15)
    /// 503: the receiver is shutting down.
    public static let shuttingDown = RejectionCode("shutting_down", .serviceUnavailable, 16)
    /// 503 from `/readyz`: draining, or the broker recently failed (not counted as a rejection).
    public static let notReady = RejectionCode("not_ready", .serviceUnavailable, 17)
    /// 401: the scheme's signed token or nonce was already used (replay cache, e.g. Mailgun).
    public static let replayed = RejectionCode("replayed", .unauthorized, 18)
    /// 400: a set-up handshake whose value Inlet will not echo (missing, too long, unexpected characters).
    public static let invalidHandshake = RejectionCode(HandshakeRefusal.code, .badRequest, 19)
    /// 429: the integration sent more than its rate limit allows; `Retry-After` says when a request will be admitted.
    public static let rateLimited = RejectionCode("rate_limited", .tooManyRequests, 20)
    /// 431: more header fields or header bytes than the receiver accepts.
    public static let requestHeaderFieldsTooLarge = RejectionCode("request_header_fields_too_large", .requestHeaderFieldsTooLarge, 21)
    /// 408: the body did not arrive within the body timeout; the connection is closed.
    public static let requestTimeout = RejectionCode("request_timeout", .requestTimeout, 22)

    public static let allCases: [RejectionCode] = [
        .routeNotFound, .unknownDefinition, .unknownIntegration, .integrationDisabled, .payloadTooLarge,
        .unsupportedMediaType, .signatureMissing, .signatureMalformed, .signatureMismatch, .timestampOutOfTolerance,
        .missingDeliveryID, .missingEvent, .invalidMetadata, .malformedBody, .brokerTimeout, .brokerUnavailable,
        .shuttingDown, .notReady, .replayed, .invalidHandshake, .rateLimited, .requestHeaderFieldsTooLarge, .requestTimeout,
    ]

    public var description: String { rawValue }
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.index == rhs.index }
    public func hash(into hasher: inout Hasher) { hasher.combine(index) }
}

/// A refused request: a stable code and a message for the sender, rendered as
/// `{"error": {"code": "<code>", "message": "<message>"}}`.
///
/// - Important: Messages must never contain secrets, expected signatures or payload bytes.
public struct WebhookRejection: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: RejectionCode
    public let message: String
    /// `Retry-After` seconds of this rejection (429); nil: 503s carry the configured value, others none.
    public let retryAfterSeconds: Int?

    public init(_ code: RejectionCode, _ message: String, retryAfterSeconds: Int? = nil) {
        self.code = code
        self.message = message
        self.retryAfterSeconds = retryAfterSeconds
    }

    public var description: String { "\(code.rawValue): \(message)" }

    /// The JSON response; 503s carry `Retry-After` (the configured value), 429s their own; a 408 closes the
    /// connection (the rest of a slow body is not worth waiting for).
    func webhookResponse(retryAfterSeconds: Int) -> ReceiverResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let own = self.retryAfterSeconds {
            headers[.retryAfter] = String(own)
        } else if code.status == .serviceUnavailable {
            headers[.retryAfter] = String(retryAfterSeconds)
        }
        if code == .requestTimeout { headers[.connection] = "close" }
        return ReceiverResponse(status: code.status, headers: headers, body: jsonBody)
    }

    /// ``webhookResponse(retryAfterSeconds:)`` as Hummingbird's `Response`.
    func response(retryAfterSeconds: Int) -> Response {
        webhookResponse(retryAfterSeconds: retryAfterSeconds).hummingbirdResponse
    }

    /// `{"error": {"code": …, "message": …}}`
    var jsonBody: String {
        "{\"error\":{\"code\":\"\(code.rawValue)\",\"message\":\(JSONString.quoted(message))}}"
    }
}

/// JSON string literals without Foundation.
enum JSONString {
    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// `text` as a quoted JSON string, escaping quotes, backslashes and control characters.
    static func quoted(_ text: String) -> String {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        out.reserveCapacity(text.utf8.count + 2)
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case ..<0x20:
                out += Array("\\u00".utf8)
                out += [hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
        return String(decoding: out, as: UTF8.self)
    }
}
