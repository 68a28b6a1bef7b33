extension ModelDeclaration {
    /// Something that happened to one sent e-mail for one recipient: accepted, delivered, bounced, opened, clicked, …
    ///
    /// Providers: SendGrid Event Webhook (a JSON array of events per delivery: one record each), Mailgun webhooks
    /// (`event-data`, one event per delivery).
    ///
    /// Events never change once they happened, so the record is written once; the version, `occurred_at`, only makes a
    /// provider's retry of the same event a no-op.
    public static let emailEvent = ModelDeclaration(
        name: try! ModelName("EmailEvent"),
        fields: [
            ModelField("id", .string, required: true, summary: """
                The provider's unique id of the event: SendGrid `sg_event_id`, Mailgun `event-data.id`.
                """),
            ModelField("event", .string, required: true, summary: """
                Normalised: `accepted` (SendGrid `processed`, Mailgun `accepted`), `delivered`, `deferred` \
                (SendGrid `deferred`, Mailgun `failed` with severity `temporary`), `bounced` (SendGrid `bounce`, \
                Mailgun `failed` with severity `permanent`), `dropped` (SendGrid `dropped`, Mailgun `rejected`), `opened` (`open`, \
                `opened`), `clicked` (`click`, `clicked`), `complained` (`spamreport`, `complained`), \
                `unsubscribed` (`unsubscribe`, `group_unsubscribe`, `unsubscribed`), `resubscribed` \
                (`group_resubscribe`).
                """),
            ModelField("provider_event", .string, summary: "The provider's own event name, unnormalised (`bounce`, `failed`)."),
            ModelField("recipient", .string, required: true, summary: "The recipient's address: SendGrid `email`, Mailgun `recipient`."),
            ModelField("message_id", .string, summary: """
                The sent message's id, shared by all its events: SendGrid `sg_message_id`, Mailgun \
                `message.headers.message-id`.
                """),
            ModelField("sender", .string, summary: "The sender's address when the event carries it (Mailgun `envelope.sender`)."),
            ModelField("subject", .string, summary: "The subject when the event carries it (Mailgun `message.headers.subject`)."),
            ModelField("occurred_at", .timestamp, required: true, summary: """
                The version: when the event happened, SendGrid `timestamp` (Unix seconds), Mailgun `timestamp` \
                (Unix seconds with a fraction).
                """),
            ModelField("reason", .string, summary: """
                Why a message bounced, was dropped or deferred: SendGrid `reason` (or `response` for deferrals), \
                Mailgun `delivery-status.description` or `reason`.
                """),
            ModelField("smtp_status", .string, summary: """
                The SMTP status the receiving server answered: SendGrid `status` (`5.1.1`), Mailgun \
                `delivery-status.code` as text (`550`).
                """),
            ModelField("failure_severity", .string, summary: """
                `permanent` or `temporary` for failures (Mailgun `severity`; SendGrid: `bounce` → `permanent`, \
                `deferred` → `temporary`).
                """),
            ModelField("url", .string, summary: "The link clicked, for `clicked` events (SendGrid and Mailgun `url`)."),
            ModelField("ip", .string, summary: "The IP address of the opening or clicking client (SendGrid `ip`, Mailgun `ip`)."),
            ModelField("user_agent", .string, summary: """
                The opening or clicking client's user agent (SendGrid `useragent`, Mailgun `client-info.user-agent`).
                """),
            ModelField("tags", .stringList, summary: """
                Categories and tags the sender attached: SendGrid `category` (a string or an array), Mailgun `tags`.
                """),
            ModelField("extra", .json, summary: """
                Provider-specific values with no field of their own (SendGrid custom arguments, Mailgun \
                `user-variables`), as a JSON object. Keep it small.
                """),
        ],
        upsertKey: ["id"],
        versionField: "occurred_at",
        lookupKeys: ["recipient", "message_id"],
        summary: """
            One event of one sent e-mail for one recipient. Fed by the SendGrid Event Webhook and Mailgun webhooks; \
            `event` is normalised across them. Events never change: the version, `occurred_at`, only makes a retry \
            a no-op.
            """)
}
