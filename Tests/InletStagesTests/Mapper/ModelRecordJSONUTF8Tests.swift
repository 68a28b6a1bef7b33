import Foundation
import InletCore
import Testing
@testable import InletMapper

/// The mapper writes record values with `ModelRecord.jsonUTF8()`; the persister and deliverer read the format that
/// `ModelRecord.jsonText()` defines, so the two must agree byte for byte.
@Suite("ModelRecord.jsonUTF8")
struct ModelRecordJSONUTF8Tests {
    static let model = try! ModelName("Sample")

    static func expectSameBytes(_ record: ModelRecord, sourceLocation: SourceLocation = #_sourceLocation) {
        let bytes = record.jsonUTF8()
        #expect(bytes == Array(record.jsonText().utf8),
                "jsonUTF8 wrote \(String(decoding: bytes, as: UTF8.self)), jsonText \(record.jsonText())",
                sourceLocation: sourceLocation)
    }

    @Test("every value kind is written as jsonText writes it")
    func everyKind() {
        Self.expectSameBytes(ModelRecord(model: Self.model, values: [
            ("null", .null), ("string", .string("plain")), ("timestamp", .timestamp("2024-05-14T09:21:37Z")),
            ("int", .int(1347)), ("zero", .int(0)), ("negative", .int(-42)), ("min", .int(.min)), ("max", .int(.max)),
            ("double", .double(1.5)), ("integral_double", .double(3)), ("tiny", .double(1e-300)), ("nan", .double(.nan)),
            ("infinity", .double(-.infinity)), ("true", .bool(true)), ("false", .bool(false)),
            ("json", .json("{\"a\":[1,2,{\"b\":null}]}")), ("empty_list", .stringList([])),
            ("list", .stringList(["a", "b\"c", "ü"])),
        ]))
    }

    @Test("every character that needs an escape is escaped as jsonText escapes it, and nothing else is")
    func escapes() {
        var controls = ""
        for value in 0..<0x20 { controls.unicodeScalars.append(Unicode.Scalar(UInt8(value))) }
        let texts = [
            controls, "\"", "\\", "a\"b\\c\nd\re\tf", "\u{7F}", "é and e\u{301}", "日本語", "🚀 \u{1F600}", "</script>", "",
            "ends with a quote\"", "\\\\\\", "x\u{0}y",
        ]
        for text in texts {
            Self.expectSameBytes(ModelRecord(model: Self.model, values: [(text, .string(text)), ("list", .stringList([text, text]))]))
        }
    }

    @Test("a deletion carries _deleted, with and without other fields")
    func deletion() {
        Self.expectSameBytes(ModelRecord(model: Self.model, values: [("id", .string("1"))], deleted: true))
        Self.expectSameBytes(ModelRecord(model: Self.model, values: [], deleted: true))
        Self.expectSameBytes(ModelRecord(model: Self.model, values: [], deleted: false))
    }

    @Test("every record of every golden case is written as jsonText writes it")
    func goldenRecords() throws {
        let engine = try MappingGoldenTests.engine.get()
        var records = 0
        for golden in MappingGoldenCase.all {
            let payload = try #require(FileManager.default.contents(atPath: golden.payloadPath))
            let envelope = MappingGolden.envelope(definition: golden.definition, event: golden.event.rawValue, variant: golden.variant)
            for case .record(let mapped) in engine.map(envelope: envelope, value: Array(payload)) {
                Self.expectSameBytes(mapped.record)
                records += 1
            }
        }
        #expect(records > 100, "the golden cases yielded only \(records) records")
    }
}
