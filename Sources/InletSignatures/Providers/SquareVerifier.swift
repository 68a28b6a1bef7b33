#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import InletCrypto

/// Verifies Square webhooks: `x-square-hmacsha256-signature` = base64 HMAC-SHA256 of the subscription's notification
/// URL followed by the raw body, keyed by the subscription's signature key (UTF-8 bytes). No timestamp: the
/// deduplicator (by `event_id`) makes a replay harmless.
/// Docs: https://developer.squareup.com/docs/webhooks/step3validate
///
/// The URL must be the one configured on the subscription, character for character; behind a proxy or with a
/// rewritten path, configure it as ``Options/notificationURL`` instead of relying on the URL the receiver rebuilt.
/// The legacy `x-square-signature` (HMAC-SHA1) header is not verified.
public struct SquareVerifier: WebhookVerifier {
    public static let signatureHeader = "x-square-hmacsha256-signature"

    /// How deliveries are checked beyond the keys.
    public struct Options: Sendable {
        /// The subscription's notification URL as configured at Square. Default: nil, meaning the request's URL.
        public var notificationURL: String?

        public init(notificationURL: String? = nil) {
            self.notificationURL = notificationURL
        }
    }

    private let keys: [HMACKey]
    private let options: Options

    /// - Parameter signatureKeys: the subscription's signature keys, several during rotation (any may match).
    /// - Throws: ``SignatureError`` `.invalidSecret` when there is no key, a key is empty, or the notification URL
    ///   option is empty; `.cryptoFailure` when OpenSSL fails.
    public init(signatureKeys: [String], options: Options = Options()) throws(SignatureError) {
        guard !signatureKeys.isEmpty, signatureKeys.allSatisfy({ !$0.isEmpty }) else {
            throw SignatureError(.invalidSecret, "a Square integration needs at least one non-empty signature key (Developer Console → Webhooks → subscription → Signature key)")
        }
        if let url = options.notificationURL, url.isEmpty {
            throw SignatureError(.invalidSecret, "the Square notification URL option must be the subscription's URL, or absent to use the request URL")
        }
        self.keys = try signatureKeys.map { key throws(SignatureError) in try Self.key(signatureKey: key) }
        self.options = options
    }

    /// The HMAC-SHA256 key of a signature key.
    public static func key(signatureKey: String) throws(SignatureError) -> HMACKey {
        try HMACKey.signing(.sha256, key: Array(signatureKey.utf8))
    }

    /// The raw HMAC of `notificationURL ‖ body`, the body fed without copying.
    public static func authenticationCode(notificationURL: String, body: some ContiguousBytes, key: HMACKey) throws(SignatureError) -> [UInt8] {
        do {
            return try key.authenticationCode { mac in
                mac.update(notificationURL)
                mac.update(body)
            }
        } catch {
            throw SignatureError(.cryptoFailure, "HMAC-SHA256 failed", underlying: error)
        }
    }

    /// The `x-square-hmacsha256-signature` value Square sends (for tests and tools that imitate Square).
    public static func headerValue(notificationURL: String, body: some ContiguousBytes, key: HMACKey) throws(SignatureError) -> String {
        Base64.encode(try authenticationCode(notificationURL: notificationURL, body: body, key: key))
    }

    public func verify(_ request: InboundRequest) -> SignatureRejection? {
        guard let header = request.headers[Self.signatureHeader], !header.isEmpty else {
            return SignatureRejection(.signatureMissing, "the \(Self.signatureHeader) header is required by Square webhook subscriptions")
        }
        guard let signature = try? Base64.decode(ascii: Array(header.utf8)), signature.count == HMACAlgorithm.sha256.byteCount else {
            return SignatureRejection(.signatureMalformed, "the \(Self.signatureHeader) header must be standard base64 of a 32-byte HMAC-SHA256")
        }
        let url = options.notificationURL ?? request.url
        for key in keys {
            // An OpenSSL failure cannot be told from a mismatch by the sender; it is counted as one.
            guard let expected = try? Self.authenticationCode(notificationURL: url, body: request.body, key: key) else { continue }
            if ConstantTime.isEqual(expected, signature) { return nil }
        }
        return SignatureRejection(.signatureMismatch, "the \(Self.signatureHeader) signature does not match the notification URL and body under any of the integration's signature keys (check that the subscription's notification URL is exactly the URL configured for this integration)")
    }
}
