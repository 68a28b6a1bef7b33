/// What Inlet knows about one webhook provider: how its deliveries are signed, how their bodies are encoded, where
/// the delivery ID, event name, variant and event time are found, whether one request carries several deliveries,
/// which set-up handshakes it sends, and which events it declares (each gets its own topics; others go to the
/// unrouted topic).
///
/// Definitions are code (`Definitions/Providers/<Provider>.swift`), registered in ``DefinitionRegistry``;
/// integrations (tenants with secrets) are configuration. `docs/providers.md` lists them all.
public struct WebhookDefinition: Sendable {
    public let name: DefinitionName
    /// Human name for logs and docs.
    public let title: String
    public let signature: SignatureScheme
    /// How the body is encoded, which decides how ``ValueSource/bodyField(_:)`` reads it. Default: JSON.
    public let bodyEncoding: BodyEncoding
    /// Where the delivery ID comes from. For a batched definition, per item (the same as `batch.deliveryID`).
    public let deliveryID: ValueSource
    /// Where the event name comes from. For a batched definition, per item.
    public let eventName: ValueSource
    /// Where the optional variant comes from (a definition-specific qualifier passed to mappings as `variant`).
    public let variant: ValueSource?
    /// Where the event time comes from, if the provider sends one; otherwise the receive time is used.
    public let eventTime: ValueSource?
    /// Set when one request carries several deliveries (HubSpot, Okta, Microsoft Graph, SendGrid): the receiver
    /// splits the body with ``BatchSplitter`` and writes one record per item.
    public let batch: BatchLayout?
    /// Set-up handshakes and challenges the provider sends to this URL; the receiver answers them and forwards
    /// nothing (`InletSignatures/Handshakes`).
    public let handshakes: [HandshakeKind]
    /// The events this definition routes to their own topics.
    public let events: [EventName]
    /// The provider's webhook documentation.
    public let documentation: String?

    /// A definition whose every request is one delivery.
    public init(name: DefinitionName, title: String, signature: SignatureScheme, bodyEncoding: BodyEncoding = .json,
                deliveryID: ValueSource, eventName: ValueSource, variant: ValueSource? = nil, eventTime: ValueSource? = nil,
                handshakes: [HandshakeKind] = [], events: [EventName], documentation: String? = nil) {
        self.name = name
        self.title = title
        self.signature = signature
        self.bodyEncoding = bodyEncoding
        self.deliveryID = deliveryID
        self.eventName = eventName
        self.variant = variant
        self.eventTime = eventTime
        self.batch = nil
        self.handshakes = handshakes
        self.events = events
        self.documentation = documentation
    }

    /// A definition whose requests carry a JSON array of deliveries; delivery ID, event name, variant and event time
    /// are read per item, as `batch` says.
    public init(name: DefinitionName, title: String, signature: SignatureScheme, batch: BatchLayout,
                handshakes: [HandshakeKind] = [], events: [EventName], documentation: String? = nil) {
        self.name = name
        self.title = title
        self.signature = signature
        self.bodyEncoding = .json
        self.deliveryID = batch.deliveryID
        self.eventName = batch.eventName
        self.variant = batch.variant
        self.eventTime = batch.eventTime
        self.batch = batch
        self.handshakes = handshakes
        self.events = events
        self.documentation = documentation
    }

    /// Whether `event` has its own topics (otherwise the delivery goes to the unrouted topic).
    public func declares(_ event: String) -> Bool { events.contains { $0.rawValue == event } }

    /// This definition with other metadata sources: how a `generic-hmac` integration applies its own configuration
    /// (``GenericHMACSources/definition(from:)``). Name, scheme, events and handshakes are kept.
    /// - Precondition: a single-delivery definition (`batch == nil`).
    public func withSources(deliveryID: ValueSource, eventName: ValueSource, variant: ValueSource?,
                            eventTime: ValueSource?) -> WebhookDefinition {
        precondition(batch == nil, "definition '\(name)' is batched: its sources belong to its BatchLayout")
        return WebhookDefinition(name: name, title: title, signature: signature, bodyEncoding: bodyEncoding,
                          deliveryID: deliveryID, eventName: eventName, variant: variant, eventTime: eventTime,
                          handshakes: handshakes, events: events, documentation: documentation)
    }

    /// Problems that make the definition unusable (bad header names, empty paths, a batch layout on a form body…),
    /// each a sentence; empty when the definition is sound. ``DefinitionRegistry`` refuses to start on any.
    public var problems: [String] {
        var found: [String] = []
        let sources: [(String, ValueSource?)] = [("delivery ID", deliveryID), ("event name", eventName),
                                                  ("variant", variant), ("event time", eventTime)]
        for (what, source) in sources {
            guard let source else { continue }
            found += source.problems(bodyEncoding: bodyEncoding).map { "\(what): \($0)" }
        }
        if let batch { found += batch.problems }
        return found
    }
}

/// How a provider encodes its request bodies.
public enum BodyEncoding: String, Sendable, Hashable, CaseIterable {
    /// A JSON document (`application/json`, `application/*+json`). Almost every provider.
    case json
    /// `application/x-www-form-urlencoded` (`MessageSid=SM…&MessageStatus=delivered`): Twilio's status callbacks.
    /// Body fields are the form's fields (first occurrence wins, `+` is a space, `%XX` is decoded); there is no
    /// nesting.
    case formURLEncoded = "form-urlencoded"
}
