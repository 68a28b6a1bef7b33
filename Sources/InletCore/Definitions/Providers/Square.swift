extension WebhookDefinition {
    /// Square webhook subscriptions.
    public static let square = WebhookDefinition(
        name: try! DefinitionName("square"), title: "Square",
        signature: .square,
        // Square's documented idempotency key for event notifications.
        deliveryID: .bodyField("event_id"),
        eventName: .bodyField("type"),
        eventTime: .time(.bodyField("created_at"), .rfc3339),
        events: ["payment.created", "payment.updated", "refund.created", "refund.updated",
                 "order.created", "order.updated", "customer.created", "customer.updated"].map(EventName.init),
        documentation: "https://developer.squareup.com/docs/webhooks/overview")
}
