extension WebhookDefinition {
    /// Paddle Billing notifications.
    public static let paddle = WebhookDefinition(
        name: try! DefinitionName("paddle"), title: "Paddle",
        signature: .paddle,
        // evt_…: one per event, so a replayed notification (new `notification_id`) is still a repeat.
        deliveryID: .firstPresent([.bodyField("event_id"), .bodyField("notification_id")]),
        eventName: .bodyField("event_type"),
        eventTime: .time(.bodyField("occurred_at"), .rfc3339),
        events: ["transaction.created", "transaction.updated", "transaction.completed", "transaction.paid",
                 "subscription.created", "subscription.updated", "subscription.canceled",
                 "customer.created", "customer.updated"].map(EventName.init),
        documentation: "https://developer.paddle.com/webhooks/overview")
}
