extension WebhookDefinition {
    /// HubSpot app webhooks (Webhooks API v3 signatures): each request is a top-level JSON array of up to 100
    /// subscription events.
    public static let hubspot = WebhookDefinition(
        name: try! DefinitionName("hubspot"), title: "HubSpot",
        signature: .hubspotV3,
        batch: BatchLayout(
            itemsPath: [],
            // HubSpot documents `eventId` as not guaranteed unique on its own, and `attemptNumber` changes between
            // retries (so the item bytes do too): the ID is the event's identity within its portal and
            // subscription, stable across attempts.
            deliveryID: .digest(prefix: "hubspot-", of: [.bodyField("portalId"), .bodyField("subscriptionId"),
                                                         .bodyField("eventId"), .bodyField("objectId"),
                                                         .bodyField("occurredAt")]),
            // contact.creation, contact.propertyChange, …
            eventName: .bodyField("subscriptionType"),
            // For propertyChange events: which property changed.
            variant: .bodyField("propertyName"),
            eventTime: .time(.bodyField("occurredAt"), .unixMilliseconds)),
        events: ["contact.creation", "contact.propertyChange", "contact.deletion", "contact.merge",
                 "company.creation", "company.propertyChange", "company.deletion",
                 "deal.creation", "deal.propertyChange", "deal.deletion"].map(EventName.init),
        documentation: "https://developers.hubspot.com/docs/api/webhooks")
}
