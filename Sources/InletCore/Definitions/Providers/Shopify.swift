extension WebhookDefinition {
    /// Shopify webhook subscriptions (HTTPS delivery). Every value is in a header.
    public static let shopify = WebhookDefinition(
        name: try! DefinitionName("shopify"), title: "Shopify",
        signature: .shopify,
        // X-Shopify-Event-Id names the event and survives retries and multiple subscriptions to one topic;
        // older API versions send only X-Shopify-Webhook-Id (stable across retries of one delivery).
        deliveryID: .firstPresent([.header("X-Shopify-Event-Id"), .header("X-Shopify-Webhook-Id")]),
        // orders/create → topic segment orders_create.
        eventName: .header("X-Shopify-Topic"),
        // The payload's shape follows the subscription's API version (2024-07, …).
        variant: .header("X-Shopify-API-Version"),
        eventTime: .time(.header("X-Shopify-Triggered-At"), .rfc3339),
        events: ["orders/create", "orders/updated", "orders/paid", "orders/cancelled", "orders/fulfilled",
                 "customers/create", "customers/update", "customers/delete",
                 "products/create", "products/update", "app/uninstalled"].map(EventName.init),
        documentation: "https://shopify.dev/docs/apps/build/webhooks")
}
