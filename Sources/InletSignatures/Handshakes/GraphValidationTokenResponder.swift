import InletCore

/// Microsoft Graph subscription validation: when a subscription is created (or its URL changed), Graph POSTs to the
/// notification URL with a `validationToken` query parameter and an empty body, and expects the decoded token back
/// within 10 seconds as `200 text/plain`.
///
/// Answered before verification: Graph does not sign it, and the request carries no `clientState` to check. The
/// token is echoed only when it is 1–1024 characters of printable ASCII without `<>&"'\` or backticks (Graph's read
/// "Validation: Testing client application reachability for subscription Request-Id: …"), with
/// `X-Content-Type-Options: nosniff`.
/// Docs: https://learn.microsoft.com/en-us/graph/change-notifications-delivery-webhooks#notificationurl-validation
public struct GraphValidationTokenResponder: HandshakeResponder {
    public let kind = HandshakeKind.graphValidationToken
    static let token = EchoedToken(what: "the validationToken query parameter", maximumLength: 1024, alphabet: .plainText)

    public init() {}

    public func respond(to request: InboundRequest) -> HandshakeOutcome? {
        guard request.url.utf8.contains(UInt8(ascii: "?")), request.url.contains("validationToken=") else { return nil }
        // Present but undecodable (bad percent-encoding) is refused like any other bad token.
        let token = request.queryParameter("validationToken")
        if let problem = Self.token.problem(with: token) { return .refuse(HandshakeRefusal(kind: kind, problem)) }
        return .respond(.text(token!))
    }
}
