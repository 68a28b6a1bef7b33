/// Verifies GitLab webhooks in either or both of GitLab's modes:
///
/// - **Secret token**: GitLab sends the webhook's secret token verbatim in `X-Gitlab-Token`; compared (as a
///   digest) in constant time. No signature, no timestamp.
///   Docs: https://docs.gitlab.com/user/project/integrations/webhooks/ ("Secret token").
/// - **Signing token**: newer GitLab signs each request with Standard Webhooks headers (`webhook-id`, equal to the
///   `Idempotency-Key` header; `webhook-timestamp`; `webhook-signature: v1,<base64 HMAC-SHA256>` over
///   `<id>.<timestamp>.<body>`), keyed by the base64 bytes of a `whsec_` signing token, so the body is authenticated
///   and replays are bounded by the tolerance.
///
/// When both kinds of token are configured, both checks must pass (GitLab sends both headers when the hook has both).
public struct GitLabVerifier: WebhookVerifier {
    /// GitLab's secret-token header.
    public static let tokenHeader = "X-Gitlab-Token"

    /// How deliveries are checked beyond the tokens.
    public struct Options: Sendable {
        /// Largest accepted `webhook-timestamp` difference in signing-token mode. Default: 300 seconds.
        public var toleranceSeconds: Int64

        public init(toleranceSeconds: Int64 = StandardWebhooksSignature.recommendedToleranceSeconds) {
            self.toleranceSeconds = toleranceSeconds
        }
    }

    private let secretTokens: SecretTokenMatcher?
    private let signing: StandardWebhooksVerifier?

    /// - Parameters:
    ///   - secretTokens: the webhook's secret tokens (`X-Gitlab-Token`), several during rotation; empty when the
    ///     hook has none.
    ///   - signingTokens: the webhook's signing tokens (`whsec_<base64>`), several during rotation; empty when the
    ///     hook has none.
    /// - Throws: ``SignatureError`` `.invalidSecret` when both lists are empty, a secret token is empty, or a signing
    ///   token is not `whsec_` + base64 (the reason never quotes it).
    public init(secretTokens: [String] = [], signingTokens: [String] = [], options: Options = Options()) throws(SignatureError) {
        guard !secretTokens.isEmpty || !signingTokens.isEmpty else {
            throw SignatureError(.invalidSecret, "a GitLab integration needs a secret token (X-Gitlab-Token), a signing token (whsec_…), or both")
        }
        self.secretTokens = secretTokens.isEmpty ? nil : try SecretTokenMatcher(secretTokens, what: "GitLab secret token")
        if signingTokens.isEmpty {
            self.signing = nil
        } else {
            guard signingTokens.allSatisfy({ $0.hasPrefix(StandardWebhooksSignature.secretPrefix) }) else {
                throw SignatureError(.invalidSecret, "a GitLab signing token must be 'whsec_' followed by base64 of the key, as GitLab shows it")
            }
            self.signing = try StandardWebhooksVerifier(secrets: signingTokens, options: .init(toleranceSeconds: options.toleranceSeconds))
        }
    }

    public func verify(_ request: InboundRequest) -> SignatureRejection? {
        if let secretTokens {
            guard let token = request.headers[Self.tokenHeader], !token.isEmpty else {
                return SignatureRejection(.signatureMissing, "the \(Self.tokenHeader) header is required: set the webhook's secret token in GitLab")
            }
            guard secretTokens.matches(token) else {
                return SignatureRejection(.signatureMismatch, "the \(Self.tokenHeader) header does not equal any of the integration's GitLab secret tokens")
            }
        }
        if let signing, let rejection = signing.verify(request) {
            return rejection
        }
        return nil
    }
}
