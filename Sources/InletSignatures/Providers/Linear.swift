#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import InletCrypto

/// Linear's webhook signature: `Linear-Signature: <hex HMAC-SHA256(webhook signing secret, raw body)>`, no prefix.
///
/// Linear signs no timestamp header; its replay protection is the body's top-level `webhookTimestamp` (Unix
/// milliseconds), which Linear asks receivers to check is within a minute of their clock. Only that field is read
/// (``LinearWebhookTimestamp``), and only after the signature has proved the body authentic. `Linear-Delivery`
/// identifies a delivery for the deduplicator.
/// Docs: https://linear.app/developers/webhooks ("Securing webhooks").
public enum LinearSignature {
    public static let signatureHeader = "Linear-Signature"
    /// Identifies a delivery.
    public static let deliveryIDHeader = "Linear-Delivery"
    /// The body field holding the delivery's time, Unix milliseconds.
    public static let timestampField = LinearWebhookTimestamp.fieldName
    /// One minute, as Linear's documentation and SDK check.
    public static let defaultToleranceSeconds: Int64 = 60
    static let options = GenericHMACOptions.builtIn(header: signatureHeader)

    /// The HMAC-SHA256 key of a Linear webhook's signing secret.
    /// - Throws: ``SignatureError`` `.invalidSecret` for a blank secret, `.cryptoFailure`.
    public static func key(secret: String) throws(SignatureError) -> HMACKey {
        try HMACKeyRing.signatureKey(secret, algorithm: .sha256, provider: "Linear")
    }

    /// The `Linear-Signature` value Linear would send for `body` (which should carry `webhookTimestamp`).
    public static func headerValue(body: some ContiguousBytes, key: HMACKey) throws(SignatureError) -> String {
        try options.signatureHeaderValue(key: key) { $0.update(body) }
    }
}

/// Verifies Linear deliveries: the signature under one of the integration's secrets (several during rotation), then
/// the freshness of the body's `webhookTimestamp`.
public struct LinearVerifier: WebhookVerifier {
    private let signature: GenericHMACVerifier
    private let freshness: TimestampFreshness

    /// - Parameter toleranceSeconds: accepted difference between `webhookTimestamp` and the receiver's clock, either
    ///   way (1 to 604,800).
    /// - Throws: ``SignatureError`` `.invalidSecret` when no secret is given or one is blank, `.cryptoFailure`.
    public init(secrets: [String], toleranceSeconds: Int64 = LinearSignature.defaultToleranceSeconds) throws(SignatureError) {
        precondition((1...GenericHMACOptions.maximumToleranceSeconds).contains(toleranceSeconds),
                     "LinearVerifier: toleranceSeconds must be 1...\(GenericHMACOptions.maximumToleranceSeconds)")
        signature = try GenericHMACVerifier(secrets: secrets, options: LinearSignature.options, provider: "Linear")
        freshness = TimestampFreshness(unit: .milliseconds, toleranceSeconds: toleranceSeconds,
                                       source: "the body's \(LinearSignature.timestampField) field")
    }

    public func verify(_ request: InboundRequest) -> SignatureRejection? {
        // The timestamp is inside the body, so it means something only once the signature has vouched for the body.
        if let rejection = signature.verify(request) { return rejection }
        switch LinearWebhookTimestamp.read(from: request.body) {
        case .found(let milliseconds):
            return freshness.check(value: milliseconds, now: request.now)
        case .absent:
            return SignatureRejection(.signatureMissing, "the body has no top-level \(LinearSignature.timestampField) field; Linear puts one in every webhook (Unix milliseconds)")
        case .notAWholeNumber:
            return freshness.malformed()
        case .notAnObject:
            return SignatureRejection(.signatureMalformed, "the body is not a JSON object, so its \(LinearSignature.timestampField) cannot be read")
        }
    }
}
