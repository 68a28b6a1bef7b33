import Foundation
import InletCEL
import InletCore
import Testing
@testable import InletMapper

@Suite("MappingEngine")
struct MappingEngineTests {
    @Test("maps the real GitHub pull_request opened payload to the golden record, with the model envelope")
    func githubPullRequestGolden() throws {
        let catalog = try MappingCatalog.load(
            directory: MapperFixtures.mappingsDirectory, definitions: MapperFixtures.definitions, models: MapperFixtures.models)
        let engine = MappingEngine(catalog: catalog)
        let payload = try MapperFixtures.fixture("github/pull_request/opened.json")
        // The golden file holds every output; the record travels in model field order, which the golden file's
        // parsed form does not keep, so compare as parsed JSON and check the order separately.
        let golden = try JSONDecoder().decode([JSONValue].self, from: Data(try MapperFixtures.fixture("github/pull_request/opened.expected.json")))
        guard case .object(let expected)? = golden.first, case .object(let expectedRecord)? = expected["record"] else {
            Issue.record("opened.expected.json holds no record output")
            return
        }

        let outputs = engine.map(envelope: MapperFixtures.envelope(), value: payload)
        #expect(outputs.count == 1)
        let mapped = try #require(outputs.first?.mapped, "\(outputs)")
        #expect(try JSONDecoder().decode(JSONValue.self, from: Data(mapped.record.jsonText().utf8)) == .object(expectedRecord))
        #expect(mapped.record.jsonText().hasPrefix(#"{"integration_id":"acme","definition":"github","id":"1850295720","number":1347,"#))
        #expect(mapped.key == "acme/1850295720")
        #expect(mapped.topic == TopicName.model(try ModelName("PullRequest")))
        #expect(mapped.envelope.id == "d-1/PullRequest/0")
        #expect(mapped.envelope.type == "inlet.model.PullRequest")
        #expect(mapped.envelope.subject == "acme/1850295720")
        #expect(mapped.envelope.source == "/inlet/github/acme")
        #expect(mapped.envelope.traceparent == MapperFixtures.envelope().traceparent)
        #expect(mapped.envelope.variant == "repository")
    }

    @Test("an entry without filter and map takes the payload object as the record")
    func rawPayload() throws {
        let engine = try MapperFixtures.engine("- model: PullRequest\n")
        let outputs = engine.map(envelope: MapperFixtures.envelope(), value: Array(MapperFixtures.pullRequestJSON().utf8))
        let mapped = try #require(outputs.first?.mapped)
        #expect(mapped.record["title"] == .string("Fix"))
        #expect(mapped.record["integration_id"] == .string("acme"))
    }

    @Test("a filter that returns false yields an explicit skip, not a record")
    func filterFalse() throws {
        let engine = try MapperFixtures.engine("- model: PullRequest\n  filter: payload.action == 'closed'\n")
        let outputs = engine.map(envelope: MapperFixtures.envelope(), value: Array(#"{"action":"opened"}"#.utf8))
        #expect(outputs.count == 1)
        #expect(outputs.first?.skip == MappingSkip(mappingFile: "github/pull_request.yaml", entryIndex: 0,
                                                   model: try ModelName("PullRequest"), reason: .filter))
    }

    @Test("action, resource, variant and envelope are bound")
    func variables() throws {
        let engine = try MapperFixtures.engine("""
            - model: PullRequest
              filter: action == 'opened' && resource == 'pull_request' && variant == 'repository' && envelope.integration == 'acme' && envelope.subject == null
            """)
        let outputs = engine.map(envelope: MapperFixtures.envelope(), value: Array(MapperFixtures.pullRequestJSON(["action": "\"opened\""]).utf8))
        // `action` is not a PullRequest field, so the record is invalid — but only after the filter passed.
        #expect(outputs.first?.failure?.code == .invalidRecord, "\(outputs)")
        #expect(outputs.first?.failure?.message.contains("'action'") == true)
    }

    @Test("a CEL runtime error in map becomes a map_error dead letter naming file, entry and position")
    func runtimeError() throws {
        let engine = try MapperFixtures.engine("""
            - model: PullRequest
              map: |
                {
                  'id': payload.missing.field
                }
            """)
        let outputs = engine.map(envelope: MapperFixtures.envelope(), value: Array(#"{"action":"opened"}"#.utf8))
        let failure = try #require(outputs.first?.failure, "\(outputs)")
        #expect(failure.code == .mapError)
        #expect(failure.message.hasPrefix("github/pull_request.yaml:"))
        #expect(failure.message.contains("(entry 0, map)"))
        #expect(failure.mappingFile == "github/pull_request.yaml")
        #expect(failure.entryIndex == 0)
        // The failing select is on line 4 of the YAML file.
        #expect(failure.message.hasPrefix("github/pull_request.yaml:4:"), "\(failure.message)")
    }

    @Test("a filter that returns a non-bool is a filter_error")
    func nonBoolFilter() throws {
        let engine = try MapperFixtures.engine("- model: PullRequest\n  filter: payload.number\n")
        let outputs = engine.map(envelope: MapperFixtures.envelope(), value: Array(#"{"number":1}"#.utf8))
        #expect(outputs.first?.failure?.code == .filterError)
        #expect(outputs.first?.failure?.message.contains("must return a bool") == true)
    }

    @Test("an invalid record (missing, mistyped, unknown field) becomes an invalid_record dead letter")
    func invalidRecords() throws {
        let engine = try MapperFixtures.engine("- model: PullRequest\n")
        for (override, expected) in [(["title": "<absent>"], "'title'"), (["number": "\"seven\""], "'number'"),
                                     (["colour": "\"red\""], "'colour'")] {
            let outputs = engine.map(envelope: MapperFixtures.envelope(), value: Array(MapperFixtures.pullRequestJSON(override).utf8))
            let failure = try #require(outputs.first?.failure, "\(outputs)")
            #expect(failure.code == .invalidRecord)
            #expect(failure.message.contains(expected), "\(failure.message)")
            #expect(failure.message.contains("github/pull_request.yaml"))
        }
    }

    @Test("a map returning a list produces one record per object with increasing ce_id indexes")
    func listOutput() throws {
        let engine = try MapperFixtures.engine("""
            - model: PullRequest
              map: |
                payload.items.map(i, {'id': i.id, 'number': i.n, 'repository': 'o/r', 'title': 't', 'state': 'open',
                  'created_at': '2024-01-01T00:00:00Z', 'updated_at': '2024-01-01T00:00:00Z'})
            """)
        let value = #"{"items":[{"id":"a","n":1},{"id":"b","n":2},{"id":"c","n":3}]}"#
        let outputs = engine.map(envelope: MapperFixtures.envelope(), value: Array(value.utf8))
        let records = outputs.compactMap(\.mapped)
        #expect(records.map(\.key) == ["acme/a", "acme/b", "acme/c"], "\(outputs)")
        #expect(records.map(\.envelope.id) == ["d-1/PullRequest/0", "d-1/PullRequest/1", "d-1/PullRequest/2"])
    }

    @Test("one invalid object in a list sends the whole entry to the dead-letter topic")
    func listAllOrNothing() throws {
        let engine = try MapperFixtures.engine("- model: PullRequest\n  map: payload.items\n")
        let value = "{\"items\":[\(MapperFixtures.pullRequestJSON()),{\"id\":\"x\"}]}"
        let outputs = engine.map(envelope: MapperFixtures.envelope(), value: Array(value.utf8))
        #expect(outputs.count == 1)
        #expect(outputs.first?.failure?.message.contains("item 1") == true, "\(outputs)")
    }

    @Test("an empty list is an explicit skip")
    func emptyList() throws {
        let engine = try MapperFixtures.engine("- model: PullRequest\n  map: '[]'\n")
        let outputs = engine.map(envelope: MapperFixtures.envelope(), value: Array("{}".utf8))
        #expect(outputs.first?.skip?.reason == .emptyList, "\(outputs)")
    }

    @Test("_deleted: true in a map marks the record deleted")
    func deleted() throws {
        let engine = try MapperFixtures.engine("""
            - model: PullRequest
              map: "{'id': string(payload.id), 'updated_at': payload.at, '_deleted': true}"
            """)
        let outputs = engine.map(envelope: MapperFixtures.envelope(), value: Array(#"{"id":5,"at":"2024-05-14T09:21:38Z"}"#.utf8))
        let mapped = try #require(outputs.first?.mapped, "\(outputs)")
        #expect(mapped.record.deleted)
        #expect(mapped.key == "acme/5")
    }

    @Test("entries restricted to variants apply only to those variants")
    func variants() throws {
        let engine = try MapperFixtures.engine("- model: PullRequest\n  variants: [organization]\n")
        let value = Array(MapperFixtures.pullRequestJSON().utf8)
        #expect(engine.map(envelope: MapperFixtures.envelope(variant: "repository"), value: value).first?.skip?.reason == .variant)
        #expect(engine.map(envelope: MapperFixtures.envelope(variant: nil), value: value).first?.skip?.reason == .variant)
        #expect(engine.map(envelope: MapperFixtures.envelope(variant: "organization"), value: value).first?.mapped != nil)
    }

    @Test("an event without a mapping file becomes a no_mapping dead letter")
    func noMapping() throws {
        let engine = try MapperFixtures.engine("- model: PullRequest\n")
        let outputs = engine.map(envelope: MapperFixtures.envelope(event: "issues"), value: Array("{}".utf8))
        #expect(outputs.first?.failure?.code == .noMapping)
        #expect(outputs.first?.failure?.message.contains("github/issues.yaml") == true)
    }

    @Test("a value that is not JSON becomes an invalid_payload dead letter")
    func invalidPayload() throws {
        let engine = try MapperFixtures.engine("- model: PullRequest\n")
        let outputs = engine.map(envelope: MapperFixtures.envelope(), value: Array("not json".utf8))
        #expect(outputs.first?.failure?.code == .invalidPayload)
    }

    @Test("later entries still run when an earlier one fails")
    func entriesIndependent() throws {
        let engine = try MapperFixtures.engine("""
            - model: PullRequest
              map: payload.nope
            - model: PullRequest
            """)
        let outputs = engine.map(envelope: MapperFixtures.envelope(), value: Array(MapperFixtures.pullRequestJSON().utf8))
        #expect(outputs.count == 2)
        #expect(outputs.first?.mapped?.envelope.id == "d-1/PullRequest/0")
        #expect(outputs.last?.failure?.code == .mapError)
    }

    @Test("several failing entries make one dead letter with the first code and every message")
    func oneDeadLetterPerRecord() throws {
        let engine = try MapperFixtures.engine("""
            - model: PullRequest
              filter: payload.nope
            - model: PullRequest
              map: payload.missing
            """)
        let outputs = engine.map(envelope: MapperFixtures.envelope(), value: Array("{}".utf8))
        #expect(outputs.count == 1)
        let failure = try #require(outputs.first?.failure)
        #expect(failure.code == .filterError)
        #expect(failure.message.hasPrefix("2 entries failed: "))
        #expect(failure.message.contains("(entry 0, filter)"))
        #expect(failure.message.contains("(entry 1, map)"))
    }
}
