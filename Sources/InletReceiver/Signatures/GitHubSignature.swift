import InletCrypto

/// GitHub's webhook signature: `X-Hub-Signature-256: sha256=<lower-case hex HMAC-SHA256(secret, raw body)>`.
///
/// The secret is used as raw UTF-8 bytes. GitHub signs no timestamp, so a captured delivery can be replayed; the
/// deduplicator (by `X-GitHub-Delivery`) is what makes a replay harmless.
/// Docs: https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
enum GitHubSignature {
    static let headerName = "X-Hub-Signature-256"
    /// The legacy SHA-1 header GitHub still sends beside the SHA-256 one; produced by the signer, never trusted.
    static let legacyHeaderName = "X-Hub-Signature"
    static let prefix = "sha256="
    private static let hexDigitCount = 64

    /// The HMAC key GitHub derives from `secret`.
    static func key(secret: String) throws(ReceiverError) -> HMACKey {
        do {
            return try HMACKey(algorithm: .sha256, key: Array(secret.utf8))
        } catch {
            throw ReceiverError(.cryptoFailure, "cannot create an HMAC-SHA256 key: \(error)")
        }
    }

    /// The header value GitHub would send for `body`.
    static func headerValue(body: [UInt8], key: HMACKey) throws(ReceiverError) -> String {
        do {
            return prefix + Hex.encode(try key.authenticationCode(for: body))
        } catch {
            throw ReceiverError(.cryptoFailure, "HMAC-SHA256 failed: \(error)")
        }
    }

    /// Checks `headerValue` against `body` under each key in turn (rotation: any key may match).
    /// - Returns: nil when a key matches, otherwise the rejection to answer with.
    static func verify(headerValue: Substring?, body: [UInt8], keys: [HMACKey]) -> WebhookRejection? {
        guard let headerValue else {
            return WebhookRejection(.signatureMissing, "the \(headerName) header is required; set a secret on the GitHub webhook")
        }
        guard let expected = parse(headerValue) else {
            return WebhookRejection(.signatureMalformed, "the \(headerName) header must be 'sha256=' followed by 64 hex digits")
        }
        for key in keys {
            // An OpenSSL failure cannot be told from a mismatch by the sender; it is counted as one.
            guard let code = try? key.authenticationCode(for: body) else { continue }
            if ConstantTime.isEqual(code, expected) { return nil }
        }
        return WebhookRejection(.signatureMismatch, "the \(headerName) signature does not match the body under any of the integration's secrets")
    }

    /// The 32 signature bytes of `sha256=<64 hex>`, or nil.
    static func parse(_ value: Substring) -> [UInt8]? {
        let utf8 = value.utf8
        guard utf8.count == prefix.utf8.count + hexDigitCount, utf8.starts(with: prefix.utf8) else { return nil }
        return try? Hex.decode(ascii: Array(utf8.dropFirst(prefix.utf8.count)))
    }
}
