#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import InletCrypto

/// GitHub's webhook signature: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, raw body)>`.
///
/// The secret is used as raw UTF-8 bytes. GitHub signs no timestamp, so a captured delivery can be replayed; the
/// deduplicator (by `X-GitHub-Delivery`) is what makes a replay harmless. GitHub also still sends a legacy
/// `X-Hub-Signature: sha1=<hex HMAC-SHA1>`; it is produced for senders that imitate GitHub, never trusted.
/// Docs: https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
public enum GitHubSignature {
    public static let headerName = "X-Hub-Signature-256"
    /// The legacy SHA-1 header GitHub still sends beside the SHA-256 one; produced by signers, never verified.
    public static let legacyHeaderName = "X-Hub-Signature"
    public static let prefix = "sha256="
    public static let legacyPrefix = "sha1="
    private static let hexDigitCount = 64

    /// The HMAC-SHA256 key GitHub derives from `secret`.
    /// - Throws: ``SignatureError`` `.cryptoFailure` when OpenSSL fails (every string is a valid GitHub secret).
    public static func key(secret: String) throws(SignatureError) -> HMACKey {
        try HMACKey.signing(.sha256, key: Array(secret.utf8))
    }

    /// The HMAC-SHA1 key of the legacy `X-Hub-Signature` header.
    public static func legacyKey(secret: String) throws(SignatureError) -> HMACKey {
        try HMACKey.signing(.sha1, key: Array(secret.utf8))
    }

    /// The `X-Hub-Signature-256` value GitHub would send for `body` (`key` from ``key(secret:)``).
    public static func headerValue(body: some ContiguousBytes, key: HMACKey) throws(SignatureError) -> String {
        prefix + (try hex(body: body, key: key))
    }

    /// The legacy `X-Hub-Signature` value GitHub would send for `body` (`key` from ``legacyKey(secret:)``).
    public static func legacyHeaderValue(body: some ContiguousBytes, key: HMACKey) throws(SignatureError) -> String {
        legacyPrefix + (try hex(body: body, key: key))
    }

    private static func hex(body: some ContiguousBytes, key: HMACKey) throws(SignatureError) -> String {
        do {
            return Hex.encode(try key.authenticationCode(for: body))
        } catch {
            throw SignatureError(.cryptoFailure, "\(key.algorithm.displayName) failed", underlying: error)
        }
    }

    /// Checks an `X-Hub-Signature-256` value against `body` under each key in turn (rotation: any key may match),
    /// in constant time.
    /// - Returns: nil when a key matches, otherwise why not.
    public static func verify(headerValue: Substring?, body: some ContiguousBytes, keys: [HMACKey]) -> SignatureRejection? {
        guard let headerValue else {
            return SignatureRejection(.signatureMissing, "the \(headerName) header is required; set a secret on the GitHub webhook")
        }
        guard let expected = parse(headerValue) else {
            return SignatureRejection(.signatureMalformed, "the \(headerName) header must be 'sha256=' followed by 64 hex digits")
        }
        for key in keys {
            // An OpenSSL failure cannot be told from a mismatch by the sender; it is counted as one.
            guard let code = try? key.authenticationCode(for: body) else { continue }
            if ConstantTime.isEqual(code, expected) { return nil }
        }
        return SignatureRejection(.signatureMismatch, "the \(headerName) signature does not match the body under any of the integration's secrets")
    }

    /// The 32 signature bytes of `sha256=<64 hex>` (either case), or nil.
    public static func parse(_ value: Substring) -> [UInt8]? {
        let utf8 = value.utf8
        guard utf8.count == prefix.utf8.count + hexDigitCount, utf8.starts(with: prefix.utf8) else { return nil }
        return try? Hex.decode(ascii: Array(utf8.dropFirst(prefix.utf8.count)))
    }
}
