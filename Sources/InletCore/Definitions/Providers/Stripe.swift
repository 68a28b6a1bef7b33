extension WebhookDefinition {
    /// Stripe events (`evt_…`), one per request.
    public static let stripe = WebhookDefinition(
        name: try! DefinitionName("stripe"), title: "Stripe",
        signature: .stripe,
        // The event's ID: Stripe retries and resends the same event object.
        deliveryID: .bodyField("id"),
        eventName: .bodyField("type"),
        // The API version the event object was rendered with: it decides the payload's shape.
        variant: .bodyField("api_version"),
        eventTime: .time(.bodyField("created"), .unixSeconds),
        events: ["customer.created", "customer.updated", "customer.deleted",
                 "payment_intent.succeeded", "payment_intent.payment_failed",
                 "charge.succeeded", "charge.refunded",
                 "invoice.paid", "invoice.payment_failed",
                 "customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted",
                 "checkout.session.completed"].map(EventName.init),
        documentation: "https://docs.stripe.com/webhooks")
}
