extension WebhookDefinition {
    /// Bitbucket Cloud webhooks.
    public static let bitbucket = WebhookDefinition(
        name: try! DefinitionName("bitbucket"), title: "Bitbucket",
        signature: .bitbucket,
        // The request's UUID (X-Hook-UUID names the webhook, not the event; X-Attempt-Number counts retries).
        deliveryID: .header("X-Request-UUID"),
        eventName: .header("X-Event-Key"),
        events: ["repo:push", "pullrequest:created", "pullrequest:updated", "pullrequest:fulfilled",
                 "pullrequest:rejected", "pullrequest:approved", "pullrequest:comment_created",
                 "issue:created", "issue:updated"].map(EventName.init),
        documentation: "https://support.atlassian.com/bitbucket-cloud/docs/event-payloads/")
}
