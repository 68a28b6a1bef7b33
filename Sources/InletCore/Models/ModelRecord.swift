/// A value of a model field, after validation against its ``ModelFieldType``.
public enum ModelValue: Sendable, Equatable {
    case null
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    /// RFC 3339 text, validated by the producer (the mapper); PostgreSQL parses it.
    case timestamp(String)
    /// A JSON document as compact text.
    case json(String)
    case stringList([String])
}

/// One record of a model, as the mapper produces it and the persister and deliverer consume it:
/// the record value on `inlet.model.<model>` topics is this record as a JSON object, fields in declaration order.
public struct ModelRecord: Sendable, Equatable {
    public let model: ModelName
    /// Values in the model's field order; absent optional fields are `.null`.
    public var values: [(name: String, value: ModelValue)]
    /// Set when the mapping marked the record deleted: the persister sets `deleted_at` instead of upserting fields.
    public var deleted: Bool

    public init(model: ModelName, values: [(name: String, value: ModelValue)], deleted: Bool = false) {
        self.model = model
        self.values = values
        self.deleted = deleted
    }

    public subscript(field: String) -> ModelValue? { values.first { $0.name == field }?.value }

    public static func == (lhs: ModelRecord, rhs: ModelRecord) -> Bool {
        lhs.model == rhs.model && lhs.deleted == rhs.deleted && lhs.values.count == rhs.values.count
            && zip(lhs.values, rhs.values).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    /// The upsert key joined with `/`: the Kafka record key on model topics (so all versions of one record stay in
    /// one partition, in order) and the CloudEvents `ce_subject`.
    public func key(for declaration: ModelDeclaration) -> String {
        declaration.upsertKey.map { name in
            switch self[name] {
            case .string(let text): text
            case .int(let number): String(number)
            case .some(let other): "\(other)"
            case nil: ""
            }
        }.joined(separator: "/")
    }

    /// The record as a compact JSON object; the deletion mark travels as `"_deleted": true`.
    public func jsonText() -> String {
        var out = "{"
        for (index, entry) in values.enumerated() {
            if index > 0 { out += "," }
            JSONText.appendString(entry.name, to: &out)
            out += ":"
            switch entry.value {
            case .null: out += "null"
            case .string(let text), .timestamp(let text): JSONText.appendString(text, to: &out)
            case .int(let number): out += String(number)
            case .double(let number): out += number.isFinite ? "\(number)" : "null"
            case .bool(let flag): out += flag ? "true" : "false"
            case .json(let text): out += text
            case .stringList(let items):
                out += "["
                for (itemIndex, item) in items.enumerated() {
                    if itemIndex > 0 { out += "," }
                    JSONText.appendString(item, to: &out)
                }
                out += "]"
            }
        }
        if deleted { out += values.isEmpty ? "\"_deleted\":true" : ",\"_deleted\":true" }
        return out + "}"
    }
}

/// Minimal JSON text helpers shared by Inlet's hand-written encoders.
public enum JSONText {
    /// Appends `text` as a JSON string literal with the escapes RFC 8259 requires.
    public static func appendString(_ text: String, to out: inout String) {
        out += "\""
        // Fast path: most values need no escaping, and appending the whole string is ~10x cheaper than per scalar.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            out += text
            out += "\""
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case let s where s.value < 0x20:
                let hex = String(s.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }

    public static func string(_ text: String) -> String {
        var out = ""
        appendString(text, to: &out)
        return out
    }
}
