extension WebhookDefinition {
    /// Discord webhook events (the application's Event Webhooks URL). `PING`s (webhook events and interactions)
    /// are answered by the receiver; interactions other than `PING` need a synchronous interaction response and are
    /// not ingested.
    public static let discord = WebhookDefinition(
        name: try! DefinitionName("discord"), title: "Discord",
        signature: .discord,
        // Discord sends no event ID: the derived one combines the application, event type, its timestamp and the
        // objects it concerns (user, entitlement, guild).
        deliveryID: .digest(prefix: "discord-", of: [.bodyField("application_id"), .bodyPath(["event", "type"]),
                                                     .bodyPath(["event", "timestamp"]),
                                                     .bodyPath(["event", "data", "user", "id"]),
                                                     .bodyPath(["event", "data", "id"]),
                                                     .bodyPath(["event", "data", "guild", "id"])]),
        eventName: .bodyPath(["event", "type"]),
        // Discord's timestamps carry no offset; they are UTC.
        eventTime: .time(.bodyPath(["event", "timestamp"]), .rfc3339),
        handshakes: [.discordPing],
        events: ["APPLICATION_AUTHORIZED", "APPLICATION_DEAUTHORIZED", "ENTITLEMENT_CREATE",
                 "QUEST_USER_ENROLLMENT"].map(EventName.init),
        documentation: "https://discord.com/developers/docs/events/webhook-events")
}
