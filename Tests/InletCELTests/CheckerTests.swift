import Testing
@testable import InletCEL

@Suite("Checker")
struct CheckerTests {
    func environment(_ variables: [String: CELType] = [:], container: String = "") -> CELEnvironment {
        var options = CELEnvironment.Options()
        options.typeCheck = true
        options.container = container
        var environment = CELEnvironment(options: options)
        for (name, type) in variables { environment.declare(name, as: type) }
        return environment
    }

    func deduced(_ source: String, _ variables: [String: CELType] = [:]) throws -> String? {
        try environment(variables).compile(source).deducedType?.description
    }

    @Test("deduces literal, collection, index and call result types")
    func deduction() throws {
        #expect(try deduced("true") == "bool")
        #expect(try deduced("b'x'") == "bytes")
        #expect(try deduced("null") == "null_type")
        #expect(try deduced("{'abc': 123}") == "map(string, int)")
        #expect(try deduced("[1, 'a']") == "list(dyn)")
        #expect(try deduced("['foo'][0]") == "string")
        #expect(try deduced("('foo' + 'bar').startsWith('foo')") == "bool")
        #expect(try deduced("[1, 2].map(x, x * 2 > 1)") == "list(bool)")
        #expect(try deduced("x.y", ["x": .map(.string, .int)]) == "int")
        #expect(try deduced("x.?y", ["x": .map(.string, .int)]) == "optional_type(int)")
        #expect(try deduced("type(1)") == "type(int)")
        #expect(try deduced("timestamp('2000-01-01T00:00:00Z') - duration('1s')") == "google.protobuf.Timestamp")
        #expect(try deduced("cel.bind(v, 'a', v + v)") == "string")
    }

    @Test("unknown identifiers are check errors with their position")
    func unknownIdentifier() {
        do {
            _ = try environment(["known": .int]).compile("known + \n unknown")
            Issue.record("compiled")
        } catch {
            #expect(error.code == .check)
            #expect(error.position?.line == 2)
            #expect(error.message.contains("unknown"))
        }
    }

    @Test("calls matching no overload are check errors")
    func overloadMismatch() {
        #expect(throws: CELError.self) { try environment(["s": .string]).compile("s + 1") }
        #expect(throws: CELError.self) { try environment().compile("size(1)") }
        #expect(throws: CELError.self) { try environment().compile("'a'.startsWith(1)") }
        #expect(throws: CELError.self) { try environment().compile("1 < 'a'") }
        #expect(throws: CELError.self) { try environment().compile("'a' && true") }
        #expect(throws: CELError.self) { try environment().compile("nope(1)") }
        #expect(throws: CELError.self) { try environment(["i": .int]).compile("i.field") }
        #expect(throws: CELError.self) { try environment(["i": .int]).compile("has(i.field)") }
    }

    @Test("dyn values check against any overload and resolve at run time")
    func dynamic() throws {
        let program = try environment(["payload": .dyn]).compile("payload.a + 1 > 2 && size(payload.b) == 2")
        let payload = try CELValue(json: #"{"a": 5, "b": "xy"}"#)
        #expect(try program.evaluate(["payload": payload]) == .bool(true))
        #expect(program.deducedType == .bool)
    }

    @Test("qualified and container-relative declarations resolve")
    func qualified() throws {
        #expect(try environment(["a.b.c": .int]).compile("a.b.c + 1").deducedType == .int)
        #expect(try environment(["x.y": .bool], container: "x").compile("y").deducedType == .bool)
    }

    @Test("declared functions check, and fail at run time without an implementation")
    func declaredFunctions() throws {
        var env = environment(["x": .int])
        env.declareFunction("f", id: "f_int", parameters: [.int], result: .string)
        #expect(try env.compile("f(x)").deducedType == .string)
        #expect(throws: CELError.self) { try env.compile("f('a')") }
        #expect(throws: CELError.self) { try env.compile("f(x)").evaluate(["x": 1]) }
    }
}
