/// What Inlet knows about one webhook provider: how its deliveries are signed, where the delivery ID, event name and
/// variant are found, and which events it declares (each gets its own topics; others go to the unrouted topic).
///
/// Definitions are code, registered in ``DefinitionRegistry``; integrations (tenants with secrets) are configuration.
public struct WebhookDefinition: Sendable {
    public let name: DefinitionName
    /// Human name for logs and docs.
    public let title: String
    public let signature: SignatureScheme
    public let deliveryID: ValueSource
    public let eventName: ValueSource
    /// Where the optional variant comes from (a definition-specific qualifier passed to mappings as `variant`).
    public let variant: ValueSource?
    /// Where the event time comes from, if the provider sends one; otherwise the receive time is used.
    public let eventTime: ValueSource?
    /// The events this definition routes to their own topics.
    public let events: [EventName]

    public init(name: DefinitionName, title: String, signature: SignatureScheme, deliveryID: ValueSource,
                eventName: ValueSource, variant: ValueSource? = nil, eventTime: ValueSource? = nil, events: [EventName]) {
        self.name = name
        self.title = title
        self.signature = signature
        self.deliveryID = deliveryID
        self.eventName = eventName
        self.variant = variant
        self.eventTime = eventTime
        self.events = events
    }

    /// Whether `event` has its own topics (otherwise the delivery goes to the unrouted topic).
    public func declares(_ event: String) -> Bool { events.contains { $0.rawValue == event } }
}

/// How a provider signs its deliveries. The verification itself lives in the receiver (`InletReceiver`),
/// signing for tests and outbound deliveries in `WebhookSigning` there and in the deliverer.
public enum SignatureScheme: String, Sendable, CaseIterable {
    /// GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>`.
    case githubHMACSHA256 = "github-hmac-sha256"
    /// Standard Webhooks (Svix): `webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`,
    /// space-separated during rotation, `whsec_`-prefixed base64 secrets, `webhook-timestamp` within ±5 minutes.
    case standardWebhooks = "standard-webhooks"
}

/// Where a piece of delivery metadata is found.
public enum ValueSource: Sendable, Equatable {
    /// An HTTP request header (case-insensitive).
    case header(String)
    /// A top-level string field of the JSON body.
    case bodyField(String)
}
