/// A JSON value whose object members keep the order they were built in, rendered as stable, readable text.
///
/// For documents people read and diff (the model JSON Schemas): members appear in a meaningful order (`$schema`
/// first, fields in declaration order), where ``JSONValue`` sorts keys.
public indirect enum OrderedJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case string(String)
    case array([OrderedJSON])
    case object([(key: String, value: OrderedJSON)])

    public static func == (lhs: OrderedJSON, rhs: OrderedJSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.int(let a), .int(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)):
            a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: false
        }
    }

    /// Strings as a JSON array.
    public static func strings(_ items: [String]) -> OrderedJSON { .array(items.map { .string($0) }) }

    /// The member named `key` of an object, or nil.
    public subscript(key: String) -> OrderedJSON? {
        guard case .object(let members) = self else { return nil }
        return members.first { $0.key == key }?.value
    }

    /// Two-space indented text ending in a newline. Arrays of scalars stay on one line (`["id", "title"]`), so
    /// short lists read as lists; objects and other arrays put one member per line.
    public func prettyText() -> String {
        var out = ""
        append(to: &out, indent: "")
        return out + "\n"
    }

    private var isScalar: Bool {
        switch self {
        case .array, .object: false
        default: true
        }
    }

    private func append(to out: inout String, indent: String) {
        switch self {
        case .null: out += "null"
        case .bool(let flag): out += flag ? "true" : "false"
        case .int(let number): out += String(number)
        case .string(let text): JSONText.appendString(text, to: &out)
        case .array(let items) where items.allSatisfy(\.isScalar):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += ", " }
                item.append(to: &out, indent: indent)
            }
            out += "]"
        case .array(let items):
            let inner = indent + "  "
            out += "[\n"
            for (index, item) in items.enumerated() {
                out += inner
                item.append(to: &out, indent: inner)
                out += index == items.count - 1 ? "\n" : ",\n"
            }
            out += indent + "]"
        case .object(let members) where members.isEmpty:
            out += "{}"
        case .object(let members):
            let inner = indent + "  "
            out += "{\n"
            for (index, member) in members.enumerated() {
                out += inner
                JSONText.appendString(member.key, to: &out)
                out += ": "
                member.value.append(to: &out, indent: inner)
                out += index == members.count - 1 ? "\n" : ",\n"
            }
            out += indent + "}"
        }
    }
}
