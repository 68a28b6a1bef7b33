extension WebhookDefinition {
    /// Twilio status callbacks (Programmable Messaging and Voice), sent form-encoded.
    public static let twilio = WebhookDefinition(
        name: try! DefinitionName("twilio"), title: "Twilio",
        signature: .twilio,
        bodyEncoding: .formURLEncoded,
        // Twilio's idempotency token is the same on every retry of one callback. Without it, a message or call
        // reaches each status once, so its SID and status name the callback.
        deliveryID: .firstPresent([.header("I-Twilio-Idempotency-Token"),
                                   .digest(prefix: "twilio-", of: [.bodyField("AccountSid"), .bodyField("MessageSid"),
                                                                   .bodyField("CallSid"), .bodyField("MessageStatus"),
                                                                   .bodyField("SmsStatus"), .bodyField("CallStatus")])]),
        // Messages: MessageStatus (SmsStatus on inbound messages); calls: CallStatus.
        eventName: .firstPresent([.bodyField("MessageStatus"), .bodyField("SmsStatus"), .bodyField("CallStatus")]),
        events: ["queued", "sent", "delivered", "undelivered", "failed", "received", "read",
                 "ringing", "in-progress", "completed", "busy", "no-answer"].map(EventName.init),
        documentation: "https://www.twilio.com/docs/usage/webhooks")
}
