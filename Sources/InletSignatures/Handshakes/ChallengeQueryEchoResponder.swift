import InletCore

/// A Dropbox-style challenge: the sender verifies the URL with `GET <url>?challenge=<token>` and expects the token
/// back as `200 text/plain`, with `X-Content-Type-Options: nosniff` (Dropbox's documentation asks for exactly these
/// headers, so a browser never interprets the echo).
///
/// Answered before verification: such senders do not sign the `GET`. The token is echoed only when it is 1–256
/// characters of letters, digits and `-_+/=.`.
/// Docs: https://www.dropbox.com/developers/reference/webhooks#documentation
public struct ChallengeQueryEchoResponder: HandshakeResponder {
    public let kind = HandshakeKind.challengeQueryEcho
    static let challenge = EchoedToken(what: "the challenge query parameter", maximumLength: 256, alphabet: .base64)

    public init() {}

    public func respond(to request: InboundRequest) -> HandshakeOutcome? {
        guard request.method == "GET", request.url.contains("challenge=") else { return nil }
        guard let challenge = request.queryParameter("challenge") else { return nil }
        if let problem = Self.challenge.problem(with: challenge) { return .refuse(HandshakeRefusal(kind: kind, problem)) }
        return .respond(.text(challenge))
    }
}
