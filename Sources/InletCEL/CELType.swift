/// A CEL type: used for declarations given to the checker and, without parameters, as a runtime `type` value.
///
/// As runtime values (`type(x)`), types compare by ``runtimeName`` only: `type([1]) == list`.
public indirect enum CELType: Sendable, Hashable, CustomStringConvertible {
    case null
    case bool
    case int
    case uint
    case double
    case string
    case bytes
    /// Any type; checks are deferred to run time.
    case dyn
    case list(CELType)
    case map(CELType, CELType)
    /// The type of a type value; `type(int)` is `.type(.int)`, the plain `type` value is `.type(nil)`.
    case type(CELType?)
    case timestamp
    case duration
    case optional(CELType)
    /// A named type with parameters provided by a library (e.g. `net.IP`) or a message name the engine treats as `dyn`.
    case opaque(String, [CELType])
    /// A type parameter in a function declaration (`A`, `K`, `V`).
    case typeParameter(String)
    /// The checker's error type.
    case error

    /// The name of the runtime type value, as `type(x)` reports it and as the language spells it.
    public var runtimeName: String {
        switch self {
        case .null: "null_type"
        case .bool: "bool"
        case .int: "int"
        case .uint: "uint"
        case .double: "double"
        case .string: "string"
        case .bytes: "bytes"
        case .dyn: "dyn"
        case .list: "list"
        case .map: "map"
        case .type: "type"
        case .timestamp: "google.protobuf.Timestamp"
        case .duration: "google.protobuf.Duration"
        case .optional: "optional_type"
        case .opaque(let name, _): name
        case .typeParameter(let name): name
        case .error: "*error*"
        }
    }

    /// The type spelled the way the conformance suite writes deduced types (`list(int)`, `map(string, dyn)`).
    public var description: String {
        switch self {
        case .list(let element): "list(\(element))"
        case .map(let key, let value): "map(\(key), \(value))"
        case .type(let inner): inner.map { "type(\($0))" } ?? "type"
        case .optional(let inner): "optional_type(\(inner))"
        case .opaque(let name, let params) where !params.isEmpty:
            "\(name)(\(params.map(\.description).joined(separator: ", ")))"
        default: runtimeName
        }
    }

    /// Parses a type string as written in conformance `type_env` entries (`list(int)`, `map(string, dyn)`,
    /// `google.protobuf.Timestamp`, `optional_type(int)`, `A`). Unknown message names become ``opaque(_:_:)``.
    public init?(parsing text: String) {
        var parser = TypeStringParser(text: Array(text.unicodeScalars))
        guard let type = parser.parseType(), parser.isAtEnd() else { return nil }
        self = type
    }
}

/// A small recursive-descent reader for type strings; the inputs are short, trusted declaration texts.
private struct TypeStringParser {
    let text: [Unicode.Scalar]
    var index = 0

    mutating func isAtEnd() -> Bool { skip(); return index == text.count }

    mutating func skip() { while index < text.count, text[index] == " " { index += 1 } }

    mutating func name() -> String? {
        skip()
        var result = ""
        while index < text.count {
            let c = text[index]
            if c.properties.isAlphabetic || c == "_" || c == "." || c == "*" || ("0"..."9").contains(c) {
                result.unicodeScalars.append(c)
                index += 1
            } else { break }
        }
        return result.isEmpty ? nil : result
    }

    mutating func parseType() -> CELType? {
        guard let name = name() else { return nil }
        var params: [CELType] = []
        skip()
        if index < text.count, text[index] == "(" {
            index += 1
            while true {
                guard let param = parseType() else { return nil }
                params.append(param)
                skip()
                guard index < text.count else { return nil }
                if text[index] == "," { index += 1; continue }
                if text[index] == ")" { index += 1; break }
                return nil
            }
        }
        switch (name, params.count) {
        case ("null_type", 0): return .null
        case ("bool", 0): return .bool
        case ("int", 0): return .int
        case ("uint", 0): return .uint
        case ("double", 0): return .double
        case ("string", 0): return .string
        case ("bytes", 0): return .bytes
        case ("dyn", 0), ("google.protobuf.Value", 0), ("google.protobuf.Any", 0): return .dyn
        case ("list", 1): return .list(params[0])
        case ("list", 0): return .list(.dyn)
        case ("map", 2): return .map(params[0], params[1])
        case ("map", 0): return .map(.dyn, .dyn)
        case ("type", 0): return .type(nil)
        case ("type", 1): return .type(params[0])
        case ("google.protobuf.Timestamp", 0): return .timestamp
        case ("google.protobuf.Duration", 0): return .duration
        case ("google.protobuf.Struct", 0): return .map(.string, .dyn)
        case ("google.protobuf.ListValue", 0): return .list(.dyn)
        case ("optional_type", 1): return .optional(params[0])
        case ("*error*", 0): return .error
        case ("wrapper", 1): return params[0]
        default:
            if params.isEmpty, name.count == 1, name.first!.isUppercase { return .typeParameter(name) }
            return .opaque(name, params)
        }
    }
}
