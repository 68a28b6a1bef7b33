import Testing
@testable import InletCEL

/// `CELProgram.evaluate(_:in:)`: binding values by position through a layout resolved once is the same as binding
/// them by name.
@Suite("CELBindingLayout")
struct CELBindingLayoutTests {
    static let names = ["payload", "envelope", "variant", "a.b"]

    static func both(_ source: String, _ values: [CELValue?]) throws -> (byName: Result<CELValue, CELError>, byPosition: Result<CELValue, CELError>) {
        let program = try CELEnvironment().compile(source)
        var bindings: [String: CELValue] = [:]
        for (name, value) in zip(names, values) { if let value { bindings[name] = value } }
        let layout = program.layout(binding: names)
        return (Result { () throws(CELError) in try program.evaluate(bindings) },
                Result { () throws(CELError) in try program.evaluate(values, in: layout) })
    }

    @Test("values bound by position evaluate as the same values bound by name")
    func sameAsByName() throws {
        let payload = try CELValue(json: #"{"x": {"y": 2}, "list": [1, 2, 3]}"#)
        let values: [CELValue?] = [payload, .map(try CELMap([(.string("id"), .string("d-1"))])), .string("repository"), .int(7)]
        for source in ["payload.x.y + a.b", "envelope.id + ':' + variant", "payload.list.map(i, i * a.b)", "variant",
                       "has(payload.x) && !has(payload.z)", "1 + 1"] {
            let (byName, byPosition) = try Self.both(source, values)
            #expect(try byName.get() == byPosition.get(), "\(source)")
        }
    }

    @Test("a nil value leaves its name unbound, with the same error as an absent binding")
    func unbound() throws {
        let (byName, byPosition) = try Self.both("envelope.id", [.null, nil, .null, nil])
        #expect(throws: CELError.self) { try byPosition.get() }
        guard case .failure(let a) = byName, case .failure(let b) = byPosition else {
            Issue.record("expected both to fail")
            return
        }
        #expect(a.code == b.code && a.message == b.message && a.position == b.position)
    }

    @Test("names the program never reads are ignored; names it reads but the layout lacks stay unbound")
    func partialLayouts() throws {
        let program = try CELEnvironment().compile("other + 1")
        let layout = program.layout(binding: ["payload"])
        #expect(throws: CELError.self) { try program.evaluate([.int(1)], in: layout) }
        let other = program.layout(binding: ["payload", "other"])
        #expect(try program.evaluate([.int(1), .int(41)], in: other) == .int(42))
        #expect(layout.names == ["payload"])
    }

    @Test("copies of a program share its layouts")
    func copies() throws {
        let program = try CELEnvironment().compile("payload * 2")
        let copy = program
        #expect(try copy.evaluate([.int(21)], in: program.layout(binding: ["payload"])) == .int(42))
    }
}
