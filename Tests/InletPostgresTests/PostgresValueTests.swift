import Foundation
import Testing

@testable import InletPostgres

@Suite("PostgresValue text encoding")
struct PostgresValueTests {
    @Test("encodes text arrays with quotes, backslashes and NULL elements escaped")
    func textArrayLiteral() throws {
        let value = PostgresValue.textArray(["plain", #"quo"te"#, #"back\slash"#, nil, "NULL", "", "{,}"])
        #expect(
            try value.textEncoding(position: 1)
                == #"{"plain","quo\"te","back\\slash",NULL,"NULL","","{,}"}"#)
        #expect(try PostgresValue.textArray([]).textEncoding(position: 1) == "{}")
        #expect(try PostgresValue.int64Array([1, nil, -3]).textEncoding(position: 1) == "{1,NULL,-3}")
    }

    @Test("rejects NUL in text, JSON and array elements, naming only the position")
    func rejectsNUL() {
        for value in [PostgresValue.text("a\u{0}b"), .json("{\"a\":\"\u{0}\"}"), .textArray(["ok", "x\u{0}"])] {
            #expect {
                _ = try value.textEncoding(position: 3)
            } throws: { error in
                let error = error as! PostgresError
                return error.code == .invalidParameter && error.operation.contains("$3")
                    && !error.description.contains("a\u{0}b")
            }
        }
    }

    @Test("encodes special doubles, booleans and bytes the way the server reads them")
    func scalars() throws {
        #expect(try PostgresValue.double(.infinity).textEncoding(position: 1) == "Infinity")
        #expect(try PostgresValue.double(-.infinity).textEncoding(position: 1) == "-Infinity")
        #expect(try PostgresValue.double(.nan).textEncoding(position: 1) == "NaN")
        #expect(try PostgresValue.double(0.1).textEncoding(position: 1) == "0.1")
        #expect(try PostgresValue.bool(false).textEncoding(position: 1) == "f")
        #expect(try PostgresValue.bytes([0x00, 0xff, 0x10]).textEncoding(position: 1) == #"\x00ff10"#)
        #expect(try PostgresValue.null.textEncoding(position: 1) == nil)
    }

    @Test("formats and parses timestamps in UTC with microseconds")
    func timestamps() throws {
        let date = Date(timeIntervalSince1970: 1_763_758_554.123456)
        let text = try #require(PostgresTimestamp.format(date))
        #expect(text == "2025-11-21 20:55:54.123456+00")
        let parsed = try #require(PostgresTimestamp.parse(text))
        #expect(abs(parsed.timeIntervalSince1970 - date.timeIntervalSince1970) < 0.000_001)
        #expect(PostgresTimestamp.parse("1969-12-31 23:59:59.5+00")?.timeIntervalSince1970 == -0.5)
        #expect(PostgresTimestamp.parse("2000-01-01 02:00:00+02")?.timeIntervalSince1970 == 946_684_800)
        let offset = try #require(PostgresTimestamp.parse("2000-01-01 00:00:00+05:30:15"))
        #expect(offset.timeIntervalSince1970 == 946_664_985, "\(offset.timeIntervalSince1970)")
        #expect(PostgresTimestamp.parse("2000-01-01")?.timeIntervalSince1970 == 946_684_800)
        #expect(PostgresTimestamp.parse("infinity") == .distantFuture)
        #expect(PostgresTimestamp.parse("0044-03-15 00:00:00+00 BC") == nil)
        #expect(PostgresTimestamp.parse("not a date") == nil)
    }
}

@Suite("PostgresIdentifier quoting")
struct PostgresIdentifierTests {
    @Test("double-quotes names and doubles embedded quotes, like PQescapeIdentifier")
    func quoting() throws {
        #expect(try PostgresIdentifier.quoted("events") == #""events""#)
        #expect(try PostgresIdentifier.quoted(#"we"ird"#) == #""we""ird""#)
        #expect(try PostgresIdentifier.quotedTable("inlet.events") == #""inlet"."events""#)
    }
}
