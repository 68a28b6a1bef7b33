import Testing
@testable import InletCEL

/// CELMap keeps its entries in one tail-allocated storage; builders write into it directly and copy it before
/// changing a storage a built map shares.
@Suite("CELMap storage")
struct CELMapStorageTests {
    @Test("a built map never changes when its builder goes on inserting or replacing")
    func builderCopiesSharedStorage() throws {
        var builder = CELMap.Builder()
        try builder.insert("a", 1, replacing: true)
        let first = builder.build()
        try builder.insert("b", 2, replacing: true)
        try builder.insert("a", 10, replacing: true)
        let second = builder.build()
        #expect(first.count == 1 && first["a"] == 1 && first["b"] == nil)
        #expect(second.count == 2 && second["a"] == 10 && second["b"] == 2)
        #expect(second.keys == ["a", "b"])
    }

    @Test("growing past the initial capacity keeps insertion order, values and key semantics")
    func growth() throws {
        var builder = CELMap.Builder(capacity: 1)
        for index in 0..<100 { try builder.insert(.int(Int64(index)), .string("v\(index)"), replacing: false) }
        let map = builder.build()
        #expect(map.count == 100)
        #expect(map.keys == (0..<100).map { .int(Int64($0)) })
        #expect(map[.uint(42)] == "v42" && map[.double(7)] == "v7" && map[.int(100)] == nil)
        #expect(throws: CELError.self) { try builder.insert(.int(5), .null, replacing: false) }
        var iterated = 0
        for (key, value) in map {
            #expect(value == .string("v\(iterated)") && key == .int(Int64(iterated)))
            iterated += 1
        }
        #expect(iterated == 100)
    }

    @Test("maps read from JSON and made by literals and comprehensions hold every entry once, in order")
    func producers() throws {
        let keys = (0..<70).map { "k\($0)" }
        let json = "{" + keys.enumerated().map { "\"\($1)\": \($0)" }.joined(separator: ",") + "}"
        guard case .map(let map) = try CELValue(json: json) else {
            Issue.record("expected a map")
            return
        }
        #expect(map.keys == keys.map { .string($0) } && map.values == (0..<70).map { .int(Int64($0)) })
        #expect(try evaluate("{'a': 1, 'b': x}.b", ["x": 2]) == 2)
        #expect(try evaluate("size({'a': 1, 'b': 2}) + size({})") == 2)
        #expect(try evaluate("[1, 2, 3].transformMap(i, v, v * 2) == {0: 2, 1: 4, 2: 6}") == true)
        #expect(try evaluate("{'a': 1, 'b': 2}.all(k, k in ['a', 'b'])") == true)
        #expect(CELMap().isEmpty && CELMap().count == 0 && CELMap().keys.isEmpty)
    }
}
