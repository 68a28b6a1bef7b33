extension WebhookDefinition {
    /// Jira Cloud webhooks (admin-registered or REST-registered).
    public static let jira = WebhookDefinition(
        name: try! DefinitionName("jira"), title: "Jira",
        signature: .jira,
        // Atlassian's ID of the webhook delivery, kept on retries (X-Atlassian-Webhook-Retry counts them).
        deliveryID: .header("X-Atlassian-Webhook-Identifier"),
        eventName: .bodyField("webhookEvent"),
        // issue_created, issue_generic, issue_assigned, …: what kind of issue change a jira:issue_updated is.
        variant: .bodyField("issue_event_type_name"),
        eventTime: .time(.bodyField("timestamp"), .unixMilliseconds),
        events: ["jira:issue_created", "jira:issue_updated", "jira:issue_deleted",
                 "comment_created", "comment_updated", "comment_deleted",
                 "sprint_started", "sprint_closed"].map(EventName.init),
        documentation: "https://developer.atlassian.com/cloud/jira/platform/webhooks/")
}
