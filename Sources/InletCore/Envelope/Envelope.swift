/// The metadata that travels with every Kafka record in Inlet, as CloudEvents 1.0 attributes in the
/// Kafka protocol binding's *binary content mode*: the record value is the payload itself (for received topics,
/// the body exactly as received and verified) and the attributes are record headers prefixed `ce_`.
///
/// Any CloudEvents SDK can read Inlet's topics. The layout is documented in `docs/envelope.md`.
public struct Envelope: Sendable, Equatable {
    /// `ce_id`: the provider's delivery ID on received topics; a stable record ID on model topics.
    public var id: String
    /// `ce_source`: `/inlet/<definition>/<integration>`.
    public var source: String
    /// `ce_type`: `<definition>.<event>` with the provider's event spelling (`github.pull_request`),
    /// or `inlet.model.<Model>` on model topics.
    public var type: String
    /// `ce_time`: when the event happened, RFC 3339; the receive time when the provider does not say.
    public var time: String
    /// `content-type` of the record value.
    public var contentType: String
    /// `ce_subject`: on model topics, the record's upsert key joined with `/`.
    public var subject: String?
    /// Inlet extension `ce_inletdefinition`.
    public var definition: String
    /// Inlet extension `ce_inletevent`: the provider's event name as sent.
    public var event: String
    /// Inlet extension `ce_inletintegration`: which configured integration (tenant) the delivery came through.
    public var integration: String
    /// Inlet extension `ce_inletvariant`: a definition-specific qualifier (for GitHub the hook target type).
    public var variant: String?
    /// Inlet extension `ce_inletreceivedat`: when the receiver accepted the delivery, RFC 3339 with milliseconds.
    public var receivedAt: String
    /// W3C `traceparent`, carried unchanged through every stage.
    public var traceparent: String?
    /// Inlet extension `ce_inletreplayid`: set on records re-produced by `inlet replay`.
    public var replayID: String?

    public init(
        id: String, source: String, type: String, time: String, contentType: String = "application/json",
        subject: String? = nil, definition: String, event: String, integration: String, variant: String? = nil,
        receivedAt: String, traceparent: String? = nil, replayID: String? = nil
    ) {
        self.id = id
        self.source = source
        self.type = type
        self.time = time
        self.contentType = contentType
        self.subject = subject
        self.definition = definition
        self.event = event
        self.integration = integration
        self.variant = variant
        self.receivedAt = receivedAt
        self.traceparent = traceparent
        self.replayID = replayID
    }

    /// The envelope of a delivery the receiver accepted.
    public static func received(
        deliveryID: String, definition: DefinitionName, event: String, integration: String, variant: String?,
        receivedAt: String, eventTime: String? = nil, traceparent: String? = nil
    ) -> Envelope {
        Envelope(
            id: deliveryID, source: "/inlet/\(definition.rawValue)/\(integration)",
            type: "\(definition.rawValue).\(event)", time: eventTime ?? receivedAt,
            definition: definition.rawValue, event: event, integration: integration, variant: variant,
            receivedAt: receivedAt, traceparent: traceparent)
    }

    /// Header names, in one place. `ce_` attributes follow the CloudEvents Kafka binding.
    public enum Header {
        public static let specVersion = "ce_specversion"
        public static let id = "ce_id"
        public static let source = "ce_source"
        public static let type = "ce_type"
        public static let time = "ce_time"
        public static let subject = "ce_subject"
        public static let contentType = "content-type"
        public static let definition = "ce_inletdefinition"
        public static let event = "ce_inletevent"
        public static let integration = "ce_inletintegration"
        public static let variant = "ce_inletvariant"
        public static let receivedAt = "ce_inletreceivedat"
        public static let replayID = "ce_inletreplayid"
        public static let traceparent = "traceparent"
    }

    public static let specVersion = "1.0"

    /// The record headers for this envelope, in a fixed order.
    public var headers: [(key: String, value: String)] {
        var headers: [(key: String, value: String)] = [
            (Header.specVersion, Envelope.specVersion), (Header.id, id), (Header.source, source), (Header.type, type),
            (Header.time, time), (Header.contentType, contentType), (Header.definition, definition),
            (Header.event, event), (Header.integration, integration), (Header.receivedAt, receivedAt),
        ]
        if let subject { headers.append((Header.subject, subject)) }
        if let variant { headers.append((Header.variant, variant)) }
        if let traceparent { headers.append((Header.traceparent, traceparent)) }
        if let replayID { headers.append((Header.replayID, replayID)) }
        return headers
    }

    /// Reads an envelope back from record headers; headers it does not know are ignored, and of a repeated header
    /// the first one counts.
    /// - Throws: ``InletCoreError`` `.invalidEnvelope` naming the first missing required header.
    public init(headers: some Sequence<(key: String, value: String)>) throws(InletCoreError) {
        // One pass, each known header into its own slot (a dictionary of every header cost more than the rest of
        // reading the record).
        var found = FoundHeaders()
        for (key, value) in headers { found.keepFirst(key, value) }
        func required(_ value: String?, _ name: String) throws(InletCoreError) -> String {
            guard let value else {
                throw InletCoreError(.invalidEnvelope, "record has no '\(name)' header; it was not written by Inlet's envelope")
            }
            return value
        }
        guard try required(found.specVersion, Header.specVersion) == Envelope.specVersion else {
            throw InletCoreError(.invalidEnvelope, "unsupported CloudEvents spec version '\(found.specVersion ?? "")' (expected 1.0)")
        }
        self.init(
            id: try required(found.id, Header.id), source: try required(found.source, Header.source),
            type: try required(found.type, Header.type), time: try required(found.time, Header.time),
            contentType: found.contentType ?? "application/json", subject: found.subject,
            definition: try required(found.definition, Header.definition), event: try required(found.event, Header.event),
            integration: try required(found.integration, Header.integration), variant: found.variant,
            receivedAt: try required(found.receivedAt, Header.receivedAt), traceparent: found.traceparent,
            replayID: found.replayID)
    }
}

/// The envelope headers found on a record, the first of each name.
private struct FoundHeaders {
    /// Slots in the order ``Envelope/headers`` writes them, so that a record written by Inlet matches each header
    /// name on the first comparison.
    static let names = [
        Envelope.Header.specVersion, Envelope.Header.id, Envelope.Header.source, Envelope.Header.type,
        Envelope.Header.time, Envelope.Header.contentType, Envelope.Header.definition, Envelope.Header.event,
        Envelope.Header.integration, Envelope.Header.receivedAt, Envelope.Header.subject, Envelope.Header.variant,
        Envelope.Header.traceparent, Envelope.Header.replayID,
    ]
    var values = [String?](repeating: nil, count: FoundHeaders.names.count)
    var next = 0

    mutating func keepFirst(_ key: String, _ value: String) {
        var slot = next < FoundHeaders.names.count && FoundHeaders.names[next] == key ? next : nil
        if slot == nil { slot = FoundHeaders.names.firstIndex(of: key) }
        guard let slot else { return }
        next = slot + 1
        if values[slot] == nil { values[slot] = value }
    }

    var specVersion: String? { values[0] }
    var id: String? { values[1] }
    var source: String? { values[2] }
    var type: String? { values[3] }
    var time: String? { values[4] }
    var contentType: String? { values[5] }
    var definition: String? { values[6] }
    var event: String? { values[7] }
    var integration: String? { values[8] }
    var receivedAt: String? { values[9] }
    var subject: String? { values[10] }
    var variant: String? { values[11] }
    var traceparent: String? { values[12] }
    var replayID: String? { values[13] }
}
