/// One conformance case, decoded from a JSON Lines record (format: `../shared/cel-conformance/FORMAT.md`).
public struct CELConformanceCase: Sendable {
    /// What a case expects.
    public enum Expectation: Sendable {
        /// Evaluation succeeds with this value; `deducedType`, when given, is the checker's result type.
        case value(CELValue, deducedType: String?)
        /// Evaluation (or compilation) fails; only "is an error" is compared, never the message.
        case error
        /// Type-check only: the checker deduces this type.
        case deducedType(String)
    }

    public var id: String
    public var expression: String
    public var disableCheck: Bool
    public var checkOnly: Bool
    public var disableMacros: Bool
    public var container: String?
    /// Variable declarations from `type_env` (name, type).
    public var variables: [(String, CELType)]
    /// Function declarations from `type_env`, for the checker only.
    public var functions: [(name: String, id: String, isMember: Bool, parameters: [CELType], result: CELType)]
    public var bindings: [String: CELValue]
    public var expectation: Expectation

    /// Decodes one record. Throws ``CELConformanceCase/Unsupported`` (with the id when it is known) for content this
    /// engine cannot represent, such as protobuf messages or unknown sets; the runner counts those as failed.
    public init(jsonLine: String) throws {
        let record = try JSONNode.parse(jsonLine)
        guard case .object(let fields) = record, case .string(let id)? = fields["id"],
              case .string(let expression)? = fields["expr"]
        else { throw Unsupported(id: nil, reason: "record has no \"id\" or \"expr\"") }
        self.id = id
        self.expression = expression
        func flag(_ key: String) -> Bool {
            if case .bool(let b)? = fields[key] { return b }
            return false
        }
        func fail(_ reason: String) -> Unsupported { Unsupported(id: id, reason: reason) }
        disableCheck = flag("disable_check")
        checkOnly = flag("check_only")
        disableMacros = flag("disable_macros")
        if case .string(let c)? = fields["container"] { container = c }
        if case .string(let locale)? = fields["locale"], !locale.isEmpty { throw fail("locale \(locale) is not supported") }

        variables = []
        functions = []
        if case .array(let declarations)? = fields["type_env"] {
            for declaration in declarations {
                guard case .object(let d) = declaration, case .string(let name)? = d["name"] else {
                    throw fail("malformed type_env entry")
                }
                if case .string(let typeText)? = d["ident"] {
                    guard let type = CELType(parsing: typeText) else { throw fail("unknown type \(typeText)") }
                    variables.append((name, type))
                } else if case .array(let overloads)? = d["function"] {
                    for overload in overloads {
                        guard case .object(let o) = overload, case .string(let overloadID)? = o["id"],
                              case .array(let params)? = o["params"], case .string(let resultText)? = o["result"]
                        else { throw fail("malformed function declaration for \(name)") }
                        var parameters: [CELType] = []
                        for param in params {
                            guard case .string(let text) = param, let type = CELType(parsing: text) else {
                                throw fail("unknown parameter type in \(name)")
                            }
                            parameters.append(type)
                        }
                        guard let result = CELType(parsing: resultText) else { throw fail("unknown type \(resultText)") }
                        var isMember = false
                        if case .bool(let m)? = o["member"] { isMember = m }
                        functions.append((name, overloadID, isMember, parameters, result))
                    }
                } else {
                    throw fail("type_env entry \(name) is neither ident nor function")
                }
            }
        }

        bindings = [:]
        if case .object(let bound)? = fields["bindings"] {
            for (name, tagged) in bound {
                do {
                    bindings[name] = try CELConformanceCase.decodeValue(tagged)
                } catch let error as Unsupported {
                    throw fail("binding \(name): \(error.reason)")
                }
            }
        }

        guard case .object(let expect)? = fields["expect"] else { throw fail("record has no \"expect\"") }
        var deduced: String?
        if case .string(let t)? = expect["deduced_type"] { deduced = t }
        if let tagged = expect["value"] {
            do {
                expectation = .value(try CELConformanceCase.decodeValue(tagged), deducedType: deduced)
            } catch let error as Unsupported {
                throw fail("expected value: \(error.reason)")
            }
        } else if case .bool(true)? = expect["error"] {
            expectation = .error
        } else if let deduced {
            expectation = .deducedType(deduced)
        } else if expect["unknown"] != nil {
            throw fail("unknown-set results are not supported")
        } else {
            throw fail("unrecognised expectation")
        }
    }

    /// A record the runner cannot evaluate; it counts as a failed case with this reason.
    public struct Unsupported: Error, Sendable, CustomStringConvertible {
        public var id: String?
        public var reason: String
        public var description: String { reason }
    }

    /// Decodes a tagged value (`{"int": "-5"}`, `{"map": [[K, V], ...]}`, ...) into a CEL value.
    static func decodeValue(_ node: JSONNode) throws -> CELValue {
        guard case .object(let fields) = node else { throw Unsupported(id: nil, reason: "tagged value is not an object") }
        let tags = fields.keys.filter { $0 != "wkt" && $0 != "via_any" }
        guard tags.count == 1, let tag = tags.first, let payload = fields[tag] else {
            throw Unsupported(id: nil, reason: "tagged value has tags \(tags.sorted())")
        }
        func bad() -> Unsupported { Unsupported(id: nil, reason: "malformed \(tag) value") }
        switch (tag, payload) {
        case ("null", _): return .null
        case ("bool", .bool(let b)): return .bool(b)
        case ("int", .string(let s)):
            guard let i = Int64(s) else { throw bad() }
            return .int(i)
        case ("uint", .string(let s)):
            guard let u = UInt64(s) else { throw bad() }
            return .uint(u)
        case ("double", .string(let s)):
            switch s {
            case "NaN": return .double(.nan)
            case "Infinity": return .double(.infinity)
            case "-Infinity": return .double(-.infinity)
            default:
                guard let d = Double(s) else { throw bad() }
                return .double(d)
            }
        case ("string", .string(let s)): return .string(s)
        case ("bytes_b64", .string(let s)):
            guard let bytes = Base64.decode(s) else { throw bad() }
            return .bytes(bytes)
        case ("list", .array(let elements)):
            return .list(try elements.map(decodeValue))
        case ("map", .array(let entries)):
            var pairs: [(CELValue, CELValue)] = []
            for entry in entries {
                guard case .array(let pair) = entry, pair.count == 2 else { throw bad() }
                pairs.append((try decodeValue(pair[0]), try decodeValue(pair[1])))
            }
            do { return .map(try CELMap(pairs)) } catch { throw Unsupported(id: nil, reason: "map: \(error)") }
        case ("type", .string(let name)):
            if let type = CELType(parsing: name), type.runtimeName == name { return .type(type) }
            return .type(.opaque(name, []))
        case ("timestamp", .string(let s)):
            do { return .timestamp(try CELTimestamp(rfc3339: s)) } catch { throw bad() }
        case ("duration", .string(let s)):
            do { return .duration(try CELDuration(parsing: s)) } catch { throw bad() }
        case ("message", _), ("enum", _):
            throw Unsupported(id: nil, reason: "protobuf \(tag) values are not supported")
        case ("error", _), ("unknown", _), ("unset", _):
            throw Unsupported(id: nil, reason: "\(tag) values are not supported")
        default:
            throw bad()
        }
    }
}

/// A minimal JSON tree for reading conformance records (numbers are kept as text; the format stores them as strings).
enum JSONNode: Sendable {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONNode])
    case object([String: JSONNode])

    struct SyntaxError: Error, CustomStringConvertible {
        var offset: Int
        var description: String { "invalid JSON at byte \(offset)" }
    }

    static func parse(_ text: String) throws -> JSONNode {
        var reader = Reader(bytes: Array(text.utf8))
        let node = try reader.value()
        reader.skipSpace()
        guard reader.index == reader.bytes.count else { throw SyntaxError(offset: reader.index) }
        return node
    }

    private struct Reader {
        let bytes: [UInt8]
        var index = 0

        mutating func skipSpace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func value() throws -> JSONNode {
            skipSpace()
            guard index < bytes.count else { throw SyntaxError(offset: index) }
            switch bytes[index] {
            case UInt8(ascii: "{"):
                index += 1
                var fields: [String: JSONNode] = [:]
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(fields) }
                while true {
                    skipSpace()
                    guard case .string(let key) = try value() else { throw SyntaxError(offset: index) }
                    skipSpace()
                    try expect(UInt8(ascii: ":"))
                    fields[key] = try value()
                    skipSpace()
                    if try separatorOrEnd(UInt8(ascii: "}")) { return .object(fields) }
                }
            case UInt8(ascii: "["):
                index += 1
                var elements: [JSONNode] = []
                skipSpace()
                if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(elements) }
                while true {
                    elements.append(try value())
                    skipSpace()
                    if try separatorOrEnd(UInt8(ascii: "]")) { return .array(elements) }
                }
            case UInt8(ascii: "\""):
                return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            default:
                let start = index
                while index < bytes.count, "+-0123456789.eE".utf8.contains(bytes[index]) { index += 1 }
                guard index > start else { throw SyntaxError(offset: index) }
                return .number(String(decoding: bytes[start..<index], as: UTF8.self))
            }
        }

        mutating func expect(_ byte: UInt8) throws {
            guard index < bytes.count, bytes[index] == byte else { throw SyntaxError(offset: index) }
            index += 1
        }

        mutating func separatorOrEnd(_ end: UInt8) throws -> Bool {
            guard index < bytes.count else { throw SyntaxError(offset: index) }
            if bytes[index] == UInt8(ascii: ",") { index += 1; return false }
            if bytes[index] == end { index += 1; return true }
            throw SyntaxError(offset: index)
        }

        mutating func literal(_ word: String) throws {
            for byte in word.utf8 { try expect(byte) }
        }

        mutating func string() throws -> String {
            try expect(UInt8(ascii: "\""))
            var scalars = String.UnicodeScalarView()
            var run = index
            func flush(_ upTo: Int) { scalars.append(contentsOf: String(decoding: bytes[run..<upTo], as: UTF8.self).unicodeScalars) }
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    flush(index)
                    index += 1
                    return String(scalars)
                }
                guard byte == UInt8(ascii: "\\") else { index += 1; continue }
                flush(index)
                index += 1
                guard index < bytes.count else { break }
                let escape = bytes[index]
                index += 1
                switch escape {
                case UInt8(ascii: "n"): scalars.append("\n")
                case UInt8(ascii: "t"): scalars.append("\t")
                case UInt8(ascii: "r"): scalars.append("\r")
                case UInt8(ascii: "b"): scalars.append("\u{08}")
                case UInt8(ascii: "f"): scalars.append("\u{0C}")
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code), index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
                       bytes[index + 1] == UInt8(ascii: "u") {
                        index += 2
                        let low = try hex4()
                        guard (0xDC00..<0xE000).contains(low) else { throw SyntaxError(offset: index) }
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                    }
                    scalars.append(Unicode.Scalar(code) ?? "\u{FFFD}")
                default: scalars.append(Unicode.Scalar(escape))
                }
                run = index
            }
            throw SyntaxError(offset: index)
        }

        mutating func hex4() throws -> UInt32 {
            guard index + 4 <= bytes.count,
                  let value = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16)
            else { throw SyntaxError(offset: index) }
            index += 4
            return value
        }
    }
}
