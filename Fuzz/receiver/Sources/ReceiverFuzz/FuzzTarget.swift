/// The parser families fuzzed, by the name given in INLET_FUZZ_TARGET.
enum FuzzTarget: String, CaseIterable {
    case stripeSignature = "stripe-signature"
    case paddleSignature = "paddle-signature"
    case standardWebhooksSignature = "standard-webhooks-signature"
    /// `sha256=<hex>` (GitHub) and `v0=<hex>` with a timestamp header (Slack, Zoom).
    case prefixedHexSignature = "prefixed-hex-signature"
    case twilioFormParameters = "twilio-form-parameters"
    case boundedJSON = "bounded-json"
    case linearWebhookTimestamp = "linear-webhook-timestamp"
    case batchSplitter = "batch-splitter"
    case deliveryAttributeReader = "delivery-attribute-reader"

    func run(_ input: [UInt8]) {
        switch self {
        case .stripeSignature: SignatureHeaderFuzz.stripe(input)
        case .paddleSignature: SignatureHeaderFuzz.paddle(input)
        case .standardWebhooksSignature: SignatureHeaderFuzz.standardWebhooks(input)
        case .prefixedHexSignature: SignatureHeaderFuzz.prefixedHex(input)
        case .twilioFormParameters: BodyParserFuzz.twilioFormParameters(input)
        case .boundedJSON: BodyParserFuzz.boundedJSON(input)
        case .linearWebhookTimestamp: BodyParserFuzz.linearWebhookTimestamp(input)
        case .batchSplitter: DeliveryReadingFuzz.batchSplitter(input)
        case .deliveryAttributeReader: DeliveryReadingFuzz.deliveryAttributeReader(input)
        }
    }
}

/// A fuzz input cut in two at its first NUL byte: a header value (NUL cannot occur in HTTP headers) and a body.
/// Without a NUL the whole input is both, so plain-text seeds exercise each side.
struct FuzzInput {
    let header: String
    let body: [UInt8]

    init(_ bytes: [UInt8]) {
        if let nul = bytes.firstIndex(of: 0) {
            header = String(decoding: bytes[..<nul], as: UTF8.self)
            body = Array(bytes[(nul + 1)...])
        } else {
            header = String(decoding: bytes, as: UTF8.self)
            body = bytes
        }
    }
}

/// Broken invariants: a trap with the reason on stderr, which libFuzzer records as a crash with its input.
enum FuzzInvariant {
    static func check(_ condition: @autoclosure () -> Bool, _ what: @autoclosure () -> String) {
        if !condition() { fail(what()) }
    }

    static func fail(_ what: String) -> Never {
        fatalError("fuzz invariant broken: \(what)")
    }
}
