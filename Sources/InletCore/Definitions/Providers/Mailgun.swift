extension WebhookDefinition {
    /// Mailgun webhooks (the JSON form, with the `signature` object and `event-data`).
    public static let mailgun = WebhookDefinition(
        name: try! DefinitionName("mailgun"), title: "Mailgun",
        signature: .mailgun,
        // The event's ID in Mailgun's event log.
        deliveryID: .bodyPath(["event-data", "id"]),
        eventName: .bodyPath(["event-data", "event"]),
        // temporary / permanent, for failed deliveries.
        variant: .bodyPath(["event-data", "severity"]),
        eventTime: .time(.bodyPath(["event-data", "timestamp"]), .unixSeconds),
        events: ["accepted", "delivered", "opened", "clicked", "failed", "complained", "unsubscribed"].map(EventName.init),
        documentation: "https://documentation.mailgun.com/docs/mailgun/user-manual/tracking-messages/")
}
