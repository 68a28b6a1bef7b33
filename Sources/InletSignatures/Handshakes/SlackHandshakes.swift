import InletCore

/// Slack Events API URL verification: Slack POSTs `{"token":…,"challenge":…,"type":"url_verification"}` when the
/// request URL is saved, and expects the challenge back.
///
/// Signed like every Events API request, so it is answered after verification. The answer is
/// `200 {"challenge":"<challenge>"}` (one of the forms Slack documents). The challenge is echoed only when it is
/// 1–256 characters of letters, digits, `-` and `_` (Slack's are ~48 alphanumerics).
/// Docs: https://api.slack.com/events/url_verification
public struct SlackURLVerificationResponder: HandshakeResponder {
    public let kind = HandshakeKind.slackURLVerification
    static let challenge = EchoedToken(what: "the Slack challenge", maximumLength: 256, alphabet: .base64URL)

    public init() {}

    public func respond(to request: InboundRequest) -> HandshakeOutcome? {
        // `type` alone first: a delivery's scan ends as soon as it is found.
        guard request.method == "POST", request.jsonMembers([["type"]])?[0] == .string("url_verification") else { return nil }
        let challenge = request.jsonMembers([["challenge"]])?[0].flatMap { if case .string(let text) = $0 { text } else { nil } }
        if let problem = Self.challenge.problem(with: challenge) { return .refuse(HandshakeRefusal(kind: kind, problem)) }
        return .respond(.json(["challenge": challenge!]))
    }
}

/// Slack's certificate check for slash-command URLs: a form-encoded POST with `ssl_check=1` (and the deprecated
/// verification token), answered with an empty 200.
///
/// Answered before verification: the answer echoes nothing and reveals nothing, so there is nothing to protect, and
/// Slack's own frameworks answer it before checking signatures too.
/// Docs: https://api.slack.com/interactivity/slash-commands (respond to the SSL check)
public struct SlackSSLCheckResponder: HandshakeResponder {
    public let kind = HandshakeKind.slackSSLCheck

    public init() {}

    public func respond(to request: InboundRequest) -> HandshakeOutcome? {
        guard request.method == "POST", !request.bodyLooksLikeJSONObject,
              let fields = try? FormFields.parse(request.body),
              fields.first(where: { $0.name == "ssl_check" })?.value == "1"
        else { return nil }
        return .respond(HandshakeResponse(status: 200, contentType: "text/plain; charset=utf-8", body: []))
    }
}
