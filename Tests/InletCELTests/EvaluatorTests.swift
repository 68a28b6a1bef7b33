import Testing
@testable import InletCEL

@Suite("Evaluator")
struct EvaluatorTests {
    @Test("int arithmetic overflows are errors")
    func intOverflow() {
        #expect(failure("9223372036854775807 + 1")?.code == .arithmetic)
        #expect(failure("-9223372036854775808 - 1")?.code == .arithmetic)
        #expect(failure("5000000000 * 5000000000")?.code == .arithmetic)
        #expect(failure("-(-9223372036854775808)")?.code == .arithmetic)
        #expect(failure("-9223372036854775808 / -1")?.code == .arithmetic)
        #expect(failure("0u - 1u")?.code == .arithmetic)
        #expect(failure("18446744073709551615u + 1u")?.code == .arithmetic)
    }

    @Test("division and modulus by zero are errors; doubles follow IEEE")
    func division() throws {
        #expect(failure("1 / 0")?.message.contains("division by zero") == true)
        #expect(failure("1 % 0")?.message.contains("modulus by zero") == true)
        #expect(failure("1u / 0u")?.code == .arithmetic)
        #expect(try evaluate("1.0 / 0.0") == .double(.infinity))
        #expect(try evaluate("-7 / 2") == .int(-3))
        #expect(try evaluate("-7 % 3") == .int(-1))
        #expect(try evaluate("7u % 3u") == .uint(1))
    }

    @Test("no implicit numeric conversion in arithmetic")
    func mixedArithmetic() {
        #expect(failure("1 + 1u")?.code == .noSuchOverload)
        #expect(failure("1 + 1.0")?.code == .noSuchOverload)
        #expect(failure("-(1u)")?.code == .noSuchOverload)
        #expect(failure("1.5 % 1.0")?.code == .noSuchOverload)
    }

    @Test("string, bytes and list concatenation")
    func concatenation() throws {
        #expect(try evaluate("'ab' + 'c'") == .string("abc"))
        #expect(try evaluate("b'a' + b'b'") == .bytes([0x61, 0x62]))
        #expect(try evaluate("[1] + [2, 3]") == .list([1, 2, 3]))
    }

    @Test("heterogeneous numeric equality and ordering")
    func numericComparisons() throws {
        #expect(try evaluate("1 == 1u && 1u == 1.0 && 1 == 1.0") == .bool(true))
        #expect(try evaluate("-1 < 0u") == .bool(true))
        #expect(try evaluate("2u > 1.5") == .bool(true))
        #expect(try evaluate("18446744073709551615u > 9223372036854775807") == .bool(true))
        #expect(try evaluate("0.0/0.0 == 0.0/0.0") == .bool(false))
        #expect(try evaluate("(0.0/0.0) < 1.0") == .bool(false))
        #expect(try evaluate("[1, 2.0] == [1u, 2]") == .bool(true))
    }

    @Test("values of different kinds are unequal, and ordering them is an error")
    func mixedKinds() throws {
        #expect(try evaluate("1 == 'a'") == .bool(false))
        #expect(try evaluate("null == false") == .bool(false))
        #expect(try evaluate("{'a': 1} != {'a': 1.0}") == .bool(false))
        #expect(failure("1 < 'a'")?.code == .noSuchOverload)
        #expect(failure("[1] < [2]")?.code == .noSuchOverload)
    }

    @Test("string and bytes ordering is by code point / byte")
    func lexicalOrdering() throws {
        #expect(try evaluate("'a' < 'b' && 'B' < 'a' && 'abc' > 'ab'") == .bool(true))
        #expect(try evaluate("b'\\x01' < b'\\xff'") == .bool(true))
        #expect(try evaluate("false < true") == .bool(true))
    }

    @Test("&& and || absorb errors when the other side decides")
    func commutativeLogic() throws {
        #expect(try evaluate("1/0 == 1 && false") == .bool(false))
        #expect(try evaluate("false && 1/0 == 1") == .bool(false))
        #expect(try evaluate("1/0 == 1 || true") == .bool(true))
        #expect(try evaluate("true || 1/0 == 1") == .bool(true))
        #expect(failure("1/0 == 1 && true")?.code == .arithmetic)
        #expect(failure("1/0 == 1 || false")?.code == .arithmetic)
        #expect(failure("'a' && true")?.code == .noSuchOverload)
        #expect(try evaluate("'a' || true") == .bool(true))
    }

    @Test("the conditional evaluates only the chosen branch")
    func conditional() throws {
        #expect(try evaluate("true ? 1 : 1/0") == .int(1))
        #expect(try evaluate("x ? 1/0 : 2", ["x": false]) == .int(2))
        #expect(failure("'x' ? 1 : 2")?.code == .noSuchOverload)
        #expect(failure("1/0 == 0 ? 1 : 2")?.code == .arithmetic)
    }

    @Test("list and map membership with numeric key semantics")
    func membership() throws {
        #expect(try evaluate("2 in [1, 2, 3]") == .bool(true))
        #expect(try evaluate("2.0 in [1, 2, 3]") == .bool(true))
        #expect(try evaluate("'a' in {'a': 1}") == .bool(true))
        #expect(try evaluate("1u in {1: 'x'}") == .bool(true))
        #expect(try evaluate("x in ['opened', 'synchronize']", ["x": "closed"]) == .bool(false))
        #expect(failure("1 in 'abc'")?.code == .noSuchOverload)
    }

    @Test("list and map indexing, with errors for missing keys and out-of-range indices")
    func indexing() throws {
        #expect(try evaluate("[1, 2, 3][1]") == .int(2))
        #expect(try evaluate("[1, 2, 3][2u]") == .int(3))
        #expect(try evaluate("[1, 2, 3][dyn(0.0)]") == .int(1))
        #expect(try evaluate("{1: 'a'}[1.0]") == .string("a"))
        #expect(failure("[1][1]")?.code == .notFound)
        #expect(failure("[1][-1]")?.code == .notFound)
        #expect(failure("[1][dyn(0.5)]") != nil)
        #expect(failure("{'a': 1}['b']")?.code == .notFound)
        #expect(failure("'abc'[0]")?.code == .noSuchOverload)
    }

    @Test("field selection on maps, has(), and errors for missing fields")
    func selection() throws {
        let payload = try CELValue(json: #"{"a": {"b": 1}, "n": null}"#)
        #expect(try evaluate("p.a.b", ["p": payload]) == .int(1))
        #expect(try evaluate("has(p.a) && !has(p.c) && has(p.n)", ["p": payload]) == .bool(true))
        #expect(failure("p.c", ["p": payload])?.message.contains("no such key") == true)
        #expect(failure("p.a.b.c", ["p": payload])?.code == .noSuchOverload)
    }

    @Test("map literals reject duplicate and non-scalar keys at run time")
    func mapLiterals() throws {
        #expect(try evaluate("{'a': 1, 'b': 2}.b") == .int(2))
        #expect(failure("{'a': 1, 'a': 2}") != nil)
        #expect(failure("{1: 'a', 1u: 'b'}") != nil)
        #expect(failure("{1.5: 'a'}") != nil)
        #expect(failure("{[1]: 'a'}") != nil)
    }

    @Test("unbound variables are runtime errors with the position of the identifier")
    func unboundVariable() {
        let error = failure("1 + \n  missing")
        #expect(error?.code == .unboundVariable)
        #expect(error?.position?.line == 2)
        #expect(error?.position?.column == 3)
    }

    @Test("runtime errors carry the position of the failing operator")
    func runtimePosition() {
        let error = failure("[1, 2].map(x, x / 0)")
        #expect(error?.position?.column == 17)
    }

    @Test("qualified names resolve longest binding first, within the container")
    func qualifiedNames() throws {
        #expect(try evaluate("a.b.c", ["a.b.c": 1]) == .int(1))
        let ab = CELValue.map(try CELMap([(.string("c"), .int(2))]))
        #expect(try evaluate("a.b.c", ["a.b": ab]) == .int(2))
        #expect(try evaluate("y", ["x.y": true, "y": false], container: "x") == .bool(true))
        #expect(try evaluate(".y", ["x.y": true, "y": false], container: "x") == .bool(false))
        #expect(try evaluate("[0].exists(y, y == 0)", ["x.y": 42], container: "x") == .bool(true))
    }

    @Test("type values and type()")
    func types() throws {
        #expect(try evaluate("type(1) == int && type('a') == string && type(type(1)) == type") == .bool(true))
        #expect(try evaluate("type([1]) == list && type({}) == map && type(null) == null_type") == .bool(true))
        #expect(try evaluate("type(1) == type(1u)") == .bool(false))
        #expect(try evaluate("type(duration('1s')) == google.protobuf.Duration") == .bool(true))
        #expect(failure("dyn")?.code == .unboundVariable)
    }

    @Test("comprehension macros: all, exists, exists_one, map, filter")
    func macros() throws {
        #expect(try evaluate("[1, 2, 3].all(x, x > 0)") == .bool(true))
        #expect(try evaluate("[1, 2, 3].exists(x, x > 2)") == .bool(true))
        #expect(try evaluate("[1, 2, 3].exists_one(x, x > 1)") == .bool(false))
        #expect(try evaluate("[1, 2, 3].map(x, x * 2)") == .list([2, 4, 6]))
        #expect(try evaluate("[1, 2, 3].map(x, x > 1, x * 2)") == .list([4, 6]))
        #expect(try evaluate("[1, 2, 3].filter(x, x != 2)") == .list([1, 3]))
        #expect(try evaluate("{'a': 1, 'b': 2}.map(k, k)") == .list(["a", "b"]))
        #expect(try evaluate("[1, 0].exists(x, 1 / x == 1)") == .bool(true))
        #expect(failure("[0, 1].all(x, 1 / x == 1)")?.code == .arithmetic)
        #expect(failure("[1, 2].exists_one(x, 1 / 0 == x)")?.code == .arithmetic)
        #expect(failure("1.all(x, true)")?.code == .noSuchOverload)
    }

    @Test("two-variable comprehensions over lists and maps")
    func twoVariableMacros() throws {
        #expect(try evaluate("[10, 20].all(i, v, v == (i + 1) * 10)") == .bool(true))
        #expect(try evaluate("{'a': 1}.exists(k, v, k == 'a' && v == 1)") == .bool(true))
        #expect(try evaluate("[5, 6].transformList(i, v, i + v)") == .list([5, 7]))
        #expect(try evaluate("[5, 6].transformList(i, v, i > 0, v)") == .list([6]))
        #expect(try evaluate("{'a': 1}.transformMap(k, v, v + 1)") == .map(try CELMap([(.string("a"), .int(2))])))
        #expect(try evaluate("{'a': 1}.transformMapEntry(k, v, {v: k})") == .map(try CELMap([(.int(1), .string("a"))])))
        #expect(failure("{'a': 1, 'b': 1}.transformMapEntry(k, v, {v: k})") != nil)
    }

    @Test("cel.bind and cel.block")
    func bindings() throws {
        #expect(try evaluate("cel.bind(x, 2, x * x)") == .int(4))
        #expect(try evaluate("cel.bind(x, 1, cel.bind(x, 2, x) + x)") == .int(3))
        #expect(try evaluate("cel.block([1, cel.index(0) + 1], cel.index(1) * 10)") == .int(20))
        #expect(try evaluate("cel.block([1 / 0, 2], cel.index(1))") == .int(2))
        #expect(try evaluate("cel.block([[1, 2]], cel.index(0).map(cel.iterVar(0, 0), cel.iterVar(0, 0) + 1))") == .list([2, 3]))
    }

    @Test("a long chain of cel.block entries evaluates without deep recursion; entry errors surface only when used")
    func longBlock() throws {
        let entries = ["0"] + (1..<3000).map { "cel.index(\($0 - 1)) + 1" }
        #expect(try evaluate("cel.block([\(entries.joined(separator: ", "))], cel.index(2999))") == .int(2999))
        #expect(failure("cel.block([1 / 0], cel.index(0) + 1)")?.code == .arithmetic)
    }

    @Test("optional values: selection, indexing, entries and functions")
    func optionals() throws {
        #expect(try evaluate("{'a': 1}.?a == optional.of(1)") == .bool(true))
        #expect(try evaluate("{'a': 1}.?b.hasValue()") == .bool(false))
        #expect(try evaluate("[1][?3].orValue(7)") == .int(7))
        #expect(try evaluate("optional.of({'a': {'b': 2}}).a.b.value()") == .int(2))
        #expect(try evaluate("[?optional.none(), ?optional.of(1), 2]") == .list([1, 2]))
        #expect(try evaluate("{?'a': optional.none(), 'b': 1}") == .map(try CELMap([(.string("b"), .int(1))])))
        #expect(try evaluate("optional.ofNonZeroValue('').or(optional.of('x')).value()") == .string("x"))
        #expect(try evaluate("optional.of(2).optMap(x, x * 3).value()") == .int(6))
        #expect(try evaluate("optional.of(2).optFlatMap(x, optional.none()).hasValue()") == .bool(false))
        #expect(failure("optional.none().value()") != nil)
        #expect(try evaluate("type(optional.none()) == optional_type") == .bool(true))
    }

    @Test("the iteration limit stops runaway comprehensions")
    func iterationLimit() {
        var options = CELEnvironment.Options()
        options.maxIterations = 100
        #expect(failure("[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(x, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map(y, x * y))", options: options)?.code == .limit)
    }

    @Test("a compiled program is evaluated concurrently with the same results")
    func concurrentEvaluation() async throws {
        let program = try CELEnvironment().compile("payload.items.map(i, i * k).exists(v, v == 30)")
        let results = await withTaskGroup(of: Bool.self) { group in
            for k in 0..<32 {
                group.addTask {
                    let payload = try? CELValue(json: #"{"items": [1, 2, 3]}"#)
                    let value = try? program.evaluate(["payload": payload ?? .null, "k": .int(Int64(k))])
                    return value == .bool(k == 10 || k == 15 || k == 30)
                }
            }
            var all: [Bool] = []
            for await result in group { all.append(result) }
            return all
        }
        #expect(results.count == 32 && results.allSatisfy { $0 })
    }

    @Test("evaluate(binding:to:) binds one variable; other names stay unbound")
    func singleBinding() throws {
        let program = try CELEnvironment().compile("payload.a + 1")
        #expect(try program.evaluate(binding: "payload", to: try CELValue(json: #"{"a": 1}"#)) == .int(2))
        #expect(throws: CELError.self) { try program.evaluate(binding: "other", to: .int(1)) }
    }

    @Test("with macros disabled, macro names are ordinary (unknown) functions")
    func macrosDisabled() {
        var options = CELEnvironment.Options()
        options.macros = false
        #expect(failure("[1].all(x, x > 0)", options: options) != nil)
        #expect(failure("has({'a': 1}.a)", options: options) != nil)
    }

    @Test("constant sub-expressions that fail are not compile errors")
    func foldingKeepsErrors() throws {
        #expect(try evaluate("false && 1 / 0 == 1") == .bool(false))
        #expect(compileFailure("1 / 0") == nil)
    }
}
