#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import InletCrypto

/// Stripe's webhook signature: `Stripe-Signature: t=<Unix seconds>,v1=<hex>[,v1=<hex>…][,v0=<hex>]`, each `v1` the hex
/// HMAC-SHA256 of `"<t>.<raw body>"` keyed by the endpoint's signing secret (`whsec_…`, used whole as UTF-8).
///
/// Stripe puts one `v1` per active secret while an endpoint's secret is being rolled; any may match. `v0` (test-mode
/// signatures with a fake secret) and unknown schemes are ignored, as Stripe's libraries do. The timestamp must be
/// within five minutes (Stripe's default tolerance). The event's `id` in the body (`evt_…`) identifies a delivery.
/// Docs: https://docs.stripe.com/webhooks#verify-manually
public enum StripeSignature {
    public static let signatureHeader = "Stripe-Signature"
    /// The signature scheme verified; entries of other schemes are skipped.
    public static let scheme = "v1"
    /// Five minutes, the default of Stripe's libraries.
    public static let defaultToleranceSeconds: Int64 = 300

    /// A parsed `Stripe-Signature` value.
    public typealias Header = TimestampedSignatures

    /// The header's grammar, shared with the other providers that sign a timestamp and list signatures.
    static let grammar = TimestampedSignatureList(
        provider: "Stripe", header: signatureHeader, elementSeparator: UInt8(ascii: ","), timestampName: "t",
        scheme: scheme, joiner: ".",
        missingHint: "Stripe sends it on every delivery to a webhook endpoint (v0 test signatures are not accepted)")

    /// The HMAC-SHA256 key of an endpoint's signing secret.
    /// - Throws: ``SignatureError`` `.invalidSecret` for a blank secret, `.cryptoFailure`.
    public static func key(secret: String) throws(SignatureError) -> HMACKey {
        try HMACKeyRing.signatureKey(secret, algorithm: .sha256, provider: "Stripe")
    }

    /// The `Stripe-Signature` value Stripe would send for `body` at `timestamp`: one `v1` entry per key, in order
    /// (several while a secret is being rolled).
    public static func headerValue(timestamp: Int64, body: some ContiguousBytes, keys: [HMACKey]) throws(SignatureError) -> String {
        try grammar.headerValue(timestamp: timestamp, body: body, keys: keys)
    }

    /// The `Stripe-Signature` value for one key.
    public static func headerValue(timestamp: Int64, body: some ContiguousBytes, key: HMACKey) throws(SignatureError) -> String {
        try headerValue(timestamp: timestamp, body: body, keys: [key])
    }

    /// The raw HMAC of `"<timestamp>.<body>"`, fed in pieces.
    static func authenticationCode(timestamp: some StringProtocol, body: some ContiguousBytes, key: HMACKey) throws(SignatureError) -> [UInt8] {
        try grammar.authenticationCode(timestamp: timestamp, body: body, key: key)
    }

    /// Parses a `Stripe-Signature` value: comma-separated `key=value` elements; the first `t` is the timestamp and
    /// must be all digits; `v1` values that are 64 hex digits (either case) are the signatures; everything else is
    /// skipped. Nil when there is no well-formed `t`. Total on any input.
    public static func parse(_ value: Substring) -> Header? {
        grammar.parse(value)
    }
}

/// Verifies Stripe deliveries with the endpoint's signing secrets (several during rotation; any may match any `v1`).
public struct StripeVerifier: WebhookVerifier {
    private let keys: HMACKeyRing
    private let freshness: TimestampFreshness

    /// - Parameter toleranceSeconds: accepted difference between `t` and the receiver's clock, either way
    ///   (1 to 604,800).
    /// - Throws: ``SignatureError`` `.invalidSecret` when no secret is given or one is blank, `.cryptoFailure`.
    public init(secrets: [String], toleranceSeconds: Int64 = StripeSignature.defaultToleranceSeconds) throws(SignatureError) {
        precondition((1...GenericHMACOptions.maximumToleranceSeconds).contains(toleranceSeconds),
                     "StripeVerifier: toleranceSeconds must be 1...\(GenericHMACOptions.maximumToleranceSeconds)")
        keys = try HMACKeyRing.signatureSecrets(secrets, algorithm: .sha256, provider: "Stripe")
        freshness = StripeSignature.grammar.freshness(toleranceSeconds: toleranceSeconds)
    }

    public func verify(_ request: InboundRequest) -> SignatureRejection? {
        StripeSignature.grammar.verify(request, keys: keys, freshness: freshness)
    }
}
