import Testing
@testable import InletCEL

/// `CELProgram.usage(ofVariable:)`: what an expression can observe of a variable, derived at compile time.
@Suite("CELValueUsage analysis")
struct CELValueUsageAnalysisTests {
    static func usage(_ source: String, of variable: String = "payload", container: String = "") throws -> CELValueUsage? {
        var options = CELEnvironment.Options()
        options.container = container
        return try CELEnvironment(options: options).compile(source).usage(ofVariable: variable)
    }

    static let whole = CELValueUsage.whole
    static func fields(_ fields: [String: CELValueUsage]) -> CELValueUsage { .fields(fields) }

    @Test("a selection chain reads only the keys it names; its result is observed whole")
    func selectionChains() throws {
        #expect(try Self.usage("payload.a.b") == Self.fields(["a": Self.fields(["b": Self.whole])]))
        #expect(try Self.usage("payload.a.b + payload.a.c") == Self.fields(["a": Self.fields(["b": Self.whole, "c": Self.whole])]))
        #expect(try Self.usage(".payload.a") == Self.fields(["a": Self.whole]))
        #expect(try Self.usage("payload['a-b'].c") == Self.fields(["a-b": Self.fields(["c": Self.whole])]))
        #expect(try Self.usage("payload.a[?'b'].orValue(1)") == Self.fields(["a": Self.fields(["b": Self.whole])]))
        #expect(try Self.usage("payload.?a.?b.orValue(1)") == Self.fields(["a": Self.fields(["b": Self.whole])]))
    }

    @Test("has() reads only the presence of its key")
    func presence() throws {
        #expect(try Self.usage("has(payload.a)") == Self.fields(["a": Self.fields([:])]))
        #expect(try Self.usage("has(payload.a.b) && payload.c == 1")
            == Self.fields(["a": Self.fields(["b": Self.fields([:])]), "c": Self.whole]))
        #expect(try Self.usage("has(payload.a) ? payload.a.b : 0") == Self.fields(["a": Self.fields(["b": Self.whole])]))
    }

    @Test("calls, operators, comprehensions, literals and the result observe the whole value they get")
    func wholeUses() throws {
        for source in ["payload", "size(payload)", "payload == {}", "payload.all(k, k != 'x')", "[payload][0].a",
                       "{'p': payload}.p.a", "'a' in payload", "payload[0]", "payload[x]", "type(payload) == map",
                       "cel.bind(p, payload, p)", "has(payload.a) ? payload : {}"] {
            #expect(try Self.usage(source) == Self.whole, "\(source)")
        }
        #expect(try Self.usage("size(payload.a.filter(l, l.ok))") == Self.fields(["a": Self.whole]))
        #expect(try Self.usage("payload.a.map(l, l)") == Self.fields(["a": Self.whole]))
        #expect(try Self.usage("payload.a.b.size() > 1") == Self.fields(["a": Self.fields(["b": Self.whole])]))
        #expect(try Self.usage("cel.block([payload.a], cel.index(0).b)") == Self.fields(["a": Self.whole]))
    }

    @Test("a comprehension reads each element of a list as its variable is read, and keeps a map whole")
    func comprehensions() throws {
        let names = CELValueUsage.elements(Self.fields(["name": Self.whole]))
        #expect(try Self.usage("payload.a.map(l, l.name)") == Self.fields(["a": names]))
        #expect(try Self.usage("payload.a.exists(l, has(l.x))")
            == Self.fields(["a": .elements(Self.fields(["x": Self.fields([:])]))]))
        #expect(try Self.usage("payload.a.filter(l, l.ok).map(l, l.name)")
            == Self.fields(["a": .elements(Self.fields(["ok": Self.whole, "name": Self.whole]))]))
        #expect(try Self.usage("payload.a.transformList(i, v, v.name)") == Self.fields(["a": names]))
        #expect(try Self.usage("payload.a.all(i, v, v > 1)") == Self.fields(["a": Self.whole]))
        #expect(try Self.usage("payload.a.map(l, 1)") == Self.fields(["a": .elements(Self.fields([:]))]))
        #expect(try Self.usage("payload.a.map(l, l.b.map(m, m.c))")
            == Self.fields(["a": .elements(Self.fields(["b": .elements(Self.fields(["c": Self.whole]))]))]))
        // Selected from and iterated: a map is iterated by its keys, so it stays whole; lists are read per element.
        let both = try #require(try Self.usage("has(payload.a.x) && payload.a.all(k, k.y == 1)")?.field("a"))
        #expect(both.fieldNames == nil && both.elementUsage == Self.fields(["y": Self.whole]))
        #expect(try Self.usage("payload.?a.optMap(x, x.b)") == Self.fields(["a": Self.fields(["b": Self.whole])]))
    }

    @Test("cel.bind variables stand for what they were bound to")
    func bindAliases() throws {
        #expect(try Self.usage("cel.bind(p, payload.a, p.b + p.c)")
            == Self.fields(["a": Self.fields(["b": Self.whole, "c": Self.whole])]))
        #expect(try Self.usage("cel.bind(p, payload.a, cel.bind(q, p.b, q.c))")
            == Self.fields(["a": Self.fields(["b": Self.fields(["c": Self.whole])])]))
        // Bound but unused: the selection still runs (and fails when `a` is absent), so `a` must be read.
        #expect(try Self.usage("cel.bind(p, payload.a, 1)") == Self.fields(["a": Self.fields([:])]))
        // The bind variable shadows the outer name inside the body only.
        #expect(try Self.usage("cel.bind(payload, {'a': 1}, payload.a)") == nil)
    }

    @Test("comprehension variables shadow the variable; unread variables have no usage")
    func shadowing() throws {
        #expect(try Self.usage("[1].map(payload, payload + 1)") == nil)
        #expect(try Self.usage("[{'a': 1}].exists(payload, payload.a == 1) || payload.b") == Self.fields(["b": Self.whole]))
        #expect(try Self.usage("1 + 2") == nil)
        #expect(try Self.usage("other.a") == nil)
        #expect(try Self.usage("other.a", of: "other") == Self.fields(["a": Self.whole]))
    }

    @Test("every name a chain may resolve to gets its usage, with container prefixes")
    func qualifiedNames() throws {
        #expect(try Self.usage("payload.a.b", of: "payload.a") == Self.fields(["b": Self.whole]))
        #expect(try Self.usage("payload.a.b", of: "payload.a.b") == Self.whole)
        #expect(try Self.usage("payload.a", of: "x.payload", container: "x") == Self.fields(["a": Self.whole]))
        #expect(try Self.usage("payload.a", container: "x") == Self.fields(["a": Self.whole]))
        // An optional selection breaks the chain: `payload.?a` can only select from `payload`.
        #expect(try Self.usage("payload.?a.b", of: "payload.a") == nil)
    }

    @Test("union, field look-up and description")
    func usageValue() {
        let a = Self.fields(["a": Self.fields(["b": Self.whole])])
        let b = Self.fields(["a": Self.fields(["c": Self.fields([:])]), "d": Self.whole])
        #expect(a.union(b) == Self.fields(["a": Self.fields(["b": Self.whole, "c": Self.fields([:])]), "d": Self.whole]))
        #expect(a.union(Self.whole) == Self.whole)
        #expect(Self.whole.field("anything") == Self.whole)
        #expect(a.field("a") == Self.fields(["b": Self.whole]))
        #expect(a.field("z") == nil)
        #expect(a.fieldNames == ["a"])
        #expect(Self.whole.fieldNames == nil)
        #expect(b.description == "{a: {c: {}}, d: whole}")
        #expect(CELValueUsage.elements(a).description == "{whole} | [each: {a: {b: whole}}]")
        #expect(CELValueUsage.elements(Self.whole) == Self.whole)
        #expect(a.elementUsage == nil && Self.whole.elementUsage == Self.whole)
    }
}
