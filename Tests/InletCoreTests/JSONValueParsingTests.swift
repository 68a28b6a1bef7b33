import Foundation
import InletCore
import Testing

@Suite("JSONValue.parse")
struct JSONValueParsingTests {
    private func parse(_ text: String, depth: Int = JSONValue.defaultMaximumDepth) -> JSONValue? {
        JSONValue.parse(Array(text.utf8), maximumDepth: depth)
    }

    @Test func parsesEveryKindOfValue() {
        let value = parse(#" {"s":"x","i":-42,"d":1.5,"e":2e3,"t":true,"f":false,"n":null,"a":[1,"two",[]],"o":{}} "#)
        #expect(value == .object([
            "s": .string("x"), "i": .int(-42), "d": .double(1.5), "e": .double(2000), "t": .bool(true),
            "f": .bool(false), "n": .null, "a": .array([.int(1), .string("two"), .array([])]), "o": .object([:]),
        ]))
    }

    @Test func integralNumbersAreIntsUnlessTheyDoNotFit() {
        #expect(parse("9223372036854775807") == .int(.max))
        #expect(parse("-9223372036854775808") == .int(.min))
        #expect(parse("9223372036854775808") == .double(9223372036854775808))
        #expect(parse("1.0") == .double(1))
        #expect(parse("-0") == .int(0))
    }

    @Test func decodesEscapesAndSurrogatePairs() {
        #expect(parse(#""a\"b\\c\/d\n\t\u00e9\ud83d\ude00""#) == .string("a\"b\\c/d\n\té😀"))
        #expect(parse(#""\u0000""#) == .string("\u{0}"))
        #expect(parse("\"héllo\"") == .string("héllo"))
    }

    @Test(arguments: [
        "", "   ", "{", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "-", "1e", "+1", "tru", "nul", "\"abc",
        "\"a\u{1}b\"", #""\ud83d""#, #""\ude00""#, #""\ud83d\u0041""#, #""\x""#, "{\"a\" 1}", "{1:2}", "[1 2]",
        "1 2", "\"\\u12G4\"", "NaN", "Infinity",
    ])
    func refusesMalformedDocuments(text: String) {
        #expect(parse(text) == nil)
    }

    @Test func refusesInvalidUTF8() {
        #expect(JSONValue.parse([0x22, 0xC3, 0x28, 0x22]) == nil)
        #expect(JSONValue.parse([0x22, 0xFF, 0x22]) == nil)
    }

    @Test func boundsNesting() {
        let nested = String(repeating: "[", count: 10) + String(repeating: "]", count: 10)
        #expect(parse(nested, depth: 10) != nil)
        #expect(parse(nested, depth: 9) == nil)
        // Far past the limit: refused without recursing that deep.
        #expect(parse(String(repeating: "[", count: 100_000)) == nil)
    }

    @Test func duplicateKeysKeepTheLastValue() {
        #expect(parse(#"{"a":1,"a":2}"#) == .object(["a": .int(2)]))
    }

    @Test func agreesWithFoundationOnARealPayload() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("../deploy/local/samples/github/pull_request.json").standardized
        let bytes = Array(try Data(contentsOf: url))
        let ours = try #require(JSONValue.parse(bytes))
        let foundation = try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
        #expect(ours == foundation)
        #expect(ours.jsonText() == foundation.jsonText())
    }
}
