import InletCore

/// Answers one kind of set-up handshake or challenge.
///
/// Responders are built once per integration (``HandshakeKind/responder(secrets:)``; keys are set up then) and are
/// shared by every request: they hold no mutable state. They are pure: they read the request and compute the answer,
/// never perform I/O. - Important: every value a responder echoes is bounded in length and characters
/// (``EchoedToken``), so the receiver never reflects arbitrary content.
public protocol HandshakeResponder: Sendable {
    var kind: HandshakeKind { get }
    /// Whether the receiver asks before or after verifying the signature (``HandshakeKind/phase``).
    var phase: HandshakePhase { get }
    /// - Returns: nil when the request is not this handshake (it is then treated as a delivery), otherwise the
    ///   answer or a refusal.
    func respond(to request: InboundRequest) -> HandshakeOutcome?
}

extension HandshakeResponder {
    public var phase: HandshakePhase { kind.phase }
}

extension HandshakeKind {
    /// Whether the provider signs this handshake, and so whether it is answered before or after verification.
    public var phase: HandshakePhase {
        switch self {
        case .graphValidationToken, .challengeQueryEcho, .slackSSLCheck: .beforeVerification
        case .slackURLVerification, .zoomURLValidation, .oktaVerification, .discordPing: .afterVerification
        }
    }

    /// The responder for this handshake, for an integration with `secrets` (only Zoom's needs one: its first,
    /// current, secret token).
    /// - Throws: ``SignatureError`` `.invalidSecret` when a responder needs a secret and there is none,
    ///   `.cryptoFailure` when OpenSSL fails.
    public func responder(secrets: [String]) throws(SignatureError) -> any HandshakeResponder {
        switch self {
        case .slackURLVerification: SlackURLVerificationResponder()
        case .slackSSLCheck: SlackSSLCheckResponder()
        case .zoomURLValidation: try ZoomURLValidationResponder(secrets: secrets)
        case .graphValidationToken: GraphValidationTokenResponder()
        case .oktaVerification: OktaVerificationResponder()
        case .discordPing: DiscordPingResponder()
        case .challengeQueryEcho: ChallengeQueryEchoResponder()
        }
    }
}

/// An integration's responders, asked in the definition's order: what the receiver holds per integration.
///
/// ```swift
/// let handshakes = try HandshakeResponders(kinds: definition.handshakes, secrets: integration.secrets)
/// if let outcome = handshakes.respond(to: request, phase: .beforeVerification) { return answer(outcome) }
/// // verify the signature …
/// if let outcome = handshakes.respond(to: request, phase: .afterVerification) { return answer(outcome) }
/// // a delivery: read its metadata and produce it
/// ```
public struct HandshakeResponders: Sendable {
    public let responders: [any HandshakeResponder]

    public init(kinds: [HandshakeKind], secrets: [String]) throws(SignatureError) {
        var responders: [any HandshakeResponder] = []
        for kind in kinds { responders.append(try kind.responder(secrets: secrets)) }
        self.responders = responders
    }

    /// Whether any responder runs in `phase` (skip the call entirely when not).
    public func hasResponders(in phase: HandshakePhase) -> Bool { responders.contains { $0.phase == phase } }

    /// The first outcome of the responders of `phase`, or nil when the request is no handshake of theirs.
    public func respond(to request: InboundRequest, phase: HandshakePhase) -> HandshakeOutcome? {
        for responder in responders where responder.phase == phase {
            if let outcome = responder.respond(to: request) { return outcome }
        }
        return nil
    }
}
