@testable import InletSignatures
import Testing

@Suite("OtherProvider BoundedJSONParser")
struct OtherProviderBoundedJSONTests {
    let parser = BoundedJSONParser(maximumBytes: 1 << 20, maximumDepth: 4)

    func parse(_ text: String) throws(BoundedJSONParser.Failure) -> BoundedJSONValue { try parser.parse(Array(text.utf8)) }

    @Test func readsEveryKindOfValue() throws {
        let value = try parse(#" {"s":"a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00","n":-1.5e+3,"z":0,"t":true,"f":false,"x":null,"a":[1,[]],"o":{}} "#)
        #expect(value["s"] == .string("a\"\\/\u{8}\u{C}\n\r\té😀"))
        #expect(value["n"] == .number("-1.5e+3"))
        #expect(value["z"] == .number("0"))
        #expect(value["t"] == .bool(true) && value["f"] == .bool(false) && value["x"] == .null)
        #expect(value["a"] == .array([.number("1"), .array([])]))
        #expect(value["o"] == .object([:]))
    }

    @Test("invalid or ambiguous JSON is refused",
          arguments: ["", " ", "{", "}", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "01", "1.", "-", "+1", ".5", "1e", "tru", "nul",
                      "\"\\x\"", "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "\"a\u{01}\"", "\"abc", "{} {}", "[1] x",
                      "{\"a\":1,\"a\":1}", "[[[[[1]]]]]", "\u{FEFF}{}", "'a'", "NaN"])
    func refusesInvalidJSON(text: String) {
        #expect(throws: BoundedJSONParser.Failure.self) { try parse(text) }
    }

    @Test func refusesInvalidUTF8InsideStrings() {
        #expect(throws: BoundedJSONParser.Failure.self) { try parser.parse([0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: BoundedJSONParser.Failure.self) { try parser.parse([0x22, 0xED, 0xA0, 0x80, 0x22]) }
    }

    @Test func acceptsTheDeepestAllowedNesting() throws {
        #expect(try parse("[[[[1]]]]") == .array([.array([.array([.array([.number("1")])])])]))
    }

    @Test func refusesBodiesOverTheSizeLimitBeforeReadingThem() {
        let small = BoundedJSONParser(maximumBytes: 8, maximumDepth: 4)
        #expect(throws: BoundedJSONParser.Failure.self) { try small.parse(Array("[1,2,3,4,5]".utf8)) }
    }

    @Test func failuresQuoteNoContent() {
        do {
            _ = try parse(#"{"secret-looking-key":tru}"#)
            Issue.record("parsed invalid JSON")
        } catch {
            #expect(!error.description.contains("secret-looking-key"))
            #expect(error.description.contains("byte"))
        }
    }

    @Test func isTotalOnHostileBytes() {
        for body in OtherProviderRequests.hostileBodies {
            // Either outcome is fine; what is tested is that it returns (no crash, no stack overflow).
            _ = try? BoundedJSONParser().parse(body)
        }
        #expect(throws: BoundedJSONParser.Failure.self) { try BoundedJSONParser().parse(Array(repeating: UInt8(ascii: "["), count: 100_000)) }
    }
}
