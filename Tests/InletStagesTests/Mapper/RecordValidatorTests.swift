import InletCEL
import InletCore
import Testing
@testable import InletMapper

@Suite("RecordValidator")
struct RecordValidatorTests {
    let validator = RecordValidator(declaration: .pullRequest)

    func validate(_ json: String) throws -> Result<ModelRecord, RecordViolation> {
        validator.record(from: try CELValue(json: json), integration: "acme", definition: "github")
    }

    @Test("fills integration_id and definition from the envelope and keeps declaration order")
    func fillsEnvelopeFields() throws {
        let record = try validate(MapperFixtures.pullRequestJSON()).get()
        #expect(record["integration_id"] == .string("acme"))
        #expect(record["definition"] == .string("github"))
        #expect(record.values.map(\.name) == ModelDeclaration.pullRequest.fields.map(\.name))
        #expect(record["draft"] == .null)
        #expect(record.key(for: .pullRequest) == "acme/42")
    }

    @Test("rejects a mapping that sets integration_id itself")
    func rejectsEnvelopeField() throws {
        let result = try validate(MapperFixtures.pullRequestJSON(["integration_id": "\"other\""]))
        guard case .failure(let violation) = result else { Issue.record("accepted"); return }
        #expect(violation.reason.contains("integration_id"))
    }

    @Test("names every missing required field")
    func missingRequired() throws {
        let result = try validate(MapperFixtures.pullRequestJSON(["title": "<absent>", "state": "null"]))
        guard case .failure(let violation) = result else { Issue.record("accepted"); return }
        #expect(violation.reason.contains("'title'"))
        #expect(violation.reason.contains("'state'"))
    }

    @Test("names unknown fields without their values")
    func unknownFields() throws {
        let result = try validate(MapperFixtures.pullRequestJSON(["colour": "\"secret-value\"", "size": "3"]))
        guard case .failure(let violation) = result else { Issue.record("accepted"); return }
        #expect(violation.reason.contains("'colour'"))
        #expect(violation.reason.contains("'size'"))
        #expect(!violation.reason.contains("secret-value"))
    }

    @Test("rejects wrong types and names the field and the type found")
    func wrongTypes() throws {
        for (field, value, found) in [("number", "\"7\"", "string"), ("draft", "1", "int"), ("labels", "[\"a\", 2]", "item 1"),
                                      ("title", "{}", "map"), ("number", "7.5", "double")] {
            let result = try validate(MapperFixtures.pullRequestJSON([field: value]))
            guard case .failure(let violation) = result else { Issue.record("accepted \(field)=\(value)"); continue }
            #expect(violation.reason.contains("'\(field)'"), "\(violation)")
            #expect(violation.reason.contains(found), "\(violation)")
        }
    }

    @Test("rejects timestamps that are not RFC 3339")
    func badTimestamp() throws {
        let result = try validate(MapperFixtures.pullRequestJSON(["created_at": "\"14 May 2024\""]))
        guard case .failure(let violation) = result else { Issue.record("accepted"); return }
        #expect(violation.reason.contains("created_at"))
        #expect(violation.reason.contains("RFC 3339"))
    }

    @Test("converts list<string>, CEL timestamps and optionals; accepts int for double")
    func conversions() throws {
        let record = try validate(MapperFixtures.pullRequestJSON(["labels": "[\"bug\",\"ui\"]", "additions": "3"])).get()
        #expect(record["labels"] == .stringList(["bug", "ui"]))
        #expect(record["additions"] == .int(3))
        #expect(RecordValidator.convert(.int(3), to: .double) == .success(.double(3)))
        #expect(RecordValidator.convert(RecordValidator.unwrap(.optional(nil)), to: .string) == .success(.null))
        #expect(RecordValidator.convert(RecordValidator.unwrap(.optional(.string("x"))), to: .string) == .success(.string("x")))
        let timestamp = try CELTimestamp(seconds: 0)
        #expect(RecordValidator.convert(.timestamp(timestamp), to: .timestamp) == .success(.timestamp(timestamp.rfc3339)))
        #expect(RecordValidator.convert(.list([.int(1)]), to: .json) == .success(.json("[1]")))
    }

    @Test("_deleted marks a deletion that needs only the upsert key and version")
    func deletion() throws {
        let record = try validate(#"{"id":"42","updated_at":"2024-05-14T09:21:38Z","_deleted":true}"#).get()
        #expect(record.deleted)
        #expect(record.jsonText().hasSuffix(#","_deleted":true}"#))
        let missingKey = try validate(#"{"updated_at":"2024-05-14T09:21:38Z","_deleted":true}"#)
        guard case .failure(let violation) = missingKey else { Issue.record("accepted"); return }
        #expect(violation.reason.contains("'id'"))
        let notBool = try validate(MapperFixtures.pullRequestJSON(["_deleted": "\"yes\""]))
        guard case .failure = notBool else { Issue.record("accepted a string _deleted"); return }
    }

    @Test("rejects values that are not objects")
    func notAnObject() {
        guard case .failure(let violation) = validator.record(from: .int(1), integration: "a", definition: "github") else {
            Issue.record("accepted"); return
        }
        #expect(violation.reason.contains("expected an object"))
    }
}

