@testable import InletReceiver
import Testing

@Suite("TopLevelJSONFields")
struct TopLevelJSONFieldsTests {
    func strings(_ names: [String], _ json: String) throws -> [String?] {
        try TopLevelJSONFields.strings(named: names, in: Array(json.utf8))
    }

    @Test func readsTopLevelStringFields() throws {
        #expect(try strings(["type", "id"], #"{"id": "evt_1", "type": "invoice.paid", "data": {"type": "nested"}}"#) == ["invoice.paid", "evt_1"])
    }

    @Test func ignoresFieldsOfNestedObjectsAndArrays() throws {
        let json = #"{"data": {"type": "inner", "list": [{"type": "x"}, "type", 1, true, null]}, "type": "outer"}"#
        #expect(try strings(["type"], json) == ["outer"])
        #expect(try strings(["type"], #"{"data": {"type": "inner"}}"#) == [nil])
    }

    @Test func returnsNilForNonStringValues() throws {
        #expect(try strings(["type", "n"], #"{"type": 12, "n": null}"#) == [nil, nil])
    }

    @Test func decodesEscapes() throws {
        #expect(try strings(["t"], #"{"t": "a\"b\\c\/d\n\u00e9\ud83d\ude00"}"#) == ["a\"b\\c/d\né😀"])
        #expect(try strings(["é"], #"{"\u00e9": "key with escape"}"#) == ["key with escape"])
    }

    @Test func keepsTheFirstOfRepeatedKeys() throws {
        #expect(try strings(["type"], #"{"type": "first", "type": "second"}"#) == ["first"])
    }

    @Test func handlesEmptyObjectsAndWhitespace() throws {
        #expect(try strings(["type"], " {} ") == [nil])
        #expect(try strings(["type"], "\n{\t\"type\"\r:\n\"x\" }") == ["x"])
    }

    @Test(arguments: ["", "[]", "\"type\"", "{\"type\" \"x\"}", "{\"type\": \"x\"", "{\"a\": 1 \"type\": \"x\"}",
                      "{\"a\": }", "{\"a\": \"\u{01}\"}", "{\"a\": ]}"])
    func rejectsBodiesThatAreNotObjects(json: String) {
        #expect(throws: TopLevelJSONFields.Failure.self) { try strings(["type"], json) }
    }

    @Test func rejectsNestingBeyondTheLimit() throws {
        let deep = "{\"a\": " + String(repeating: "[", count: TopLevelJSONFields.maximumDepth + 1)
            + String(repeating: "]", count: TopLevelJSONFields.maximumDepth + 1) + ", \"type\": \"x\"}"
        #expect(throws: TopLevelJSONFields.Failure.tooDeep) { try strings(["type"], deep) }
        let allowed = "{\"a\": " + String(repeating: "[", count: TopLevelJSONFields.maximumDepth)
            + String(repeating: "]", count: TopLevelJSONFields.maximumDepth) + ", \"type\": \"x\"}"
        #expect(try strings(["type"], allowed) == ["x"])
    }
}
