import Foundation

/// The overloads of all libraries, grouped by function name, in registration order.
struct FunctionRegistry: Sendable {
    let overloads: [String: [CELOverload]]
    /// Type names usable as identifiers: the built-in ones plus those libraries add.
    let typeNames: [String: CELType]

    init(libraries: [CELLibrary]) {
        var overloads: [String: [CELOverload]] = [:]
        var typeNames = FunctionRegistry.builtinTypeNames
        for library in libraries {
            for overload in library.overloads { overloads[overload.function, default: []].append(overload) }
            for type in library.types { typeNames[type.runtimeName] = type }
        }
        self.overloads = overloads
        self.typeNames = typeNames
    }

    static let builtinTypeNames: [String: CELType] = [
        "int": .int, "uint": .uint, "double": .double, "bool": .bool, "string": .string, "bytes": .bytes,
        "list": .list(.dyn), "map": .map(.dyn, .dyn), "null_type": .null, "type": .type(nil),
        "google.protobuf.Timestamp": .timestamp, "google.protobuf.Duration": .duration,
        "optional_type": .optional(.dyn),
    ]
}

/// CEL's standard functions: `size`, string tests, `matches`, type conversions, `type`/`dyn`, timestamp and duration
/// accessors, and the optional-type functions.
enum StandardLibrary {
    static let library = CELLibrary(name: "standard", overloads: sizeOverloads + stringOverloads + conversions
        + timeOverloads + optionalOverloads)

    static func mismatch(_ function: String, _ args: CELValue...) -> CELError { CELError.noSuchOverload(function, args) }

    // MARK: size, strings, regex

    static func size(_ value: CELValue) throws(CELError) -> CELValue {
        switch value {
        case .string(let s): return .int(Int64(s.unicodeScalars.count))
        case .bytes(let b): return .int(Int64(b.count))
        case .list(let l): return .int(Int64(l.count))
        case .map(let m): return .int(Int64(m.count))
        default: throw mismatch("size", value)
        }
    }

    static let sizeOverloads: [CELOverload] = [
        .global("size", id: "size_string", .string, result: .int, size),
        .global("size", id: "size_bytes", .bytes, result: .int, size),
        .global("size", id: "size_list", .list(.typeParameter("A")), result: .int, size),
        .global("size", id: "size_map", .map(.typeParameter("K"), .typeParameter("V")), result: .int, size),
        .member("size", id: "string_size", on: .string, result: .int, size),
        .member("size", id: "bytes_size", on: .bytes, result: .int, size),
        .member("size", id: "list_size", on: .list(.typeParameter("A")), result: .int, size),
        .member("size", id: "map_size", on: .map(.typeParameter("K"), .typeParameter("V")), result: .int, size),
    ]

    static func strings(_ a: CELValue, _ b: CELValue, _ function: String) throws(CELError) -> (String, String) {
        guard case .string(let x) = a, case .string(let y) = b else { throw mismatch(function, a, b) }
        return (x, y)
    }

    static func matches(_ a: CELValue, _ b: CELValue) throws(CELError) -> CELValue {
        let (subject, pattern) = try strings(a, b, "matches")
        return .bool(try RegexProgram(pattern).matches(subject))
    }

    static let stringOverloads: [CELOverload] = [
        .member("contains", id: "contains_string", on: .string, .string, result: .bool) { a, b throws(CELError) in
            let (s, t) = try strings(a, b, "contains")
            return .bool(t.isEmpty || s.utf8.count >= t.utf8.count && containsUTF8(s, t))
        },
        .member("startsWith", id: "starts_with_string", on: .string, .string, result: .bool) { a, b throws(CELError) in
            let (s, t) = try strings(a, b, "startsWith")
            return .bool(s.utf8.starts(with: t.utf8))
        },
        .member("endsWith", id: "ends_with_string", on: .string, .string, result: .bool) { a, b throws(CELError) in
            let (s, t) = try strings(a, b, "endsWith")
            return .bool(s.utf8.reversed().starts(with: t.utf8.reversed()))
        },
        .member("matches", id: "matches_string", on: .string, .string, result: .bool, matches),
        .global("matches", id: "matches", .string, .string, result: .bool, matches),
    ]

    /// Substring search on UTF-8 (code-point semantics, no Unicode canonical equivalence).
    static func containsUTF8(_ haystack: String, _ needle: String) -> Bool {
        var h = haystack
        var n = needle
        return h.withUTF8 { hb in
            n.withUTF8 { nb in
                guard nb.count <= hb.count else { return false }
                let first = nb[0]
                var i = 0
                let last = hb.count - nb.count
                while i <= last {
                    if hb[i] == first {
                        var j = 1
                        while j < nb.count, hb[i + j] == nb[j] { j += 1 }
                        if j == nb.count { return true }
                    }
                    i += 1
                }
                return false
            }
        }
    }

    // MARK: Conversions

    static func toInt(_ v: CELValue) throws(CELError) -> CELValue {
        switch v {
        case .int: return v
        case .uint(let u):
            guard u <= UInt64(Int64.max) else { throw CELError(.arithmetic, "int() range error: uint value above int64 max") }
            return .int(Int64(u))
        case .double(let d):
            guard d.isFinite, d > -9223372036854775809.0, d < 9223372036854775808.0 else {
                throw CELError(.arithmetic, "int() range error: double value outside int64 range")
            }
            return .int(Int64(d))
        case .string(let s):
            guard let i = Int64(s) else { throw CELError(.evaluation, "int() cannot convert the string (not a base-10 int64)") }
            return .int(i)
        case .timestamp(let t): return .int(t.seconds)
        default: throw mismatch("int", v)
        }
    }

    static func toUint(_ v: CELValue) throws(CELError) -> CELValue {
        switch v {
        case .uint: return v
        case .int(let i):
            guard i >= 0 else { throw CELError(.arithmetic, "uint() range error: negative int") }
            return .uint(UInt64(i))
        case .double(let d):
            guard d.isFinite, d > -1, d < 18446744073709551616.0 else {
                throw CELError(.arithmetic, "uint() range error: double value outside uint64 range")
            }
            return .uint(UInt64(d))
        case .string(let s):
            guard let u = UInt64(s) else { throw CELError(.evaluation, "uint() cannot convert the string (not a base-10 uint64)") }
            return .uint(u)
        default: throw mismatch("uint", v)
        }
    }

    static func toDouble(_ v: CELValue) throws(CELError) -> CELValue {
        switch v {
        case .double: return v
        case .int(let i): return .double(Double(i))
        case .uint(let u): return .double(Double(u))
        case .string(let s):
            guard let d = Double(s) else { throw CELError(.evaluation, "double() cannot convert the string (not a number)") }
            return .double(d)
        default: throw mismatch("double", v)
        }
    }

    /// `string(double)`: the shortest digits that round-trip, laid out like Go's `%g` (cel-go's
    /// `FormatFloat(d, 'g', -1, 64)`): `1`, `123.456`, `1e+06`, `1e-05`, `+Inf`, `NaN`.
    static func formatDouble(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d > 0 ? "+Inf" : "-Inf" }
        let sign = d.sign == .minus ? "-" : ""
        if d == 0 { return sign + "0" }
        // Swift's description holds the shortest round-trip digits; re-lay them out.
        let text = "\(d.magnitude)"
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        var digits = ""
        var pointPosition = mantissa.count
        if let dot = mantissa.firstIndex(of: ".") {
            pointPosition = mantissa.distance(from: mantissa.startIndex, to: dot)
            digits = String(mantissa[..<dot]) + String(mantissa[mantissa.index(after: dot)...])
        } else {
            digits = String(mantissa)
        }
        var dp = pointPosition + exponent
        while digits.first == "0" {
            digits.removeFirst()
            dp -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        let exp = dp - 1
        if exp < -4 || exp >= 6 {
            let rest = digits.dropFirst()
            let magnitude = abs(exp)
            return sign + String(digits.prefix(1)) + (rest.isEmpty ? "" : "." + rest) + "e" + (exp < 0 ? "-" : "+")
                + (magnitude < 10 ? "0" : "") + String(magnitude)
        }
        if dp <= 0 { return sign + "0." + String(repeating: "0", count: -dp) + digits }
        if dp >= digits.count { return sign + digits + String(repeating: "0", count: dp - digits.count) }
        let split = digits.index(digits.startIndex, offsetBy: dp)
        return sign + digits[..<split] + "." + digits[split...]
    }

    static func toString(_ v: CELValue) throws(CELError) -> CELValue {
        switch v {
        case .string: return v
        case .int(let i): return .string(String(i))
        case .uint(let u): return .string(String(u))
        case .double(let d): return .string(formatDouble(d))
        case .bool(let b): return .string(b ? "true" : "false")
        case .bytes(let b):
            guard let s = String(validating: b, as: UTF8.self) else {
                throw CELError(.evaluation, "string() invalid UTF-8 in bytes")
            }
            return .string(s)
        case .timestamp(let t): return .string(t.rfc3339)
        case .duration(let d): return .string(d.protobufJSON)
        case .type(let t): return .string(t.runtimeName)
        default: throw mismatch("string", v)
        }
    }

    static func toBool(_ v: CELValue) throws(CELError) -> CELValue {
        switch v {
        case .bool: return v
        case .string(let s):
            switch s {
            case "1", "t", "true", "TRUE", "True": return .bool(true)
            case "0", "f", "false", "FALSE", "False": return .bool(false)
            default: throw CELError(.evaluation, "bool() type conversion error: the string is not one of 1 t true TRUE True 0 f false FALSE False")
            }
        default: throw mismatch("bool", v)
        }
    }

    static func toBytes(_ v: CELValue) throws(CELError) -> CELValue {
        switch v {
        case .bytes: return v
        case .string(let s): return .bytes(Array(s.utf8))
        default: throw mismatch("bytes", v)
        }
    }

    static func toTimestamp(_ v: CELValue) throws(CELError) -> CELValue {
        switch v {
        case .timestamp: return v
        case .string(let s): return .timestamp(try CELTimestamp(rfc3339: s))
        case .int(let i): return .timestamp(try CELTimestamp(seconds: i))
        default: throw mismatch("timestamp", v)
        }
    }

    static func toDuration(_ v: CELValue) throws(CELError) -> CELValue {
        switch v {
        case .duration: return v
        case .string(let s): return .duration(try CELDuration(parsing: s))
        case .int(let i): return .duration(CELDuration(nanoseconds: i))
        default: throw mismatch("duration", v)
        }
    }

    static let conversions: [CELOverload] = {
        var result: [CELOverload] = []
        for type in [CELType.int, .uint, .double, .string, .timestamp] {
            result.append(.global("int", id: "int_\(type.runtimeName)", type, result: .int, toInt))
        }
        for type in [CELType.uint, .int, .double, .string] {
            result.append(.global("uint", id: "uint_\(type.runtimeName)", type, result: .uint, toUint))
        }
        for type in [CELType.double, .int, .uint, .string] {
            result.append(.global("double", id: "double_\(type.runtimeName)", type, result: .double, toDouble))
        }
        for type in [CELType.string, .int, .uint, .double, .bool, .bytes, .timestamp, .duration] {
            result.append(.global("string", id: "string_\(type.runtimeName)", type, result: .string, toString))
        }
        for type in [CELType.bool, .string] {
            result.append(.global("bool", id: "bool_\(type.runtimeName)", type, result: .bool, toBool))
        }
        for type in [CELType.bytes, .string] {
            result.append(.global("bytes", id: "bytes_\(type.runtimeName)", type, result: .bytes, toBytes))
        }
        for type in [CELType.timestamp, .string, .int] {
            result.append(.global("timestamp", id: "timestamp_\(type.runtimeName)", type, result: .timestamp, toTimestamp))
        }
        for type in [CELType.duration, .string] {
            result.append(.global("duration", id: "duration_\(type.runtimeName)", type, result: .duration, toDuration))
        }
        result.append(.global("dyn", id: "to_dyn", .typeParameter("A"), result: .dyn) { v throws(CELError) in v })
        result.append(.global("type", id: "type", .typeParameter("A"), result: .type(.typeParameter("A"))) {
            v throws(CELError) in .type(v.celType)
        })
        return result
    }()

    // MARK: Timestamps and durations

    static func timestampField(_ name: String, _ field: @escaping @Sendable (Time.Fields) -> Int64) -> [CELOverload] {
        [
            .member(name, id: "timestamp_\(name)", on: .timestamp, result: .int) { t throws(CELError) in
                guard case .timestamp(let ts) = t else { throw mismatch(name, t) }
                return .int(field(Time.fields(ts, offsetSeconds: 0)))
            },
            .member(name, id: "timestamp_\(name)_with_tz", on: .timestamp, .string, result: .int) { t, z throws(CELError) in
                guard case .timestamp(let ts) = t, case .string(let zone) = z else { throw mismatch(name, t, z) }
                return .int(field(Time.fields(ts, offsetSeconds: try Time.offset(zone, at: ts))))
            },
        ]
    }

    static func durationField(_ name: String, _ field: @escaping @Sendable (CELDuration) -> Int64) -> CELOverload {
        .member(name, id: "duration_\(name)", on: .duration, result: .int) { d throws(CELError) in
            guard case .duration(let duration) = d else { throw mismatch(name, d) }
            return .int(field(duration))
        }
    }

    static let timeOverloads: [CELOverload] = {
        var result: [CELOverload] = []
        result += timestampField("getFullYear") { $0.year }
        result += timestampField("getMonth") { $0.month - 1 }
        result += timestampField("getDate") { $0.day }
        result += timestampField("getDayOfMonth") { $0.day - 1 }
        result += timestampField("getDayOfYear") { $0.dayOfYear }
        result += timestampField("getDayOfWeek") { $0.dayOfWeek }
        result += timestampField("getHours") { $0.hour }
        result += timestampField("getMinutes") { $0.minute }
        result += timestampField("getSeconds") { $0.second }
        result += timestampField("getMilliseconds") { $0.nanos / 1_000_000 }
        result.append(durationField("getHours") { $0.seconds / 3600 })
        result.append(durationField("getMinutes") { $0.seconds / 60 })
        result.append(durationField("getSeconds") { $0.seconds })
        result.append(durationField("getMilliseconds") { Int64($0.nanos) / 1_000_000 })
        return result
    }()

    // MARK: Optionals

    static func isZero(_ v: CELValue) -> Bool {
        switch v {
        case .null: return true
        case .bool(let b): return !b
        case .int(let i): return i == 0
        case .uint(let u): return u == 0
        case .double(let d): return d == 0
        case .string(let s): return s.isEmpty
        case .bytes(let b): return b.isEmpty
        case .list(let l): return l.isEmpty
        case .map(let m): return m.isEmpty
        case .duration(let d): return d.seconds == 0 && d.nanos == 0
        case .timestamp(let t): return t.seconds == 0 && t.nanos == 0
        case .optional(let o): return o == nil
        case .type, .opaque: return false
        }
    }

    static let optionalOverloads: [CELOverload] = [
        .global("optional.of", id: "optional_of", .typeParameter("V"), result: .optional(.typeParameter("V"))) {
            v throws(CELError) in .optional(v)
        },
        CELOverload(id: "optional_none", function: "optional.none", parameters: [], result: .optional(.dyn),
                    implementation: .nary { _ throws(CELError) in .none }),
        .global("optional.ofNonZeroValue", id: "optional_ofNonZeroValue", .typeParameter("V"),
                result: .optional(.typeParameter("V"))) { v throws(CELError) in
            isZero(v) ? .none : .optional(v)
        },
        .member("hasValue", id: "optional_hasValue", on: .optional(.typeParameter("V")), result: .bool) { o throws(CELError) in
            guard case .optional(let inner) = o else { throw mismatch("hasValue", o) }
            return .bool(inner != nil)
        },
        .member("value", id: "optional_value", on: .optional(.typeParameter("V")), result: .typeParameter("V")) {
            o throws(CELError) in
            guard case .optional(let inner) = o else { throw mismatch("value", o) }
            guard let inner else { throw CELError(.evaluation, "optional.none() dereference") }
            return inner
        },
        .member("orValue", id: "optional_orValue_value", on: .optional(.typeParameter("V")), .typeParameter("V"),
                result: .typeParameter("V")) { o, other throws(CELError) in
            guard case .optional(let inner) = o else { throw mismatch("orValue", o, other) }
            return inner ?? other
        },
        .member("or", id: "optional_or_optional", on: .optional(.typeParameter("V")), .optional(.typeParameter("V")),
                result: .optional(.typeParameter("V"))) { o, other throws(CELError) in
            guard case .optional(let inner) = o, case .optional = other else { throw mismatch("or", o, other) }
            return inner != nil ? o : other
        },
    ]
}
