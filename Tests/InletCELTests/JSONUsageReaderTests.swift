import Testing
@testable import InletCEL

/// `CELValue(jsonUTF8:reading:)`: a JSON document built only as far as an expression can observe it must evaluate
/// exactly like the whole document (values, `has()`, missing keys, errors), and be rejected exactly when the whole
/// one is.
@Suite("JSON read for a usage")
struct JSONUsageReaderTests {
    static func read(_ json: String, _ usage: CELValueUsage, numbers: JSONNumberMode = .integersAsInt) throws(CELError) -> CELValue {
        try CELValue(jsonUTF8: Array(json.utf8), reading: usage, numbers: numbers)
    }

    /// The outcome of evaluating `source` with `payload` bound: a value or an error (code, message, position).
    enum Outcome: Equatable, CustomStringConvertible {
        case value(CELValue)
        case error(CELError.Code, String, CELSourcePosition?)

        static func == (lhs: Outcome, rhs: Outcome) -> Bool {
            switch (lhs, rhs) {
            case (.value(let a), .value(let b)): a.kind == b.kind && a.celEquals(b, nanEqualsNaN: true)
            case (.error(let c1, let m1, let p1), .error(let c2, let m2, let p2)): c1 == c2 && m1 == m2 && p1 == p2
            default: false
            }
        }

        var description: String {
            switch self {
            case .value(let value): "value \(value.jsonString())"
            case .error(let code, let message, let position): "error \(code) \(message) at \(position.map { "\($0)" } ?? "?")"
            }
        }
    }

    static func outcome(_ program: CELProgram, _ payload: CELValue) -> Outcome {
        do {
            return .value(try program.evaluate(["payload": payload]))
        } catch {
            return .error(error.code, error.message, error.position)
        }
    }

    /// Evaluates `source` on the whole document and on the document read for the program's usage of `payload`.
    static func expectSameOutcome(_ source: String, _ json: String, numbers: JSONNumberMode = .integersAsInt,
                                  sourceLocation: SourceLocation = #_sourceLocation) throws {
        let program = try CELEnvironment().compile(source)
        let usage = program.usage(ofVariable: "payload") ?? .fields([:])
        let whole = try CELValue(json: json, numbers: numbers)
        let partial = try read(json, usage, numbers: numbers)
        #expect(outcome(program, partial) == outcome(program, whole), "\(source) on \(json) read for \(usage)",
                sourceLocation: sourceLocation)
    }

    static let documents = [
        #"{"a": {"b": 1, "c": "x", "d": [1, {"e": 2}]}, "f": null, "g": "str", "h": [], "i": {}}"#,
        #"{"a": {"b": 18446744073709551615, "c": -9223372036854775808, "d": 1.5e300}, "n": -0.0, "u": 9223372036854775807}"#,
        #"{"a": "not an object", "f": {"b": null}, "a\u002db": {"c": true}, "k\"q": 1}"#,
        #"{"a": {"b": 1}, "a": {"c": 2}, "z": 3, "z": 4}"#,
        #"{"a": [{"b": 1}, {"b": 2}], "s": "\ud83d\ude00 \u00e9 \/ \n", "t": true}"#,
        #"[{"a": 1}]"#,
        #""just a string""#,
        #"{}"#,
    ]

    static let expressions = [
        "payload.a.b", "payload.a.c", "payload.a.d", "payload.a.d[1].e", "payload.f", "payload.g", "payload.missing",
        "payload.a.missing", "payload.a.b.c", "has(payload.a)", "has(payload.a.b)", "has(payload.missing)",
        "has(payload.f.b)", "has(payload.g.x)", "payload.?a.?b.orValue('none')", "payload.?missing.orValue(0)",
        "payload['a-b'].c", "payload['a-b']", "payload[?'a-b'].orValue(0)", "payload['k\"q']", "payload.a[?'b']",
        "payload.z", "payload.a", "size(payload)", "payload", "payload.n", "payload.u + 1", "payload.a.b + 1",
        "cel.bind(p, payload.a, p.b)", "cel.bind(p, payload.a, 1)", "cel.bind(p, payload.a.b, 1)", "cel.bind(p, payload.a, [p.b, p.c])", "cel.bind(p, payload.missing, 1)",
        "payload.a.map(x, x.b)", "payload.s", "payload.t && has(payload.a)", "payload[0].a", "payload.h.size()",
        "payload.i == {}", "payload.a == payload.a", "string(payload.a.b)", "type(payload.a)",
        "payload.a.d.map(x, x)", "payload.a.d.exists(x, x == 1)", "payload.a.d.map(x, has(x.e))",
        "payload.a.d.filter(x, type(x) == map).map(x, x.e)", "payload.a.map(k, k)", "payload.a.all(k, v, v != null)",
        "payload.h.map(x, x.y)", "size(payload.a.d.filter(x, true))", "payload.a.d.map(x, 1)", "payload.a.map(k, 1)",
        "payload.a.transformList(i, v, v)", "payload.a.d.transformList(i, v, i)", "payload.g.map(x, x)",
        "payload.?a.optMap(x, x.b)", "payload.?a.optMap(x, x.missing)", "payload.a.d.exists(x, x.e == 2)",
        "payload.a.exists(x, x.z == 1)", "payload.s.map(x, x)", "payload.map(k, k)",
    ]

    @Test("every expression evaluates alike on the whole document and on the one read for its usage")
    func sameOutcomes() throws {
        for json in Self.documents {
            for source in Self.expressions {
                try Self.expectSameOutcome(source, json)
                try Self.expectSameOutcome(source, json, numbers: .double)
            }
        }
    }

    @Test("random documents and selection chains evaluate alike")
    func randomDocuments() throws {
        var random = JSONUsageTestRandom(seed: 0x5EED)
        let keys = ["a", "b", "c", "d"]
        for _ in 0..<300 {
            let json = Self.randomJSON(&random, depth: 0, keys: keys)
            for _ in 0..<4 {
                var path = "payload"
                for _ in 0..<(1 + Int(random.next() % 3)) {
                    let key = keys[Int(random.next() % UInt64(keys.count))]
                    switch random.next() % 3 {
                    case 0: path += "." + key
                    case 1: path += ".?" + key
                    default: path += "['\(key)']"
                    }
                }
                let source: String
                switch random.next() % 7 {
                case 4: source = "\(path).map(x, x.\(keys[Int(random.next() % UInt64(keys.count))]))"
                case 5: source = "\(path).exists(x, has(x.\(keys[Int(random.next() % UInt64(keys.count))])))"
                case 6: source = "\(path).all(i, x, x.\(keys[Int(random.next() % UInt64(keys.count))]) != null)"
                case 0: source = path
                case 1:
                    // has() takes a plain selection only.
                    if path.contains("?") { source = "\(path).orValue(0)" } else if path.hasSuffix("]") { source = path } else { source = "has(\(path))" }
                case 2: source = "cel.bind(v, \(path), v)"
                default: source = "\(path) == payload.a"
                }
                try Self.expectSameOutcome(source, json)
            }
        }
    }

    static func randomJSON(_ random: inout JSONUsageTestRandom, depth: Int, keys: [String]) -> String {
        switch random.next() % (depth < 3 ? 7 : 4) {
        case 0: return "null"
        case 1: return ["1", "-2", "1.5", "18446744073709551616", "0"][Int(random.next() % 5)]
        case 2: return ["\"x\"", "\"\\u00e9\"", "\"\\\"\""][Int(random.next() % 3)]
        case 3: return random.next() % 2 == 0 ? "true" : "false"
        case 4: return "[" + (0..<Int(random.next() % 3)).map { _ in randomJSON(&random, depth: depth + 1, keys: keys) }.joined(separator: ",") + "]"
        default:
            let count = Int(random.next() % 5)
            return "{" + (0..<count).map { _ in
                "\"\(keys[Int(random.next() % UInt64(keys.count))])\": \(randomJSON(&random, depth: depth + 1, keys: keys))"
            }.joined(separator: ", ") + "}"
        }
    }

    @Test("only the listed keys of objects and the read parts of list elements are built; scalars are kept")
    func projection() throws {
        let value = try Self.read(#"{"a": {"b": 1, "c": 2}, "d": [1, {"x": 1}], "e": "s"}"#,
                                  .fields(["a": .fields(["b": .whole]), "d": .fields(["x": .whole]), "missing": .whole]))
        #expect(value == (try CELValue(json: #"{"a": {"b": 1}, "d": []}"#)))
        guard case .map(let root) = value else {
            Issue.record("expected a map")
            return
        }
        #expect(root.keys == ["a", "d"])
        #expect(try Self.read(#"{"a": 1, "b": {"c": 1}}"#, .fields([:])) == .map(CELMap()))
        #expect(try Self.read(#"{"a": {"b": {"c": 1}}}"#, .fields(["a": .fields([:])])) == (try CELValue(json: #"{"a": {}}"#)))
        // Selecting a field from a list fails whatever it holds: a list read only for fields is kept empty.
        #expect(try Self.read("[1, 2]", .fields(["a": .whole])) == .list([]))
        #expect(try Self.read(#"[{"a": 1, "b": 2}, 3, [4]]"#, .elements(.fields(["a": .whole])))
            == (try CELValue(json: #"[{"a": 1}, 3, []]"#)))
        #expect(try Self.read(#"{"a": 1, "b": [1]}"#, .elements(.fields([:]))) == (try CELValue(json: #"{"a": 1, "b": [1]}"#)))
        #expect(try Self.read(#"{"a": 1}"#, .whole) == (try CELValue(json: #"{"a": 1}"#)))
    }

    @Test("keys are matched by their decoded text, and a repeated key keeps its last value in its first place")
    func keys() throws {
        #expect(try Self.read(#"{"a\u002db": 1, "ab": 2}"#, .fields(["a-b": .whole])) == (try CELValue(json: #"{"a-b": 1}"#)))
        #expect(try Self.read(#"{"\u00e9": 1, "é": 2}"#, .fields(["é": .whole])) == (try CELValue(json: #"{"é": 2}"#)))
        let repeated = try Self.read(#"{"z": 0, "a": 1, "b": 9, "a": 2}"#, .fields(["a": .whole, "z": .whole]))
        guard case .map(let map) = repeated else {
            Issue.record("expected a map")
            return
        }
        #expect(map.keys == ["z", "a"])
        #expect(map["a"] == .int(2))
    }

    @Test("numbers read alike in both modes, in kept and in skipped parts")
    func numbers() throws {
        let json = #"{"i": 1347, "big": 9223372036854775808, "neg": -5, "d": 2.5, "e": 1E+2, "skip": [1e-7, -0, 123456789012345678901234567890]}"#
        for mode in [JSONNumberMode.integersAsInt, .double] {
            let whole = try CELValue(json: json, numbers: mode)
            let partial = try Self.read(json, .fields(["i": .whole, "big": .whole, "neg": .whole, "d": .whole, "e": .whole]), numbers: mode)
            for key in ["i", "big", "neg", "d", "e"] {
                guard case .map(let a) = whole, case .map(let b) = partial, let x = a[key], let y = b[key] else {
                    Issue.record("missing \(key)")
                    continue
                }
                #expect(x.kind == y.kind && x == y, "\(key): \(x) vs \(y)")
            }
        }
    }

    @Test("malformed documents fail exactly as the whole reader fails, wherever the problem is")
    func malformed() {
        let usage = CELValueUsage.fields(["kept": .fields(["x": .whole])])
        var deep = String(repeating: "[", count: 600) + String(repeating: "]", count: 600)
        deep = #"{"skipped": "# + deep + "}"
        let documents = [
            "", "{", #"{"kept": 1"#, "{\"skipped\": \"a\u{01}b\"}", #"{"skipped": "\x"}"#, #"{"skipped": "\u12"}"#,
            #"{"skipped": "\ud800"}"#, #"{"skipped": "\udc00"}"#, #"{"skipped": "\ud800\u0041"}"#, #"{"skipped": "abc"#,
            #"{"skipped": "abc\"#, #"{"skipped": 01}"#, #"{"skipped": 1.}"#, #"{"skipped": 1e}"#, #"{"skipped": -}"#,
            #"{"skipped": tru}"#, #"{"skipped": nul}"#, #"{"skipped": [1,]}"#, #"{"skipped": {"a" 1}}"#,
            #"{"skipped": {"a": 1,}}"#, #"{"skipped": {1: 2}}"#, #"{"skipped": [1 2]}"#, #"{"skipped": 1 "kept": 2}"#,
            #"{"skipped": 1} 2"#, #"{"kept": {"x": [1,]}}"#, #"{"kept": {"y": "\q"}}"#, #"{"k\u00"#, deep,
            "{\"skipped\": \"tab\there\"}", #"{"skipped": "ends in escape\\"#,
        ]
        for json in documents {
            let whole = Result { () throws(CELError) in try CELValue(json: json) }
            let partial = Result { () throws(CELError) in try Self.read(json, usage) }
            switch (whole, partial) {
            case (.failure(let a), .failure(let b)):
                #expect(a.code == .invalidJSON && a.code == b.code && a.message == b.message, "\(json): \(a.message) vs \(b.message)")
            default:
                Issue.record("\(json): whole \(whole), partial \(partial)")
            }
        }
    }

    @Test("skipped strings are scanned right whatever the offset of their escapes, quotes and control characters")
    func skippedStringOffsets() throws {
        for escape in [#"\/"#, #"\""#, #"\\"#, #"\u00e9"#, #"\ud83d\ude00"#, "é", "😀"] {
            for offset in 0..<20 {
                for tail in 0..<10 {
                    let text = String(repeating: "a", count: offset) + escape + String(repeating: "b", count: tail)
                    let json = #"{"skipped": ""# + text + #"", "kept": ""# + text + #""}"#
                    let value = try Self.read(json, .fields(["kept": .whole]))
                    guard case .map(let map) = value else {
                        Issue.record("expected a map for \(json)")
                        continue
                    }
                    let whole = try CELValue(json: json).mapValue
                    #expect(map.count == 1 && map["kept"] == whole?["kept"], "\(json)")
                }
                let control = #"{"skipped": ""# + String(repeating: "a", count: offset) + "\u{1F}" + #"x", "kept": 1}"#
                #expect(throws: CELError.self, "\(control)") { try Self.read(control, .fields(["kept": .whole])) }
                let unterminated = #"{"kept": 1, "skipped": ""# + String(repeating: "a", count: offset) + escape
                #expect(throws: CELError.self, "\(unterminated)") { try Self.read(unterminated, .fields(["kept": .whole])) }
            }
        }
    }

    @Test("valid documents with escapes and nesting in skipped parts are read partially, not whole")
    func skippedPartsAreValidatedNotBuilt() throws {
        let json = #"{"skipped": {"s": "a\"b\\c\/d\n\u00e9\ud83d\ude00", "l": [[[]], {}], "n": [-1.5e-3, 0, true, false, null]}, "kept": 1}"#
        #expect(try Self.read(json, .fields(["kept": .whole])) == (try CELValue(json: #"{"kept": 1}"#)))
        guard case .map(let map) = try Self.read(json, .fields(["kept": .whole])) else {
            Issue.record("expected a map")
            return
        }
        #expect(map.count == 1)
    }
}

extension CELValue {
    fileprivate var mapValue: CELMap? { if case .map(let map) = self { map } else { nil } }
}

/// A small deterministic generator, so that the random cases are the same on every run.
struct JSONUsageTestRandom {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
