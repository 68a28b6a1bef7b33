/// Response header fields in the order received, with case-insensitive lookup.
public struct HTTPHeaders: Sendable, Hashable, Sequence, CustomStringConvertible {
    public struct Field: Sendable, Hashable {
        public var name: String
        public var value: String
    }

    public private(set) var fields: [Field]

    public init(_ fields: [(name: String, value: String)] = []) {
        self.fields = fields.map { Field(name: $0.name, value: $0.value) }
    }

    mutating func append(name: String, value: String) { fields.append(Field(name: name, value: value)) }
    mutating func removeAll() { fields.removeAll(keepingCapacity: true) }

    /// The first value of the field `name` (case-insensitive), e.g. `headers["retry-after"]`.
    public subscript(name: String) -> String? {
        fields.first { Self.namesMatch($0.name, name) }?.value
    }

    /// Every value of the field `name` (case-insensitive), in order.
    public func values(for name: String) -> [String] {
        fields.filter { Self.namesMatch($0.name, name) }.map(\.value)
    }

    public var count: Int { fields.count }
    public func makeIterator() -> IndexingIterator<[Field]> { fields.makeIterator() }

    /// Names only: values may carry secrets (cookies, tokens).
    public var description: String { "HTTPHeaders(\(fields.map(\.name)))" }

    /// ASCII case-insensitive comparison, as HTTP field names require.
    static func namesMatch(_ a: String, _ b: String) -> Bool {
        a.utf8.count == b.utf8.count && zip(a.utf8, b.utf8).allSatisfy { lowercased($0) == lowercased($1) }
    }

    private static func lowercased(_ c: UInt8) -> UInt8 {
        (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) ? c | 0x20 : c
    }
}

/// A complete HTTP response. Any status is a response, not an error: the caller decides what 4xx/5xx mean.
public struct HTTPResponse: Sendable {
    /// The final status code (interim 1xx responses are skipped).
    public var status: Int
    public var headers: HTTPHeaders
    /// The body, at most the client's `maximumResponseBodySize` bytes.
    public var body: [UInt8]

    public init(status: Int, headers: HTTPHeaders, body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}
