extension WebhookDefinition {
    /// Intercom webhook notifications (`notification_event` envelopes).
    public static let intercom = WebhookDefinition(
        name: try! DefinitionName("intercom"), title: "Intercom",
        signature: .intercom,
        // notif_…: the same on every delivery attempt (`delivery_attempts` counts them).
        deliveryID: .bodyField("id"),
        eventName: .bodyField("topic"),
        eventTime: .time(.bodyField("created_at"), .unixSeconds),
        events: ["conversation.user.created", "conversation.user.replied", "conversation.admin.replied",
                 "conversation.admin.closed", "conversation.admin.assigned", "contact.user.created",
                 "contact.lead.created"].map(EventName.init),
        documentation: "https://developers.intercom.com/docs/references/webhooks/webhook-models")
}
