import Testing
@testable import InletCEL

@Suite("CELValue")
struct CELValueTests {
    @Test("CEL equality: numeric across kinds, NaN unequal unless asked, maps order-insensitive")
    func equality() throws {
        #expect(CELValue.int(1) == .uint(1))
        #expect(CELValue.uint(1) == .double(1))
        #expect(CELValue.int(-1) != .uint(UInt64.max))
        #expect(CELValue.double(.nan) != .double(.nan))
        #expect(CELValue.double(.nan).celEquals(.double(.nan), nanEqualsNaN: true))
        let a = try CELMap([(.string("x"), .int(1)), (.string("y"), .int(2))])
        let b = try CELMap([(.string("y"), .int(2)), (.string("x"), .double(1))])
        #expect(CELValue.map(a) == .map(b))
        #expect(CELValue.type(.list(.int)) == .type(.list(.string)))
        #expect(CELValue.optional(nil) == .none)
    }

    @Test("map look-up finds numeric keys across kinds and rejects unhashable keys")
    func mapKeys() throws {
        let map = try CELMap([(.int(1), .string("one")), (.uint(2), .string("two")), (.bool(true), .string("yes"))])
        #expect(map[.uint(1)] == .string("one"))
        #expect(map[.double(2.0)] == .string("two"))
        #expect(map[.double(2.5)] == nil)
        #expect(map[.bool(true)] == .string("yes"))
        #expect(throws: CELError.self) { try CELMap([(.list([]), .null)]) }
        #expect(throws: CELError.self) { try CELMap([(.double(1), .null)]) }
    }

    @Test("a later duplicate key replaces the value in CELMap(entries)")
    func duplicateEntries() throws {
        let map = try CELMap([(.string("a"), .int(1)), (.string("a"), .int(2))])
        #expect(map.count == 1)
        #expect(map["a"] == .int(2))
    }

    @Test("timestamps and durations normalize and check ranges")
    func timeValues() throws {
        let t = try CELTimestamp(seconds: 10, nanos: -1)
        #expect(t.seconds == 9 && t.nanos == 999_999_999)
        #expect(throws: CELError.self) { try CELTimestamp(seconds: CELTimestamp.maxSeconds + 1) }
        let d = try CELDuration(seconds: 1, nanos: -1_500_000_000)
        #expect(d.seconds == 0 && d.nanos == -500_000_000)
        #expect(try CELTimestamp(rfc3339: "2009-02-13T23:31:30.123456Z").rfc3339 == "2009-02-13T23:31:30.123456Z")
        #expect(try CELDuration(parsing: "-2h").protobufJSON == "-7200s")
    }

    @Test("type strings parse to CEL types")
    func typeParsing() {
        #expect(CELType(parsing: "map(string, list(int))") == .map(.string, .list(.int)))
        #expect(CELType(parsing: "optional_type(bool)") == .optional(.bool))
        #expect(CELType(parsing: "google.protobuf.Timestamp") == .timestamp)
        #expect(CELType(parsing: "A") == .typeParameter("A"))
        #expect(CELType(parsing: "list(") == nil)
    }
}
