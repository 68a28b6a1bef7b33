import Testing
@testable import InletCEL

@Suite("StandardLibrary")
struct StandardLibraryTests {
    @Test("size counts code points, bytes, elements and entries, globally and as a method")
    func size() throws {
        #expect(try evaluate("size('πέντε')") == .int(5))
        #expect(try evaluate("'😀a'.size()") == .int(2))
        #expect(try evaluate("size(b'abc')") == .int(3))
        #expect(try evaluate("size([1, 2]) + {'a': 1}.size()") == .int(3))
        #expect(failure("size(1)")?.code == .noSuchOverload)
    }

    @Test("contains, startsWith and endsWith compare code points")
    func stringTests() throws {
        #expect(try evaluate("'Straße'.contains('aß') && 'abc'.contains('')") == .bool(true))
        #expect(try evaluate("'abc'.contains('abcd')") == .bool(false))
        #expect(try evaluate("'завтра'.startsWith('за') && 'forté'.endsWith('té')") == .bool(true))
        #expect(try evaluate("''.startsWith('a')") == .bool(false))
        #expect(failure("'a'.startsWith(1)")?.code == .noSuchOverload)
    }

    @Test("matches searches anywhere, with constant and dynamic patterns")
    func matches() throws {
        #expect(try evaluate("'hubba'.matches('ubb')") == .bool(true))
        #expect(try evaluate("matches('abc', '^b')") == .bool(false))
        #expect(try evaluate("s.matches(p)", ["s": "Fixes #12", "p": "(?i)fixes #[0-9]+"]) == .bool(true))
        #expect(failure("'a'.matches('(')") != nil)
        #expect(failure("s.matches('a(?=b)')", ["s": "ab"]) != nil)
    }

    @Test("int() conversions truncate and check ranges")
    func intConversions() throws {
        #expect(try evaluate("int(-3.9)") == .int(-3))
        #expect(try evaluate("int('-42')") == .int(-42))
        #expect(try evaluate("int(9223372036854775807u)") == .int(.max))
        #expect(try evaluate("int(timestamp('2009-02-13T23:31:30Z'))") == .int(1_234_567_890))
        #expect(failure("int(18446744073709551615u)")?.code == .arithmetic)
        #expect(failure("int(9223372036854775807.0)")?.code == .arithmetic)
        #expect(failure("int('1.5')") != nil)
    }

    @Test("uint() and double() conversions")
    func uintDoubleConversions() throws {
        #expect(try evaluate("uint(25.9)") == .uint(25))
        #expect(try evaluate("uint('7')") == .uint(7))
        #expect(failure("uint(-1)")?.code == .arithmetic)
        #expect(try evaluate("double(3) == 3.0 && double('1e3') == 1000.0 && double(2u) == 2.0") == .bool(true))
        #expect(failure("double('abc')") != nil)
    }

    @Test("string(), bytes() and bool() conversions")
    func stringConversions() throws {
        #expect(try evaluate("string(-456) + string(7u) + string(true)") == .string("-4567true"))
        #expect(try evaluate("string(1.5)") == .string("1.5"))
        #expect(try evaluate("[string(100.0), string(1e6), string(0.00001), string(-0.0)]") == .list(["100", "1e+06", "1e-05", "-0"]))
        #expect(try evaluate("string(b'abc')") == .string("abc"))
        #expect(failure("string(b'\\xff')") != nil)
        #expect(try evaluate("bytes('é')") == .bytes([0xC3, 0xA9]))
        #expect(try evaluate("bool('TRUE') && !bool('f')") == .bool(true))
        #expect(failure("bool('yes')") != nil)
        #expect(try evaluate("dyn(1) == 1") == .bool(true))
    }

    @Test("timestamps parse RFC 3339, format back and enforce the year 1 to 9999 range")
    func timestamps() throws {
        #expect(try evaluate("string(timestamp('2009-02-13T23:31:30.5+01:00'))") == .string("2009-02-13T22:31:30.500Z"))
        #expect(try evaluate("timestamp(1234567890) == timestamp('2009-02-13T23:31:30Z')") == .bool(true))
        #expect(failure("timestamp('2009-02-30T00:00:00Z')") != nil)
        #expect(failure("timestamp('10000-01-01T00:00:00Z')") != nil)
        #expect(failure("timestamp(253402300800)") != nil)
        #expect(failure("timestamp('9999-12-31T23:59:59Z') + duration('1s')") != nil)
    }

    @Test("timestamp accessors in UTC, fixed offsets and IANA zones")
    func timestampAccessors() throws {
        let t = "timestamp('2009-02-13T23:31:30.123Z')"
        #expect(try evaluate("\(t).getFullYear()") == .int(2009))
        #expect(try evaluate("\(t).getMonth()") == .int(1))
        #expect(try evaluate("\(t).getDate()") == .int(13))
        #expect(try evaluate("\(t).getDayOfMonth()") == .int(12))
        #expect(try evaluate("\(t).getDayOfWeek()") == .int(5))
        #expect(try evaluate("\(t).getDayOfYear()") == .int(43))
        #expect(try evaluate("\(t).getHours()") == .int(23))
        #expect(try evaluate("\(t).getMilliseconds()") == .int(123))
        #expect(try evaluate("\(t).getHours('+05:30')") == .int(5))
        #expect(try evaluate("\(t).getMinutes('Asia/Kathmandu')") == .int(16))
        #expect(try evaluate("\(t).getDate('America/Los_Angeles')") == .int(13))
        #expect(failure("\(t).getHours('Mars/Base')") != nil)
    }

    @Test("durations parse Go syntax, do arithmetic and enforce their range")
    func durations() throws {
        #expect(try evaluate("duration('1h30m') == duration('5400s')") == .bool(true))
        #expect(try evaluate("string(duration('-1.5s'))") == .string("-1.500s"))
        #expect(try evaluate("duration('1ms') + duration('1us') == duration('1001us')") == .bool(true))
        #expect(try evaluate("duration('3730s').getMinutes()") == .int(62))
        #expect(try evaluate("duration('1.234s').getMilliseconds()") == .int(234))
        #expect(try evaluate("timestamp('2009-02-13T23:31:00Z') - timestamp('2009-02-13T23:29:00Z') == duration('120s')") == .bool(true))
        #expect(failure("duration('320000000000s')") != nil)
        #expect(failure("duration('1x')") != nil)
        #expect(failure("timestamp('0001-01-01T00:00:00Z') - timestamp('9999-12-31T23:59:59Z')") != nil)
    }

    @Test("extension libraries register overloads that dispatch by kind")
    func customLibrary() throws {
        let library = CELLibrary(name: "test", overloads: [
            .global("twice", id: "twice_int", .int, result: .int) { v throws(CELError) in
                guard case .int(let i) = v else { throw CELError(.noSuchOverload, "twice") }
                return .int(i * 2)
            },
            .global("twice", id: "twice_string", .string, result: .string) { v throws(CELError) in
                guard case .string(let s) = v else { throw CELError(.noSuchOverload, "twice") }
                return .string(s + s)
            },
            .member("shout", id: "string_shout", on: .string, result: .string) { v throws(CELError) in
                guard case .string(let s) = v else { throw CELError(.noSuchOverload, "shout") }
                return .string(s.uppercased())
            },
            .global("ns.answer", id: "ns_answer", .dyn) { _ throws(CELError) in .int(42) },
        ])
        let environment = CELEnvironment(libraries: [library])
        #expect(try environment.compile("twice(2)").evaluate() == .int(4))
        #expect(try environment.compile("twice(x)").evaluate(["x": "ab"]) == .string("abab"))
        #expect(try environment.compile("'hi'.shout()").evaluate() == .string("HI"))
        #expect(try environment.compile("ns.answer(null)").evaluate() == .int(42))
        #expect(throws: CELError.self) { try environment.compile("twice(1.5)").evaluate() }
        #expect(throws: CELError.self) { try environment.compile("unknown(1)").evaluate() }
    }
}
