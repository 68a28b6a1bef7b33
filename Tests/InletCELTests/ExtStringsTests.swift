import Testing
@testable import InletCEL

@Suite struct ExtStringsTests {
    func eval(_ source: String) throws -> CELValue { try evaluateExtension(source, [.strings]) }
    func fails(_ source: String) -> CELError? { extensionError(source, [.strings]) }

    @Test func charAtCountsCodePointsAndAllowsTheEnd() throws {
        #expect(try eval("'©αT'.charAt(1)") == "α")
        #expect(try eval("'hello'.charAt(5)") == "")
        #expect(fails("'hello'.charAt(6)")?.message == "index out of range: 6")
        #expect(fails("'hello'.charAt(-1)") != nil)
    }

    @Test func indexOfSearchesFromACodePointOffset() throws {
        #expect(try eval("'ta©o©αT'.indexOf('©αT')") == .int(4))
        #expect(try eval("'hello mellow'.indexOf('ello', 2)") == .int(7))
        #expect(try eval("'hello mellow'.indexOf('', 2)") == .int(2))
        #expect(try eval("'hello'.indexOf('z')") == .int(-1))
        #expect(try eval("''.indexOf('a')") == .int(-1))
        #expect(try eval("'hello'.indexOf('l', 5)") == .int(-1))
        #expect(fails("'hello'.indexOf('l', 6)") != nil)
        #expect(fails("'hello'.indexOf('', 6)") != nil)
        #expect(fails("'hello'.indexOf('l', -1)") != nil)
    }

    @Test func lastIndexOfSearchesBackwardsFromAnOffset() throws {
        #expect(try eval("'bananananana'.lastIndexOf('nana', 7)") == .int(6))
        #expect(try eval("'ta©o©αT'.lastIndexOf('©', 3)") == .int(2))
        #expect(try eval("'tacocat'.lastIndexOf('')") == .int(7))
        #expect(try eval("''.lastIndexOf('@@')") == .int(-1))
        #expect(try eval("'tacocat'.lastIndexOf('a', 7)") == .int(5))
        #expect(fails("'tacocat'.lastIndexOf('a', 8)") != nil)
    }

    @Test func asciiCasingLeavesOtherLettersAlone() throws {
        #expect(try eval("'TacoCÆt'.lowerAscii()") == "tacocÆt")
        #expect(try eval("'tacoCαt'.upperAscii()") == "TACOCαT")
    }

    @Test func replaceHonoursTheCount() throws {
        #expect(try eval("'{0} days {0} hours'.replace('{0}', '2')") == "2 days 2 hours")
        #expect(try eval("'{0} days {0} hours'.replace('{0}', '2', 1)") == "2 days {0} hours")
        #expect(try eval("'aaa'.replace('a', 'b', 0)") == "aaa")
        #expect(try eval("'ab'.replace('', '-')") == "-a-b-")
        #expect(try eval("'ab'.replace('', '-', 2)") == "-a-b")
        #expect(fails("'42'.replace(2, 1)") != nil)
    }

    @Test func splitHonoursTheLimit() throws {
        #expect(try eval("'a,b,c'.split(',')") == ["a", "b", "c"])
        #expect(try eval("'a,b,c'.split(',', 2)") == ["a", "b,c"])
        #expect(try eval("'a,b,c'.split(',', 0)") == [])
        #expect(try eval("'o©o©o'.split('©', -1)") == ["o", "o", "o"])
        #expect(try eval("'abc'.split('')") == ["a", "b", "c"])
        #expect(try eval("'abc'.split('', 2)") == ["a", "bc"])
        #expect(try eval("''.split(',')") == [""])
    }

    @Test func substringUsesCodePointRanges() throws {
        #expect(try eval("'ta©o©αT'.substring(2, 6)") == "©o©α")
        #expect(try eval("'tacocat'.substring(4)") == "cat")
        #expect(fails("'tacocat'.substring(40)")?.message == "index out of range: 40")
        #expect(fails("'tacocat'.substring(3, 2)") != nil)
    }

    @Test func trimRemovesUnicodeWhiteSpaceOnly() throws {
        #expect(try eval(#"' \f\n\r\t\vtext\u3000'.trim()"#) == "text")
        #expect(try eval(#"'\u200btext'.trim()"#) == "\u{200B}text")
    }

    @Test func joinConcatenatesStringsAndRejectsOthers() throws {
        #expect(try eval("['x', 'y'].join('-')") == "x-y")
        #expect(try eval("[].join()") == "")
        #expect(fails("['x', 1].join()") != nil)
    }

    @Test func quoteEscapesControlCharacters() throws {
        #expect(try eval(#"strings.quote("a\"b\\c\n")"#) == #""a\"b\\c\n""#)
    }

    @Test func reverseReversesCodePoints() throws {
        #expect(try eval("'©αT'.reverse()") == "Tα©")
    }

    @Test func formatSupportsEveryClause() throws {
        #expect(try eval(#""%s|%d|%.2f|%e|%b|%o|%x|%X".format(["a", -3, 2.005, 1052.032911275, 5, 8, 255, b"\x01\xff"])"#)
            == "a|-3|2.00|1.052033e+03|101|10|ff|01FF")
        #expect(try eval(#""%x".format([-255])"#) == "-ff")
        #expect(try eval(#""%.0f %.0f".format([2.5, 3.5])"#) == "2 4")
        #expect(try eval(#""%d".format([1e20])"#) == "100000000000000000000")
        #expect(try eval(#""%s".format([[1, 'a', 2.5, null]])"#) == "[1, a, 2.5, null]")
        #expect(try eval(#""%s".format([{'b': 1, 'a': duration('1.5s')}])"#) == "{a: 1.5s, b: 1}")
        #expect(try eval(#""%s".format([timestamp('2023-02-03T23:31:20.5Z')])"#) == "2023-02-03T23:31:20.5Z")
        #expect(try eval(#""%%%s%%".format(["x"])"#) == "%x%")
    }

    @Test func formatRejectsBadClausesAndArguments() {
        #expect(fails(#""%a".format([1])"#) != nil)
        #expect(fails(#""%d %d".format([1])"#) != nil)
        #expect(fails(#""%b".format(["s"])"#) != nil)
        #expect(fails(#""%f".format([null])"#) != nil)
        #expect(fails(#""%x".format([0.5])"#) != nil)
        #expect(fails(#""%.f".format([1.0])"#) != nil)
        #expect(fails(#""abc %".format([1])"#) != nil)
    }

    @Test func shortestFixedNeverUsesAnExponent() {
        #expect(StringFormatter.shortestFixed(1e-7) == "0.0000001")
        #expect(StringFormatter.shortestFixed(-0.0) == "-0")
        #expect(StringFormatter.shortestFixed(123.456) == "123.456")
        #expect(StringFormatter.shortestFixed(5e20) == "500000000000000000000")
    }
}
