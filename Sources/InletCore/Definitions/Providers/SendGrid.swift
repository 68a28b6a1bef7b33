extension WebhookDefinition {
    /// SendGrid Event Webhook: each request is a top-level JSON array of events.
    public static let sendgrid = WebhookDefinition(
        name: try! DefinitionName("sendgrid"), title: "SendGrid",
        signature: .sendgrid,
        batch: BatchLayout(
            itemsPath: [],
            // SendGrid's own per-event ID, documented for deduplication.
            deliveryID: .bodyField("sg_event_id"),
            eventName: .bodyField("event"),
            // For bounce events: bounce or blocked.
            variant: .bodyField("type"),
            eventTime: .time(.bodyField("timestamp"), .unixSeconds)),
        events: ["processed", "dropped", "deferred", "delivered", "bounce", "open", "click",
                 "spamreport", "unsubscribe", "group_unsubscribe", "group_resubscribe"].map(EventName.init),
        documentation: "https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/event")
}
