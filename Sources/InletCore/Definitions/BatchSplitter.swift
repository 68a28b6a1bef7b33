/// One delivery cut out of a batched request.
public struct BatchItem: Sendable, Hashable {
    /// Zero-based position in the batch.
    public let index: Int
    /// The item's exact bytes in the request body (from its `{` to its `}`), sharing the body's storage: what the
    /// receiver writes as the record value. Its signature is the request's, verified before splitting.
    public let bytes: ArraySlice<UInt8>
    public let attributes: DeliveryAttributes
}

/// Cuts a batched request (``BatchLayout``) into its items: each item's exact JSON bytes, delivery ID, event name,
/// variant and event time.
///
/// One pass over the body, without Foundation and without building a tree: the scanner walks to the items array,
/// records where each item starts and ends, and picks up each item's wanted members on the way. The whole body is
/// validated (so every item handed on is well-formed JSON, and trailing garbage is refused), nesting is bounded by
/// `layout.maximumDepth` and the number of items by `layout.maximumItems`. All-or-nothing: if any item lacks its
/// delivery ID or event name the whole request is refused, naming the item, so the provider's retry (after a fix)
/// re-sends every item and none is half-ingested.
///
/// Build one per definition at start-up and share it: it is immutable.
///
/// ```swift
/// let splitter = BatchSplitter(layout: WebhookDefinition.hubspot.batch!)
/// for item in try splitter.split(body: body, header: { request.headers[$0] }) {
///     produce(topic: registry.receivedTopic(definition: .hubspot, event: item.attributes.event), value: item.bytes)
/// }
/// ```
public struct BatchSplitter: Sendable {
    public let layout: BatchLayout
    private let itemsPath: [[UInt8]]
    private let tree: JSONPathTree
    private let sources: AttributeSources

    /// - Precondition: the layout has no ``BatchLayout`` problems (``DefinitionRegistry`` checks registered ones).
    public init(layout: BatchLayout) {
        precondition(layout.problems.isEmpty, "invalid batch layout: \(layout.problems.joined(separator: "; "))")
        self.layout = layout
        self.itemsPath = layout.itemsPath.map { Array($0.utf8) }
        var paths: [[String]] = []
        for source in [layout.deliveryID, layout.eventName, layout.variant, layout.eventTime].compactMap({ $0 }) {
            source.collectBodyPaths(into: &paths)
        }
        self.tree = JSONPathTree(paths: paths)
        self.sources = AttributeSources(deliveryID: layout.deliveryID, eventName: layout.eventName, variant: layout.variant,
                                        eventTime: layout.eventTime, paths: paths)
    }

    /// - Parameter header: the request's first value of a header name (any case), or nil; for item sources that
    ///   read headers.
    /// - Returns: the items in body order; empty when the array is empty.
    /// - Throws: ``DeliveryReadError``: `.malformedBody` (not JSON, no array at the items path, an item that is not
    ///   an object), `.bodyTooDeep`, `.tooManyItems`, or an item's `.missingDeliveryID`, `.missingEvent`,
    ///   `.invalidMetadata` with its `itemIndex`.
    public func split(body: [UInt8], header: (String) -> String?) throws(DeliveryReadError) -> [BatchItem] {
        let scanned: Result<[(range: Range<Int>, values: [JSONScalar?])], JSONScanner.Failure> = body.withUnsafeBufferPointer { buffer in
            var scanner = JSONScanner(bytes: buffer, maximumDepth: layout.maximumDepth)
            var items: [(range: Range<Int>, values: [JSONScalar?])] = []
            do throws(JSONScanner.Failure) {
                scanner.skipWhitespace()
                var found = false
                try walk(&scanner, toItemsAt: itemsPath[...], depth: 0, found: &found, items: &items)
                guard found else {
                    throw JSONScanner.Failure(kind: .malformed, offset: 0, detail: "there is no array of items at \(itemsDescription)")
                }
                try scanner.expectEnd()
            } catch {
                return .failure(error)
            }
            return .success(items)
        }
        let items: [(range: Range<Int>, values: [JSONScalar?])]
        switch scanned {
        case .success(let found): items = found
        case .failure(let failure): throw DeliveryReadError(failure)
        }
        var result: [BatchItem] = []
        result.reserveCapacity(items.count)
        for (index, item) in items.enumerated() {
            let attributes = try sources.attributes(header: header, body: item.values, itemIndex: index)
            result.append(BatchItem(index: index, bytes: body[item.range], attributes: attributes))
        }
        return result
    }

    private var itemsDescription: String {
        layout.itemsPath.isEmpty ? "the top level" : "'\(layout.itemsPath.joined(separator: "."))'"
    }

    /// Follows `path` through nested objects to the items array and scans it; everything else is validated and
    /// skipped. The first member with a wanted name is followed; later duplicates are skipped.
    private func walk(_ scanner: inout JSONScanner, toItemsAt path: ArraySlice<[UInt8]>, depth: Int, found: inout Bool,
                      items: inout [(range: Range<Int>, values: [JSONScalar?])]) throws(JSONScanner.Failure) {
        guard let wanted = path.first else {
            guard try scanner.peek() == UInt8(ascii: "[") else {
                throw scanner.failure("the items at \(itemsDescription) must be a JSON array")
            }
            try scanItems(&scanner, depth: depth, items: &items)
            found = true
            return
        }
        guard try scanner.peek() == UInt8(ascii: "{") else {
            throw scanner.failure(depth == 0 ? "the body must be a JSON object holding the items at \(itemsDescription)"
                                             : "the items path \(itemsDescription) passes through a value that is not an object")
        }
        guard depth + 1 <= scanner.maximumDepth else {
            throw JSONScanner.Failure(kind: .tooDeep, offset: scanner.offset, detail: "the body nests deeper than \(scanner.maximumDepth) levels")
        }
        try scanner.expect(UInt8(ascii: "{"), "a JSON object")
        scanner.skipWhitespace()
        if try scanner.peek() == UInt8(ascii: "}") {
            try scanner.expect(UInt8(ascii: "}"), "'}'")
            return
        }
        while true {
            scanner.skipWhitespace()
            guard try scanner.peek() == UInt8(ascii: "\"") else { throw scanner.failure("expected a member name") }
            let name = try scanner.scanString()
            scanner.skipWhitespace()
            try scanner.expect(UInt8(ascii: ":"), "':' after a member name")
            scanner.skipWhitespace()
            if !found, scanner.key(name, equals: wanted) {
                try walk(&scanner, toItemsAt: path.dropFirst(), depth: depth + 1, found: &found, items: &items)
            } else {
                try scanner.skipValue(depth: depth + 1)
            }
            if try scanner.separatorOrEnd(close: UInt8(ascii: "}")) { return }
        }
    }

    /// Scans the items array at the current offset (`depth` containers enclose it), recording each item's range and
    /// wanted members.
    private func scanItems(_ scanner: inout JSONScanner, depth: Int,
                           items: inout [(range: Range<Int>, values: [JSONScalar?])]) throws(JSONScanner.Failure) {
        guard depth + 1 <= scanner.maximumDepth else {
            throw JSONScanner.Failure(kind: .tooDeep, offset: scanner.offset, detail: "the body nests deeper than \(scanner.maximumDepth) levels")
        }
        try scanner.expect(UInt8(ascii: "["), "'['")
        scanner.skipWhitespace()
        if try scanner.peek() == UInt8(ascii: "]") {
            try scanner.expect(UInt8(ascii: "]"), "']'")
            return
        }
        while true {
            scanner.skipWhitespace()
            guard try scanner.peek() == UInt8(ascii: "{") else {
                throw scanner.failure("item \(items.count) of the batch is not a JSON object")
            }
            guard items.count < layout.maximumItems else {
                throw JSONScanner.Failure(kind: .tooManyItems, offset: scanner.offset,
                                          detail: "the batch holds more than \(layout.maximumItems) items")
            }
            let start = scanner.offset
            var tokens = [JSONScanner.ScalarToken?](repeating: nil, count: tree.pathCount)
            var remaining = tree.pathCount
            _ = try scanner.walkObject(tree, node: 0, depth: depth + 1, values: &tokens, remaining: &remaining, stopWhenFound: false)
            items.append((start..<scanner.offset, tokens.map { $0.map(scanner.scalar) }))
            if try scanner.separatorOrEnd(close: UInt8(ascii: "]")) { return }
        }
    }
}
