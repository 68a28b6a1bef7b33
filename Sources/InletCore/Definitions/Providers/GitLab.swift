extension WebhookDefinition {
    /// GitLab project, group and system hooks.
    public static let gitlab = WebhookDefinition(
        name: try! DefinitionName("gitlab"), title: "GitLab",
        signature: .gitlabToken,
        // `Idempotency-Key` (GitLab 17.4+) names one event's delivery and survives retries. Older GitLab only has
        // `X-Gitlab-Webhook-UUID`, new on every send, so a retry passes as a new delivery (harmless: upserts are
        // newer-wins). `X-Gitlab-Event-UUID` is deliberately not used: GitLab reuses it for every hook a request
        // triggers (its recursion detection), so a push and the merge-request update it causes share it, and
        // deduplicating on it would drop one of them.
        deliveryID: .firstPresent([.header("Idempotency-Key"), .header("X-Gitlab-Webhook-UUID")]),
        // merge_request, issue, push, … (`X-Gitlab-Event` says "Merge Request Hook"); system hooks without
        // `object_kind` name themselves in `event_name`.
        eventName: .firstPresent([.bodyField("object_kind"), .bodyField("event_name"), .header("X-Gitlab-Event")]),
        // "Merge Request Hook", "Confidential Issue Hook", "System Hook": where and how the event was raised.
        variant: .header("X-Gitlab-Event"),
        events: ["push", "tag_push", "merge_request", "issue", "note", "pipeline", "build", "release"].map(EventName.init),
        documentation: "https://docs.gitlab.com/user/project/integrations/webhooks/")
}
