extension WebhookDefinition {
    /// Okta event hooks: each request carries a batch of System Log events in `data.events`.
    public static let okta = WebhookDefinition(
        name: try! DefinitionName("okta"), title: "Okta",
        signature: .okta,
        batch: BatchLayout(
            itemsPath: ["data", "events"],
            // Each System Log event's own UUID (the envelope's `eventId` names the request, not the events).
            deliveryID: .bodyField("uuid"),
            eventName: .bodyField("eventType"),
            eventTime: .time(.bodyField("published"), .rfc3339)),
        handshakes: [.oktaVerification],
        events: ["user.lifecycle.create", "user.lifecycle.activate", "user.lifecycle.deactivate",
                 "user.lifecycle.suspend", "user.account.update_profile", "user.session.start",
                 "group.user_membership.add", "group.user_membership.remove"].map(EventName.init),
        documentation: "https://developer.okta.com/docs/concepts/event-hooks/")
}
