extension ModelDeclaration {
    /// A message in a conversation: a chat message or a reply in a support conversation.
    ///
    /// Providers: Slack Events API `message` events (plain, `message_changed` → the edited message,
    /// `message_deleted` → `_deleted`), Intercom `conversation.user.replied`, `conversation.admin.replied`,
    /// `conversation.admin.noted` (one record per part in `data.item.conversation_parts.conversation_parts[]`).
    ///
    /// Key: `conversation_id` and `id`, because Slack message ids (`ts`) are unique only within a channel.
    ///
    /// Version: `updated_at`. Slack: `message.edited.ts` for an edit, `event.event_ts` for a deletion, the message
    /// `ts` otherwise — each later than the one before. Intercom: the part's `updated_at`.
    public static let message = ModelDeclaration(
        name: try! ModelName("Message"),
        fields: [
            ModelField("conversation_id", .string, required: true, summary: """
                Where the message was posted: Slack `event.channel` (`C…`, `D…`), Intercom `data.item.id` (the \
                conversation).
                """),
            ModelField("id", .string, required: true, summary: """
                The message's id within its conversation: Slack `ts` (`1700000000.000200`; for `message_changed` \
                `message.ts`, for `message_deleted` `deleted_ts`), Intercom part `id`.
                """),
            ModelField("thread_id", .string, summary: """
                The `id` of the thread's first message, for replies: Slack `thread_ts` when it differs from `ts`; \
                null in Intercom (the conversation is the thread).
                """),
            ModelField("workspace_id", .string, summary: "The workspace: Slack `team_id`, Intercom `app_id`."),
            ModelField("author_id", .string, summary: """
                Who wrote it: Slack `user` (`U…`) or `bot_id`, Intercom part `author.id`.
                """),
            ModelField("author_type", .string, summary: """
                `user` (a person in the workspace or a customer), `bot`, or `admin` (Intercom teammate): Slack \
                `bot` when `bot_id` is set; Intercom `author.type` (`user`, `lead` → `user`; `bot`; `admin`).
                """),
            ModelField("author_name", .string, summary: "The author's display name when the event carries it (Intercom `author.name`, Slack `username` for bots)."),
            ModelField("text", .string, summary: """
                The content as sent, in `text_format`: Slack `text`, Intercom part `body`.
                """),
            ModelField("text_format", .string, summary: "`slack_mrkdwn` (Slack) or `html` (Intercom)."),
            ModelField("kind", .string, summary: """
                What kind of message: Slack `subtype` or `message` when absent (`bot_message`, `file_share`, …); \
                Intercom `part_type` (`comment`, `note`).
                """),
            ModelField("attachments", .json, summary: """
                Files and rich content as sent: Slack `files` and `blocks`, Intercom part `attachments`, as an \
                object `{"files": […], "blocks": […]}`.
                """),
            ModelField("url", .string, summary: "A link to the message when it can be built (Intercom conversation URL)."),
            ModelField("sent_at", .timestamp, required: true, summary: """
                When it was posted: Slack `ts` read as Unix seconds, Intercom part `created_at` (Unix seconds).
                """),
            ModelField("edited_at", .timestamp, summary: "When it was last edited: Slack `message.edited.ts`; null if never edited."),
            ModelField("updated_at", .timestamp, required: true, summary: """
                The version: Slack `message.edited.ts`, `event_ts` of a deletion, else `ts`; Intercom part \
                `updated_at`.
                """),
            ModelField("extra", .json, summary: """
                Provider-specific values with no field of their own (Slack `reactions`, Intercom `redacted`), as a \
                JSON object. Keep it small: it is stored and delivered with every version.
                """),
        ],
        upsertKey: ["conversation_id", "id"],
        versionField: "updated_at",
        lookupKeys: ["thread_id", "author_id"],
        summary: """
            A message in a conversation. Fed by Slack `message` events (edits update, deletions soft-delete) and \
            Intercom conversation replies and notes. Key: conversation_id, id. Version: `updated_at` (Slack edit or \
            deletion time, else the message time; Intercom part `updated_at`).
            """)
}
