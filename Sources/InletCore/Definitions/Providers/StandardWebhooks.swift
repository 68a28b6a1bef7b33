extension WebhookDefinition {
    /// Any sender following the Standard Webhooks specification. The event name is the payload's top-level `type`;
    /// this generic definition declares no events, so its deliveries land on
    /// `inlet.standard-webhooks.unrouted.received` until a provider-specific definition exists.
    public static let standardWebhooks = WebhookDefinition(
        name: try! DefinitionName("standard-webhooks"), title: "Standard Webhooks",
        signature: .standardWebhooks,
        // The signed `webhook-id`: the same for every retry of a message.
        deliveryID: .header("webhook-id"),
        eventName: .bodyField("type"),
        // The specification's payload structure: {"type", "timestamp" (RFC 3339), "data"}.
        eventTime: .time(.bodyField("timestamp"), .rfc3339),
        events: [],
        documentation: "https://www.standardwebhooks.com")
}
