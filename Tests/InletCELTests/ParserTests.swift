import Testing
@testable import InletCEL

@Suite("Parser")
struct ParserTests {
    @Test("numeric literals: int, hex, uint, double with exponent and leading dot")
    func numericLiterals() throws {
        #expect(try evaluate("42") == .int(42))
        #expect(try evaluate("0x1F") == .int(31))
        #expect(try evaluate("7u") == .uint(7))
        #expect(try evaluate("0xFFu") == .uint(255))
        #expect(try evaluate("1.5e3") == .double(1500))
        #expect(try evaluate("2E-2") == .double(0.02))
        #expect(try evaluate(".5") == .double(0.5))
        #expect(try evaluate("-9223372036854775808") == .int(.min))
        #expect(try evaluate("18446744073709551615u") == .uint(.max))
    }

    @Test("integer literals beyond int64 are parse errors")
    func intLiteralOverflow() {
        #expect(compileFailure("9223372036854775808")?.code == .parse)
        #expect(compileFailure("18446744073709551616u")?.code == .parse)
    }

    @Test("string escapes, raw strings, triple quotes and bytes")
    func stringLiterals() throws {
        #expect(try evaluate(#"'a\tb\n\x41\101\u00e9\U0001F600\\\'"'"#) == .string("a\tb\nAAé😀\\'\""))
        #expect(try evaluate(#"r'\n\d'"#) == .string(#"\n\d"#))
        #expect(try evaluate("'''line1\nline2'''") == .string("line1\nline2"))
        #expect(try evaluate(#"b'\xff\000a'"#) == .bytes([0xFF, 0, 0x61]))
        #expect(try evaluate(#"b'é'"#) == .bytes([0xC3, 0xA9]))
    }

    @Test("invalid escapes and unterminated strings are rejected with their position")
    func badStrings() {
        let error = compileFailure(#"'ok' + 'bad \q'"#)
        #expect(error?.code == .parse)
        #expect(error?.position?.column == 13)
        #expect(compileFailure("'open")?.code == .parse)
        #expect(compileFailure("'a\nb'")?.code == .parse)
    }

    @Test("errors point at the offending token on the right line and column")
    func errorPositions() {
        let error = compileFailure("1 +\n  (2 * )")
        #expect(error?.code == .parse)
        #expect(error?.position?.line == 2)
        #expect(error?.position?.column == 8)
        #expect(compileFailure("a = b")?.position?.column == 3)
    }

    @Test("reserved words cannot be identifiers but may be field and method names")
    func reservedWords() throws {
        #expect(compileFailure("if")?.code == .parse)
        #expect(compileFailure("package + 1")?.code == .parse)
        #expect(try evaluate("{'for': 1}.for") == .int(1))
        #expect(try evaluate("m.return", ["m": .map(try CELMap([(.string("return"), .int(2))]))]) == .int(2))
    }

    @Test("operator precedence and associativity")
    func precedence() throws {
        #expect(try evaluate("1 + 2 * 3") == .int(7))
        #expect(try evaluate("10 - 4 - 3") == .int(3))
        #expect(try evaluate("2 * 3 % 4") == .int(2))
        #expect(try evaluate("1 < 2 == true") == .bool(true))
        #expect(try evaluate("true || false && false") == .bool(true))
        #expect(try evaluate("false ? 1 : true ? 2 : 3") == .int(2))
        #expect(try evaluate("!!true") == .bool(true))
        #expect(try evaluate("--5") == .int(5))
    }

    @Test("trailing commas are allowed in list and map literals, not in calls")
    func trailingCommas() throws {
        #expect(try evaluate("[1, 2,]") == .list([1, 2]))
        #expect(try evaluate("size({'a': 1,})") == .int(1))
        #expect(compileFailure("size([1],)")?.code == .parse)
    }

    @Test("backquoted field names select keys that are not identifiers")
    func quotedFields() throws {
        #expect(try evaluate("{'content-type': 'json'}.`content-type`") == .string("json"))
    }

    @Test("100,000 nested parentheses fail with a limit error, not a crash")
    func deepNesting() {
        let source = String(repeating: "(", count: 100_000) + "1" + String(repeating: ")", count: 100_000)
        let error = compileFailure(source, options: { var o = CELEnvironment.Options(); o.maxSourceLength = 1_000_000; return o }())
        #expect(error?.code == .limit)
    }

    @Test("long operator chains and unary chains hit the depth limit")
    func longChains() {
        let chain = (0..<5000).map(String.init).joined(separator: " + ")
        #expect(compileFailure(chain)?.code == .limit)
        #expect(compileFailure(String(repeating: "!", count: 5000) + "true")?.code == .limit)
        #expect(compileFailure(String(repeating: "[", count: 5000))?.code == .limit)
    }

    @Test("long || chains are balanced and stay within the depth limit")
    func balancedLogic() throws {
        let chain = Array(repeating: "false", count: 2000).joined(separator: " || ") + " || true"
        #expect(try evaluate(chain) == .bool(true))
    }

    @Test("source longer than the limit is rejected before parsing")
    func sourceLimit() {
        var options = CELEnvironment.Options()
        options.maxSourceLength = 10
        #expect(compileFailure("1 + 2 + 3 + 4", options: options)?.code == .limit)
    }

    @Test("macros with a non-identifier variable are parse errors")
    func badMacros() {
        #expect(compileFailure("[1].all(1, true)")?.code == .parse)
        #expect(compileFailure("has(a)")?.code == .parse)
        #expect(compileFailure("[1].exists(x, x, true)")?.code == .parse)
    }

    @Test("message construction is rejected at compile time")
    func messageConstruction() {
        #expect(compileFailure("google.protobuf.Int64Value{value: 1}")?.code == .parse)
    }

    @Test("comments are ignored")
    func comments() throws {
        #expect(try evaluate("1 + // one\n 2") == .int(3))
    }
}
