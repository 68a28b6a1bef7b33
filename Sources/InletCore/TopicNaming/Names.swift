/// A webhook definition's name as it appears in URLs, topics and headers: `github`, `stripe`, `standard-webhooks`.
public struct DefinitionName: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public let rawValue: String

    /// - Throws: ``InletCoreError`` with code `.invalidName` unless the name is 1–64 characters of `[a-z0-9_-]`.
    public init(_ rawValue: String) throws(InletCoreError) {
        guard !rawValue.isEmpty, rawValue.utf8.count <= 64,
              rawValue.utf8.allSatisfy(NameCharacters.isTopicSafe)
        else {
            throw InletCoreError(.invalidName, "definition name '\(rawValue.prefix(80))' must be 1–64 characters of a-z, 0-9, '_' or '-'")
        }
        self.rawValue = rawValue
    }

    public init(from decoder: any Decoder) throws {
        try self.init(try decoder.singleValueContainer().decode(String.self))
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A provider's event name, kept as the provider spells it (`customer.subscription.updated`, `orders/create`),
/// with the topic-safe form derived from it.
public struct EventName: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The provider's spelling; it travels in `ce_type`.
    public let rawValue: String
    /// `[a-z0-9_-]` only: lower-cased, every other character replaced by `_`.
    /// `customer.subscription.updated` → `customer_subscription_updated`, `orders/create` → `orders_create`.
    public let topicSegment: String

    public init(_ rawValue: String) {
        self.rawValue = rawValue
        self.topicSegment = EventName.normalise(rawValue)
    }

    static func normalise(_ raw: String) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(raw.utf8.count)
        for byte in raw.utf8 {
            let lower = (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte + 32 : byte
            bytes.append(NameCharacters.isTopicSafe(lower) ? lower : UInt8(ascii: "_"))
        }
        return bytes.isEmpty ? "_" : String(decoding: bytes, as: UTF8.self)
    }

    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// An internal model's name in Swift spelling (`PullRequest`), with the `snake_case` form used in topics and tables.
public struct ModelName: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    public let rawValue: String

    /// - Throws: ``InletCoreError`` `.invalidName` unless the name is an UpperCamelCase ASCII identifier.
    public init(_ rawValue: String) throws(InletCoreError) {
        guard let first = rawValue.utf8.first, (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(first),
              rawValue.utf8.count <= 64,
              rawValue.utf8.allSatisfy({ NameCharacters.isAlphanumeric($0) })
        else {
            throw InletCoreError(.invalidName, "model name '\(rawValue.prefix(80))' must be UpperCamelCase letters and digits, at most 64")
        }
        self.rawValue = rawValue
    }

    public init(from decoder: any Decoder) throws {
        try self.init(try decoder.singleValueContainer().decode(String.self))
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// `PullRequest` → `pull_request`; also the PostgreSQL table name.
    public var topicSegment: String {
        var out = ""
        for (index, character) in rawValue.enumerated() {
            if character.isUppercase, index > 0 { out.append("_") }
            out.append(contentsOf: character.lowercased())
        }
        return out
    }

    public var description: String { rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

enum NameCharacters {
    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
    static func isTopicSafe(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }
}
