import Foundation

/// A statement parameter, sent to the server in text format.
///
/// Strings, JSON and array elements must not contain NUL (PostgreSQL text cannot hold it); such a parameter is
/// rejected with `.invalidParameter` before anything is sent. Use `.bytes` for binary data.
public enum PostgresValue: Sendable, Hashable {
    case null
    case text(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    /// Sent as `bytea` hex (`\x…`).
    case bytes([UInt8])
    /// JSON text; the target column decides between `json` and `jsonb`.
    case json(String)
    /// Sent as `timestamptz` with microsecond precision, UTC.
    case timestamp(Date)
    /// A `text[]` literal, elements quoted and escaped; `nil` elements are SQL NULL.
    case textArray([String?])
    /// An `int8[]` literal; `nil` elements are SQL NULL.
    case int64Array([Int64?])
}

extension PostgresValue {
    public init(_ value: String?) { self = value.map { .text($0) } ?? .null }
    public init(_ value: Int64?) { self = value.map { .int($0) } ?? .null }
    public init(_ value: Int?) { self = value.map { .int(Int64($0)) } ?? .null }
    public init(_ value: Double?) { self = value.map { .double($0) } ?? .null }
    public init(_ value: Bool?) { self = value.map { .bool($0) } ?? .null }
    public init(_ value: Date?) { self = value.map { .timestamp($0) } ?? .null }
}

extension PostgresValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(nilLiteral: ()) { self = .null }
}

/// Type OIDs from `pg_type.h` that parameters are declared with (0 lets the server infer the type).
enum PostgresTypeOID {
    static let unspecified: UInt32 = 0
    static let bool: UInt32 = 16
    static let bytea: UInt32 = 17
    static let int8: UInt32 = 20
    static let float8: UInt32 = 701
    static let textArray: UInt32 = 1009
    static let int8Array: UInt32 = 1016
    static let timestamptz: UInt32 = 1184
}

extension PostgresValue {
    /// The declared type: concrete where the text form alone is ambiguous, unspecified for text and JSON so that
    /// the server takes the type from the context (a `jsonb` column, a `varchar` comparison, …).
    var typeOID: UInt32 {
        switch self {
        case .null, .text, .json: PostgresTypeOID.unspecified
        case .int: PostgresTypeOID.int8
        case .double: PostgresTypeOID.float8
        case .bool: PostgresTypeOID.bool
        case .bytes: PostgresTypeOID.bytea
        case .timestamp: PostgresTypeOID.timestamptz
        case .textArray: PostgresTypeOID.textArray
        case .int64Array: PostgresTypeOID.int8Array
        }
    }

    /// The text-format encoding, `nil` for SQL NULL.
    /// - Throws: `.invalidParameter` naming only the parameter position (never its content).
    func textEncoding(position: Int) throws(PostgresError) -> String? {
        switch self {
        case .null: return nil
        case .text(let string), .json(let string):
            try Self.rejectNUL(string, position: position)
            return string
        case .int(let value): return String(value)
        case .double(let value): return Self.encode(value)
        case .bool(let value): return value ? "t" : "f"
        case .bytes(let bytes): return Self.encodeHex(bytes)
        case .timestamp(let date):
            guard let text = PostgresTimestamp.format(date) else {
                throw PostgresError(
                    code: .invalidParameter, operation: "encode parameter $\(position)",
                    reason: "timestamps before year 1 or after year 9999 are not supported")
            }
            return text
        case .textArray(let elements):
            var literal = "{"
            for (index, element) in elements.enumerated() {
                if index > 0 { literal += "," }
                guard let element else { literal += "NULL"; continue }
                try Self.rejectNUL(element, position: position)
                literal += "\""
                for character in element.unicodeScalars {
                    if character == "\"" || character == "\\" { literal += "\\" }
                    literal.unicodeScalars.append(character)
                }
                literal += "\""
            }
            return literal + "}"
        case .int64Array(let elements):
            return "{" + elements.map { $0.map(String.init) ?? "NULL" }.joined(separator: ",") + "}"
        }
    }

    private static func rejectNUL(_ string: String, position: Int) throws(PostgresError) {
        if string.utf8.contains(0) {
            throw PostgresError(
                code: .invalidParameter, operation: "encode parameter $\(position)",
                reason: "text contains a NUL character, which PostgreSQL text cannot store; send it as bytes or strip it")
        }
    }

    static func encode(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Infinity" : "Infinity" }
        return value.description  // shortest text that round-trips; float8in accepts it
    }

    static func encodeHex(_ bytes: [UInt8]) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(2 + bytes.count * 2)
        out.append(UInt8(ascii: "\\"))
        out.append(UInt8(ascii: "x"))
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
