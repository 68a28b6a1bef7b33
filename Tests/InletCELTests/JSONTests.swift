import Testing
@testable import InletCEL

@Suite("JSON")
struct JSONTests {
    @Test("objects, arrays, strings, booleans and null bind as CEL values")
    func structure() throws {
        let value = try CELValue(json: #" {"a": [true, false, null], "b": {"c": "d"}, "e": ""} "#)
        guard case .map(let map) = value else {
            Issue.record("expected a map")
            return
        }
        #expect(map.keys == ["a", "b", "e"])
        #expect(map["a"] == .list([true, false, .null]))
        #expect(map["e"] == .string(""))
        #expect(try evaluate("p.b.c", ["p": value]) == .string("d"))
    }

    @Test("integral numbers bind as int by default and as double in protobuf mode")
    func numbers() throws {
        let json = #"[1347, -5, 1.5, 1e3, 9223372036854775807, 9223372036854775808, -0]"#
        #expect(try CELValue(json: json) == .list([.int(1347), .int(-5), .double(1.5), .double(1000), .int(.max),
                                                   .double(9_223_372_036_854_775_808), .int(0)]))
        guard case .list(let items) = try CELValue(json: json, numbers: .double) else {
            Issue.record("expected a list")
            return
        }
        #expect(items.allSatisfy { $0.kind == .double })
        #expect(try evaluate("string(p.n) + '/' + string(p.n + 1)", ["p": try CELValue(json: #"{"n": 41}"#)]) == .string("41/42"))
    }

    @Test("escapes and surrogate pairs decode; lone surrogates are errors")
    func strings() throws {
        #expect(try CELValue(json: #""a\"b\\c\/d\n\u00e9\ud83d\ude00""#) == .string("a\"b\\c/d\né😀"))
        #expect(throws: CELError.self) { try CELValue(json: #""\ud83d""#) }
        #expect(throws: CELError.self) { try CELValue(json: "\"a\u{01}b\"") }
    }

    @Test("any byte collection can be read, contiguous or not")
    func byteCollections() throws {
        let bytes = Array(#"[0, {"a": 1}]"#.utf8)
        #expect(try CELValue(jsonUTF8: bytes[4..<12]) == .map(try CELMap([(.string("a"), .int(1))])))
        #expect(try CELValue(jsonUTF8: bytes.lazy.map { $0 }) == .list([0, .map(try CELMap([(.string("a"), .int(1))]))]))
    }

    @Test("duplicate keys keep the last value")
    func duplicateKeys() throws {
        let value = try CELValue(json: #"{"a": 1, "b": 2, "a": 3}"#)
        #expect(try evaluate("p.a + size(p)", ["p": value]) == .int(5))
    }

    @Test("malformed documents fail with invalidJSON and a byte offset")
    func malformed() {
        for text in ["", "{", "[1,]", "{\"a\" 1}", "01", "1.", "tru", "[1] 2", "{\"a\":1,}", "\"abc"] {
            do {
                _ = try CELValue(json: text)
                Issue.record("accepted \(text)")
            } catch {
                #expect(error.code == .invalidJSON)
                #expect(error.message.contains("byte"))
            }
        }
    }

    @Test("nesting deeper than 512 levels is rejected, not a stack overflow")
    func depthLimit() {
        let text = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: CELError.self) { try CELValue(json: text) }
    }

    @Test("jsonString renders values as compact JSON")
    func rendering() throws {
        let value = try evaluate(#"{'s': 'a"b', 'n': [1, 2u, 1.5, 2.0], 'x': null, 't': timestamp(0), 'd': duration('1.5s'), 'b': b'hi', 1: true}"#)
        #expect(value.jsonString() == #"{"s":"a\"b","n":[1,2,1.5,2],"x":null,"t":"1970-01-01T00:00:00Z","d":"1.500s","b":"aGk=","1":true}"#)
    }

    @Test("the benchmark payload parses and round-trips through jsonString")
    func roundTrip() throws {
        let text = #"{"action":"opened","number":1347,"pull_request":{"labels":[{"name":"bug"}],"draft":false}}"#
        let value = try CELValue(json: text)
        #expect(value.jsonString() == text)
        #expect(try CELValue(json: value.jsonString()) == value)
    }
}
