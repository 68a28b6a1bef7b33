extension WebhookDefinition {
    /// Slack Events API (`event_callback` envelopes). URL verification and slash-command certificate checks are
    /// answered by the receiver.
    public static let slack = WebhookDefinition(
        name: try! DefinitionName("slack"), title: "Slack",
        signature: .slack,
        // `event_id` is the same on every retry (`X-Slack-Retry-Num` counts them). Envelopes without one
        // (`app_rate_limited`) get an ID derived from what names them.
        deliveryID: .firstPresent([.bodyField("event_id"),
                                   .digest(prefix: "slack-", of: [.bodyField("type"), .bodyField("api_app_id"),
                                                                  .bodyField("team_id"), .bodyField("minute_rate_limited")])]),
        // The inner event's type; envelopes without an inner event are named by their own type.
        eventName: .firstPresent([.bodyPath(["event", "type"]), .bodyField("type")]),
        // message subtypes: message_changed, message_deleted, bot_message, …
        variant: .bodyPath(["event", "subtype"]),
        eventTime: .time(.bodyField("event_time"), .unixSeconds),
        handshakes: [.slackURLVerification, .slackSSLCheck],
        events: ["message", "app_mention", "reaction_added", "reaction_removed", "member_joined_channel",
                 "channel_created", "team_join"].map(EventName.init),
        documentation: "https://api.slack.com/apis/events-api")
}
