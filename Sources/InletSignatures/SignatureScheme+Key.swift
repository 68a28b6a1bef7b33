import InletCore
import InletCrypto

extension SignatureScheme {
    /// The HMAC key this scheme derives from `secret` (as written in the integrations file). Make it once per secret
    /// and reuse it: the key schedule and OpenSSL contexts are shared by every request.
    /// - Throws: ``SignatureError`` `.invalidSecret` when the secret does not suit the scheme, `.cryptoFailure`.
    public func key(secret: String) throws(SignatureError) -> HMACKey {
        switch self {
        case .githubHMACSHA256: try GitHubSignature.key(secret: secret)
        case .standardWebhooks: try StandardWebhooksSignature.key(secret: secret)
        default:
            throw SignatureError(.invalidSecret, "scheme '\(rawValue)' has no single HMAC key; build its verifier instead")
        }
    }
}
