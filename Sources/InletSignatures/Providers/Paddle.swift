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
    public struct Header: Sendable, Hashable {
        /// The `ts` element as sent (digits only).
        public var timestamp: Substring
        /// The well-formed `h1` signatures (32 bytes each), in order; malformed ones are dropped.
        public var signatures: [[UInt8]]
    }

    /// The HMAC-SHA256 key of a notification destination's secret key.
    /// - Throws: ``SignatureError`` `.invalidSecret` for a blank secret, `.cryptoFailure`.
    public static func key(secret: String) throws(SignatureError) -> HMACKey {
        try HMACKeyRing.signatureKey(secret, algorithm: .sha256, provider: "Paddle")
    }

    /// The `Paddle-Signature` value Paddle would send for `body` at `timestamp`: one `h1` entry per key, in order.
    public static func headerValue(timestamp: Int64, body: some ContiguousBytes, keys: [HMACKey]) throws(SignatureError) -> String {
        var value = "ts=" + String(timestamp)
        for key in keys {
            do {
                let code = try key.authenticationCode { mac in
                    mac.update(String(timestamp) + ":")
                    mac.update(body)
                }
                value += ";" + scheme + "=" + Hex.encode(code)
            } catch {
                throw SignatureError(.cryptoFailure, "HMAC-SHA256 failed", underlying: error)
            }
        }
        return value
    }

    /// The `Paddle-Signature` value for one key.
    public static func headerValue(timestamp: Int64, body: some ContiguousBytes, key: HMACKey) throws(SignatureError) -> String {
        try headerValue(timestamp: timestamp, body: body, keys: [key])
    }

    /// Parses a `Paddle-Signature` value: `;`-separated `key=value` elements; the first `ts` is the timestamp and
    /// must be all digits; `h1` values of 64 hex digits (either case) are the signatures; anything else is skipped.
    /// Nil when there is no well-formed `ts`. Total on any input.
    public static func parse(_ value: Substring) -> Header? {
        var timestamp: Substring?
        var signatures: [[UInt8]] = []
        for element in ASCIIFields.split(value, on: UInt8(ascii: ";")) {
            guard let (name, content) = ASCIIFields.pair(element, on: UInt8(ascii: "=")) else { continue }
            if name == "ts" {
                if timestamp == nil { timestamp = content }
            } else if name == scheme, content.utf8.count == 64, let bytes = try? Hex.decode(ascii: Array(content.utf8)) {
                signatures.append(bytes)
            }
        }
        guard let timestamp, !timestamp.isEmpty, timestamp.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return nil
        }
        return Header(timestamp: timestamp, signatures: signatures)
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
        freshness = TimestampFreshness(unit: .seconds, toleranceSeconds: toleranceSeconds,
                                       source: "the ts= timestamp of the \(PaddleSignature.signatureHeader) header")
    }

    public func verify(_ request: InboundRequest) -> SignatureRejection? {
        let name = PaddleSignature.signatureHeader
        guard let value = request.headers[name], !value.isEmpty else {
            return SignatureRejection(.signatureMissing, "the \(name) header is required; Paddle sends it on every webhook")
        }
        guard let header = PaddleSignature.parse(value) else {
            return SignatureRejection(.signatureMalformed, "the \(name) header must be 'ts=<Unix seconds>;h1=<64 hex digits>' (more h1 entries may follow)")
        }
        guard !header.signatures.isEmpty else {
            return SignatureRejection(.signatureMalformed, "the \(name) header holds no 'h1=<64 hex digits>' signature")
        }
        if let rejection = freshness.check(header.timestamp, now: request.now) { return rejection }
        let authentic = keys.authenticates(anyOf: header.signatures) { mac in
            mac.update(String(header.timestamp) + ":")
            mac.update(request.body)
        }
        return authentic ? nil : .mismatch("no h1 signature of the \(name) header", provider: "Paddle")
    }
}
