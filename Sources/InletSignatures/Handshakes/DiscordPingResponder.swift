import InletCore

/// Discord `PING`s, sent when an endpoint URL is saved (Discord also sends requests with bad signatures then, to
/// check that they are refused):
/// - an interactions endpoint receives an interaction of `"type":1` and expects `200 {"type":1}` (a PONG);
/// - an event webhooks endpoint receives `{"version":1,"application_id":…,"type":0}` and expects `204` with no body.
///
/// Both are told from webhook events proper (`"type":1` with an `event` object) by the absence of `event.type`.
/// Answered after verification (Ed25519 over timestamp + body): Discord requires it. Nothing is echoed.
/// Docs: https://discord.com/developers/docs/interactions/overview#setting-up-an-endpoint,
/// https://discord.com/developers/docs/events/webhook-events#responding-to-webhook-events
public struct DiscordPingResponder: HandshakeResponder {
    public let kind = HandshakeKind.discordPing

    public init() {}

    public func respond(to request: InboundRequest) -> HandshakeOutcome? {
        guard request.method == "POST", let members = request.jsonMembers([["type"], ["event", "type"]]),
              members[1] == nil else { return nil }
        switch members[0] {
        case .number("1"): return .respond(.json(raw: #"{"type":1}"#))
        case .number("0"): return .respond(HandshakeResponse(status: 204, contentType: nil, body: []))
        default: return nil
        }
    }
}
