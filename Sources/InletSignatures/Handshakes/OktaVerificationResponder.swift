import InletCore

/// Okta event hook one-time verification: when a hook is verified, Okta sends a `GET` with an
/// `X-Okta-Verification-Challenge` header and expects `200 {"verification":"<challenge>"}`.
///
/// Answered after verification: Okta sends the hook's authentication header (the `okta` scheme's secret) with the
/// verification request too. The challenge is echoed only when it is 1–256 characters of letters, digits and
/// `-_+/=.`.
/// Docs: https://developer.okta.com/docs/concepts/event-hooks/#one-time-verification-request
public struct OktaVerificationResponder: HandshakeResponder {
    public let kind = HandshakeKind.oktaVerification
    public static let headerName = "X-Okta-Verification-Challenge"
    static let challenge = EchoedToken(what: "the \(headerName) header", maximumLength: 256, alphabet: .base64)

    public init() {}

    public func respond(to request: InboundRequest) -> HandshakeOutcome? {
        guard request.method == "GET", let value = request.headers[Self.headerName] else { return nil }
        let challenge = String(value)
        if let problem = Self.challenge.problem(with: challenge) { return .refuse(HandshakeRefusal(kind: kind, problem)) }
        return .respond(.json(["verification": challenge]))
    }
}
