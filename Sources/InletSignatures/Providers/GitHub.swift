import InletCrypto

/// Verifies GitHub deliveries: `X-Hub-Signature-256` (``GitHubSignature``) under the integration's secrets (several
/// during rotation; any may match).
///
/// The legacy `X-Hub-Signature: sha1=<hex HMAC-SHA1>` is accepted only when the verifier is built with
/// `acceptLegacySHA1: true`, and only when `X-Hub-Signature-256` is absent: for senders that imitate GitHub's old
/// format (GitHub itself sends both). When the SHA-256 header is present it alone decides, so a forged SHA-1 header
/// cannot rescue a bad SHA-256 one. Replays are made harmless by the deduplicator (`X-GitHub-Delivery`).
/// Docs: https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
public struct GitHubVerifier: WebhookVerifier {
    private let keys: HMACKeyRing
    private let legacy: GenericHMACVerifier?

    /// Identifies a delivery; the same on every redelivery.
    public static let deliveryIDHeader = "X-GitHub-Delivery"

    /// - Parameter acceptLegacySHA1: also accept `X-Hub-Signature: sha1=` when `X-Hub-Signature-256` is absent.
    /// - Throws: ``SignatureError`` `.invalidSecret` when no secret is given or one is blank, `.cryptoFailure`.
    public init(secrets: [String], acceptLegacySHA1: Bool = false) throws(SignatureError) {
        keys = try HMACKeyRing.signatureSecrets(secrets, algorithm: .sha256, provider: "GitHub")
        legacy = acceptLegacySHA1
            ? try GenericHMACVerifier(secrets: secrets, options: Self.legacyOptions, provider: "GitHub")
            : nil
    }

    static let legacyOptions = GenericHMACOptions.builtIn(algorithm: .sha1, header: GitHubSignature.legacyHeaderName,
                                                          prefix: GitHubSignature.legacyPrefix)

    public func verify(_ request: InboundRequest) -> SignatureRejection? {
        // An empty header is as good as none (GitHubSignature.verify would call it malformed).
        let current = request.headers[GitHubSignature.headerName].flatMap { $0.isEmpty ? nil : $0 }
        if current == nil, let legacy, request.headers[GitHubSignature.legacyHeaderName] != nil {
            return legacy.verify(request)
        }
        return GitHubSignature.verify(headerValue: current, body: request.body, keys: keys.keys)
    }
}
