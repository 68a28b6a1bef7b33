extension WebhookDefinition {
    /// Linear data-change webhooks: one entity type per event (`Issue`, `Comment`, …), the change in `action`
    /// (create, update, remove; mappings read it as `action`).
    public static let linear = WebhookDefinition(
        name: try! DefinitionName("linear"), title: "Linear",
        signature: .linear,
        // A UUID per delivery, kept on retries.
        deliveryID: .header("Linear-Delivery"),
        // The header mirrors the body's `type`; the body is the fallback for proxies that drop headers.
        eventName: .firstPresent([.header("Linear-Event"), .bodyField("type")]),
        eventTime: .firstPresent([.time(.bodyField("createdAt"), .rfc3339), .time(.bodyField("webhookTimestamp"), .unixMilliseconds)]),
        events: ["Issue", "Comment", "Project", "Cycle", "IssueLabel", "Reaction"].map(EventName.init),
        documentation: "https://linear.app/developers/webhooks")
}
