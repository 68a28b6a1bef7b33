#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import InletCrypto

/// Paddle Billing's webhook signature: `Paddle-Signature: ts=<Unix seconds>;h1=<hex>[;h1=<hex>…]`, each `h1` the hex
/// HMAC-SHA256 of `"<ts>:<raw body>"` keyed by the notification destination's secret key (`pdl_ntfset_…`, used whole
/// as UTF-8).
///
/// Several `h1` entries may appear while a secret key is being rotated; any may match. Elements other than `ts` and
/// `h1` are ignored, so a scheme Paddle adds later does not break verification (Paddle's Python SDK rejects them).
/// The default tolerance is 5 seconds either way, the `maximum_variance` of Paddle's official SDKs; raise it if the
/// clocks differ more. The body's `notification_id` identifies a delivery.
/// Docs: https://developer.paddle.com/webhooks/signature-verification
public enum PaddleSignature {
    public static let signatureHeader = "Paddle-Signature"
    public static let scheme = "h1"
    /// Five seconds, the default of Paddle's SDKs (`Verifier(maximum_variance=5)`).
    public static let defaultToleranceSeconds: Int64 = 5

    /// A parsed `Paddle-Signature` value.
    public typealias Header = TimestampedSignatures

    /// The header's grammar, shared with the other providers that sign a timestamp and list signatures.
    static let grammar = TimestampedSignatureList(
        provider: "Paddle", header: signatureHeader, elementSeparator: UInt8(ascii: ";"), timestampName: "ts",
        scheme: scheme, joiner: ":", missingHint: "Paddle sends it on every webhook")

    /// The HMAC-SHA256 key of a notification destination's secret key.
    /// - Throws: ``SignatureError`` `.invalidSecret` for a blank secret, `.cryptoFailure`.
    public static func key(secret: String) throws(SignatureError) -> HMACKey {
        try HMACKeyRing.signatureKey(secret, algorithm: .sha256, provider: "Paddle")
    }

    /// The `Paddle-Signature` value Paddle would send for `body` at `timestamp`: one `h1` entry per key, in order.
    public static func headerValue(timestamp: Int64, body: some ContiguousBytes, keys: [HMACKey]) throws(SignatureError) -> String {
        try grammar.headerValue(timestamp: timestamp, body: body, keys: keys)
    }

    /// The `Paddle-Signature` value for one key.
    public static func headerValue(timestamp: Int64, body: some ContiguousBytes, key: HMACKey) throws(SignatureError) -> String {
        try headerValue(timestamp: timestamp, body: body, keys: [key])
    }

    /// Parses a `Paddle-Signature` value: `;`-separated `key=value` elements; the first `ts` is the timestamp and
    /// must be all digits; `h1` values of 64 hex digits (either case) are the signatures; anything else is skipped.
    /// Nil when there is no well-formed `ts`. Total on any input.
    public static func parse(_ value: Substring) -> Header? {
        grammar.parse(value)
    }
}

/// Verifies Paddle Billing deliveries with the destination's secret keys (several during rotation; any may match any
/// `h1`).
public struct PaddleVerifier: WebhookVerifier {
    private let keys: HMACKeyRing
    private let freshness: TimestampFreshness

    /// - Parameter toleranceSeconds: accepted difference between `ts` and the receiver's clock, either way
    ///   (1 to 604,800; default 5, as Paddle's SDKs).
    /// - Throws: ``SignatureError`` `.invalidSecret` when no secret is given or one is blank, `.cryptoFailure`.
    public init(secrets: [String], toleranceSeconds: Int64 = PaddleSignature.defaultToleranceSeconds) throws(SignatureError) {
        precondition((1...GenericHMACOptions.maximumToleranceSeconds).contains(toleranceSeconds),
                     "PaddleVerifier: toleranceSeconds must be 1...\(GenericHMACOptions.maximumToleranceSeconds)")
        keys = try HMACKeyRing.signatureSecrets(secrets, algorithm: .sha256, provider: "Paddle")
        freshness = PaddleSignature.grammar.freshness(toleranceSeconds: toleranceSeconds)
    }

    public func verify(_ request: InboundRequest) -> SignatureRejection? {
        PaddleSignature.grammar.verify(request, keys: keys, freshness: freshness)
    }
}
