extension WebhookDefinition {
    /// Microsoft Graph change notifications: each request carries a batch of notifications in `value`.
    /// Subscription validation (`?validationToken=`) is answered by the receiver.
    public static let microsoftGraph = WebhookDefinition(
        name: try! DefinitionName("microsoft-graph"), title: "Microsoft Graph",
        signature: .microsoftGraph,
        batch: BatchLayout(
            itemsPath: ["value"],
            // Graph's notification `id` is optional, so the ID is derived from what names one change of one version
            // of a resource: subscription, tenant, change type, resource path, the resource's ID and ETag, and the
            // lifecycle event for lifecycle notifications (plus the notification `id` when present). Retries carry
            // the same values; two notifications equal in all of them describe the same change.
            deliveryID: .digest(prefix: "graph-", of: [.bodyField("subscriptionId"), .bodyField("tenantId"),
                                                       .bodyField("changeType"), .bodyField("lifecycleEvent"),
                                                       .bodyField("resource"), .bodyPath(["resourceData", "id"]),
                                                       .bodyPath(["resourceData", "@odata.etag"]), .bodyField("id")]),
            // created, updated, deleted; lifecycle notifications carry `lifecycleEvent` instead.
            eventName: .firstPresent([.bodyField("changeType"), .bodyField("lifecycleEvent")]),
            // #Microsoft.Graph.Message, #Microsoft.Graph.Event, …
            variant: .bodyPath(["resourceData", "@odata.type"])),
        handshakes: [.graphValidationToken],
        events: ["created", "updated", "deleted"].map(EventName.init),
        documentation: "https://learn.microsoft.com/en-us/graph/change-notifications-delivery-webhooks")
}
