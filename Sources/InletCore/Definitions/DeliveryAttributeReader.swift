/// What the receiver reads from a verified delivery to route, key and stamp it.
public struct DeliveryAttributes: Sendable, Hashable {
    /// Stable across the provider's retries; with the definition, the deduplication key.
    public var deliveryID: String
    /// The provider's event name (`pull_request`, `orders/create`); decides the topic.
    public var event: String
    public var variant: String?
    /// RFC 3339 UTC, when the definition reads one and the provider sent a parseable time.
    public var eventTime: String?

    public init(deliveryID: String, event: String, variant: String? = nil, eventTime: String? = nil) {
        self.deliveryID = deliveryID
        self.event = event
        self.variant = variant
        self.eventTime = eventTime
    }
}

/// Reads a single-delivery definition's delivery ID, event name, variant and event time from a request.
///
/// Build one per definition at start-up (paths are compiled then) and share it: it is immutable. Headers come
/// through a lookup function so this module needs no HTTP types. The body is read only when a source needs it, and
/// once for all sources together: JSON bodies with a validating scan that stops as soon as every wanted member was
/// found (downstream stages parse the body fully), form bodies with ``FormFields``. Batched definitions are read
/// with ``BatchSplitter`` instead.
///
/// ```swift
/// let reader = DeliveryAttributeReader(definition: .stripe)
/// let attributes = try reader.read(body: body) { name in request.headers[name] }
/// ```
public struct DeliveryAttributeReader: Sendable {
    /// Longest delivery ID, event name, variant or event time accepted, in UTF-8 bytes (they become Kafka keys,
    /// headers and topic segments).
    public static let maximumValueLength = 256
    /// Deeper nesting is refused; real payloads stay far below it.
    public static let maximumDepth = 128

    private let sources: AttributeSources
    private let encoding: BodyEncoding
    private let tree: JSONPathTree
    private let paths: [[String]]

    /// - Precondition: `definition.batch == nil` (use ``BatchSplitter``) and `definition.problems` is empty
    ///   (``DefinitionRegistry`` guarantees both for registered single-delivery definitions).
    public init(definition: WebhookDefinition) {
        precondition(definition.batch == nil, "definition '\(definition.name)' is batched: read it with BatchSplitter")
        let sources = [definition.deliveryID, definition.eventName, definition.variant, definition.eventTime].compactMap { $0 }
        var paths: [[String]] = []
        for source in sources { source.collectBodyPaths(into: &paths) }
        self.paths = paths
        self.tree = JSONPathTree(paths: paths)
        self.encoding = definition.bodyEncoding
        self.sources = AttributeSources(deliveryID: definition.deliveryID, eventName: definition.eventName,
                                        variant: definition.variant, eventTime: definition.eventTime, paths: paths)
    }

    /// Whether reading needs the body at all (GitHub's metadata is all in headers).
    public var readsBody: Bool { !paths.isEmpty }

    /// - Parameter header: the request's first value of a header name (any case), or nil.
    /// - Throws: ``DeliveryReadError`` naming what is missing or malformed.
    public func read(body: [UInt8], header: (String) -> String?) throws(DeliveryReadError) -> DeliveryAttributes {
        try sources.attributes(header: header, body: try bodyValues(body))
    }

    private func bodyValues(_ body: [UInt8]) throws(DeliveryReadError) -> [JSONScalar?] {
        guard !paths.isEmpty else { return [] }
        switch encoding {
        case .formURLEncoded:
            let fields = try FormFields.parse(body)
            return paths.map { path in
                guard path.count == 1, let field = fields.first(where: { $0.name == path[0] }) else { return nil }
                return .string(field.value)
            }
        case .json:
            return try JSONMembers.scalars(tree: tree, in: body, maximumDepth: Self.maximumDepth, stopWhenFound: true)
        }
    }
}

/// Reads wanted members of a JSON object body in one pass.
public enum JSONMembers {
    /// The strings and numbers at `paths` in a body that must be a JSON object (nil where a path is absent or holds
    /// another kind of value). With `stopWhenFound` the scan ends once every path was found and the rest of the
    /// body is not validated; otherwise the whole body must be valid JSON.
    /// - Throws: ``DeliveryReadError`` `.malformedBody` or `.bodyTooDeep`.
    public static func scalars(at paths: [[String]], in body: [UInt8], maximumDepth: Int = DeliveryAttributeReader.maximumDepth,
                               stopWhenFound: Bool = true) throws(DeliveryReadError) -> [JSONScalar?] {
        try scalars(tree: JSONPathTree(paths: paths), in: body, maximumDepth: maximumDepth, stopWhenFound: stopWhenFound)
    }

    static func scalars(tree: JSONPathTree, in body: [UInt8], maximumDepth: Int, stopWhenFound: Bool) throws(DeliveryReadError) -> [JSONScalar?] {
        let result: Result<[JSONScalar?], JSONScanner.Failure> = body.withUnsafeBufferPointer { buffer in
            var scanner = JSONScanner(bytes: buffer, maximumDepth: maximumDepth)
            var tokens = [JSONScanner.ScalarToken?](repeating: nil, count: tree.pathCount)
            var remaining = tree.pathCount
            do throws(JSONScanner.Failure) {
                scanner.skipWhitespace()
                guard try scanner.peek() == UInt8(ascii: "{") else { throw scanner.failure("the body must be a JSON object") }
                if try !scanner.walkObject(tree, node: 0, depth: 0, values: &tokens, remaining: &remaining, stopWhenFound: stopWhenFound) {
                    try scanner.expectEnd()
                }
            } catch {
                return .failure(error)
            }
            return .success(tokens.map { $0.map(scanner.scalar) })
        }
        switch result {
        case .success(let values): return values
        case .failure(let failure): throw DeliveryReadError(failure)
        }
    }
}

/// The four metadata sources of a definition or batch layout, compiled against one list of body paths, and the
/// checks every value passes before it becomes a key, header or topic segment.
struct AttributeSources: Sendable {
    private let deliveryID: CompiledValueSource
    private let eventName: CompiledValueSource
    private let variant: CompiledValueSource?
    private let eventTime: CompiledValueSource?
    private let deliveryIDOrigin: String
    private let eventNameOrigin: String

    init(deliveryID: ValueSource, eventName: ValueSource, variant: ValueSource?, eventTime: ValueSource?, paths: [[String]]) {
        self.deliveryID = CompiledValueSource(deliveryID, paths: paths)
        self.eventName = CompiledValueSource(eventName, paths: paths)
        self.variant = variant.map { CompiledValueSource($0, paths: paths) }
        self.eventTime = eventTime.map { CompiledValueSource($0, paths: paths) }
        deliveryIDOrigin = deliveryID.description
        eventNameOrigin = eventName.description
    }

    func attributes(header: (String) -> String?, body: [JSONScalar?], itemIndex: Int? = nil) throws(DeliveryReadError) -> DeliveryAttributes {
        let whose = itemIndex.map { "item \($0): " } ?? ""
        guard let deliveryID = deliveryID.value(header: header, body: body) else {
            throw DeliveryReadError(.missingDeliveryID, "\(whose)the delivery ID (\(deliveryIDOrigin)) is missing or empty", itemIndex: itemIndex)
        }
        guard let event = eventName.value(header: header, body: body) else {
            throw DeliveryReadError(.missingEvent, "\(whose)the event name (\(eventNameOrigin)) is missing or empty", itemIndex: itemIndex)
        }
        let variant = variant?.value(header: header, body: body)
        let eventTime = eventTime?.value(header: header, body: body)
        for (what, text) in [("delivery ID", deliveryID), ("event name", event), ("variant", variant ?? ""), ("event time", eventTime ?? "")]
        where !Self.isAcceptable(text) {
            throw DeliveryReadError(.invalidMetadata, "\(whose)the \(what) must be at most \(DeliveryAttributeReader.maximumValueLength) bytes without control characters", itemIndex: itemIndex)
        }
        return DeliveryAttributes(deliveryID: deliveryID, event: event, variant: variant, eventTime: eventTime)
    }

    private static func isAcceptable(_ text: String) -> Bool {
        text.utf8.count <= DeliveryAttributeReader.maximumValueLength && !text.utf8.contains { $0 < 0x20 || $0 == 0x7F }
    }
}
