extension WebhookDefinition {
    /// Zoom event subscriptions (webhooks). `endpoint.url_validation` is answered by the receiver.
    public static let zoom = WebhookDefinition(
        name: try! DefinitionName("zoom"), title: "Zoom",
        signature: .zoom,
        // Zoom sends no delivery ID. The derived one combines the event, its time (`event_ts`, ms, unchanged by
        // retries) and the objects it concerns, so retries share it and distinct events (even two participants
        // joining one meeting in the same millisecond) do not.
        deliveryID: .digest(prefix: "zoom-", of: [.bodyField("event"), .bodyField("event_ts"),
                                                  .bodyPath(["payload", "account_id"]),
                                                  .bodyPath(["payload", "object", "uuid"]),
                                                  .bodyPath(["payload", "object", "id"]),
                                                  .bodyPath(["payload", "object", "participant", "participant_uuid"]),
                                                  .bodyPath(["payload", "object", "participant", "user_id"])]),
        eventName: .bodyField("event"),
        eventTime: .time(.bodyField("event_ts"), .unixMilliseconds),
        handshakes: [.zoomURLValidation],
        events: ["meeting.created", "meeting.updated", "meeting.deleted", "meeting.started", "meeting.ended",
                 "meeting.participant_joined", "meeting.participant_left", "recording.completed"].map(EventName.init),
        documentation: "https://developers.zoom.us/docs/api/webhooks/")
}
