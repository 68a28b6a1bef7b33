import InletCrypto

/// Verifies Standard Webhooks deliveries (https://www.standardwebhooks.com; Svix and every sender that follows the
/// specification, GitLab's signing token among them): `v1` HMAC-SHA256 entries under `whsec_` secrets and `v1a`
/// Ed25519 entries under `whpk_` public keys, `webhook-timestamp` within the tolerance.
///
/// Svix sends the same three headers also as `svix-id`, `svix-timestamp` and `svix-signature` (older Svix senders
/// send only those, and current ones both with the same values); the `svix-*` names are read when `webhook-id` is
/// absent. The scheme itself is ``StandardWebhooksSignature``.
public struct StandardWebhooksVerifier: WebhookVerifier {
    /// How deliveries are checked beyond the keys.
    public struct Options: Sendable {
        /// Largest accepted difference between `webhook-timestamp` and the receiver's clock, either way.
        /// Default: 300 seconds (the specification's recommendation).
        public var toleranceSeconds: Int64

        public init(toleranceSeconds: Int64 = StandardWebhooksSignature.recommendedToleranceSeconds) {
            self.toleranceSeconds = toleranceSeconds
        }
    }

    /// The `svix-*` header names Svix uses beside the `webhook-*` ones.
    public static let svixIDHeader = "svix-id"
    public static let svixTimestampHeader = "svix-timestamp"
    public static let svixSignatureHeader = "svix-signature"

    private let keys: [HMACKey]
    private let publicKeys: [Ed25519PublicKey]
    private let options: Options

    /// - Parameter secrets: the integration's keys, several during rotation (any may match): `whsec_<base64>` HMAC
    ///   secrets (the prefix is optional, as in the reference libraries) and `whpk_<base64>` Ed25519 public keys,
    ///   in any mix.
    /// - Throws: ``SignatureError`` `.invalidSecret` when the list is empty, when an entry is not valid base64 of a
    ///   key, or when an entry is a `whsk_` private key (configure its `whpk_` public key instead); the reason names
    ///   the position of the entry, never its text. `.cryptoFailure` when OpenSSL fails.
    public init(secrets: [String], options: Options = Options()) throws(SignatureError) {
        guard !secrets.isEmpty else {
            throw SignatureError(.invalidSecret, "a Standard Webhooks integration needs at least one 'whsec_' secret or 'whpk_' public key")
        }
        var keys: [HMACKey] = []
        var publicKeys: [Ed25519PublicKey] = []
        for (index, secret) in secrets.enumerated() {
            do throws(SignatureError) {
                if secret.hasPrefix(StandardWebhooksSignature.privateKeyPrefix) {
                    throw SignatureError(.invalidSecret, "a 'whsk_' key is the sender's private signing key; configure its 'whpk_' public key instead, and treat the private key as leaked")
                } else if secret.hasPrefix(StandardWebhooksSignature.publicKeyPrefix) {
                    publicKeys.append(try StandardWebhooksSignature.publicKey(secret))
                } else {
                    keys.append(try StandardWebhooksSignature.key(secret: secret))
                }
            } catch {
                throw SignatureError(error.code, "secret #\(index + 1) of the integration: \(error.reason)", openSSLErrorCode: error.openSSLErrorCode)
            }
        }
        self.keys = keys
        self.publicKeys = publicKeys
        self.options = options
    }

    public func verify(_ request: InboundRequest) -> SignatureRejection? {
        let headers = request.headers
        let svix = headers[StandardWebhooksSignature.idHeader] == nil && headers[Self.svixIDHeader] != nil
        return StandardWebhooksSignature.verify(
            id: svix ? headers[Self.svixIDHeader] : headers[StandardWebhooksSignature.idHeader],
            timestamp: svix ? headers[Self.svixTimestampHeader] : headers[StandardWebhooksSignature.timestampHeader],
            signatures: svix ? headers[Self.svixSignatureHeader] : headers[StandardWebhooksSignature.signatureHeader],
            body: request.body, keys: keys, publicKeys: publicKeys,
            now: request.now, toleranceSeconds: options.toleranceSeconds)
    }
}
