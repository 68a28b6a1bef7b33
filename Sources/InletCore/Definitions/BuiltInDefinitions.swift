extension WebhookDefinition {
    /// GitHub repository and organisation webhooks.
    /// Docs: https://docs.github.com/en/webhooks/webhook-events-and-payloads
    public static let github = WebhookDefinition(
        name: try! DefinitionName("github"), title: "GitHub",
        signature: .githubHMACSHA256,
        deliveryID: .header("X-GitHub-Delivery"),
        eventName: .header("X-GitHub-Event"),
        variant: .header("X-GitHub-Hook-Installation-Target-Type"),
        events: ["pull_request", "issues", "push"].map(EventName.init))

    /// Any sender following the Standard Webhooks specification (https://www.standardwebhooks.com).
    /// The event name is the payload's top-level `type`; this generic definition declares no events, so its
    /// deliveries land on `inlet.standard-webhooks.unrouted.received` until a provider-specific definition exists.
    public static let standardWebhooks = WebhookDefinition(
        name: try! DefinitionName("standard-webhooks"), title: "Standard Webhooks",
        signature: .standardWebhooks,
        deliveryID: .header("webhook-id"),
        eventName: .bodyField("type"),
        events: [])

    /// The definitions compiled into this build of Inlet.
    public static let builtIn: [WebhookDefinition] = [.github, .standardWebhooks]
}
