extension WebhookDefinition {
    /// GitHub repository, organisation and app webhooks. Every value is in a header; the body is never parsed.
    public static let github = WebhookDefinition(
        name: try! DefinitionName("github"), title: "GitHub",
        signature: .githubHMACSHA256,
        // Stable across GitHub's redeliveries.
        deliveryID: .header("X-GitHub-Delivery"),
        eventName: .header("X-GitHub-Event"),
        // repository, organization, integration (GitHub App), …: the same event differs by where the hook lives.
        variant: .header("X-GitHub-Hook-Installation-Target-Type"),
        events: ["pull_request", "issues", "push", "issue_comment", "pull_request_review", "release"].map(EventName.init),
        documentation: "https://docs.github.com/en/webhooks/webhook-events-and-payloads")
}
