import Foundation
import InletCEL
import InletCore
import InletKafka
import Logging
import Testing
@testable import InletMapper

/// Integration filters: the `filter:` of an integration, applied by the mapper on top of the mapping's own filters.
@Suite("CodeMappingIntegrationFilter")
struct CodeMappingIntegrationFilterTests {
    static let twoEntries = """
        - model: PullRequest
          filter: payload.title != 'skip me'
        - model: PullRequest
          variants: [organization]
        """

    func integration(_ id: String, filter: String?) -> Integration {
        Integration(id: id, definition: try! DefinitionName("github"), secrets: ["secret"], filter: filter)
    }

    func engine(filters: [String: String], yaml: String = twoEntries) throws -> MappingEngine {
        let file = try MappingCatalog.parse(yaml: yaml, path: "github/pull_request.yaml", definitions: MapperFixtures.definitions,
                                            models: MapperFixtures.models)
        let integrations = filters.sorted { $0.key < $1.key }.map { integration($0.key, filter: $0.value) }
        return MappingEngine(catalog: MappingCatalog(files: [file]), integrationFilters: try IntegrationFilters(integrations: integrations))
    }

    func envelope(integration: String = "acme", variant: String? = "repository") -> Envelope {
        Envelope.received(deliveryID: "d-1", definition: try! DefinitionName("github"), event: "pull_request",
                          integration: integration, variant: variant, receivedAt: "2026-11-21T21:00:00.000Z")
    }

    @Test("a false integration filter skips every entry with reason integration_filter; variant exclusions keep their reason")
    func rejects() throws {
        let engine = try engine(filters: ["acme": "payload.repository == 'octo/other'"])
        let outputs = engine.map(envelope: envelope(), value: Array(MapperFixtures.pullRequestJSON().utf8))
        #expect(outputs.compactMap(\.skip).map(\.reason) == [.integrationFilter, .variant], "\(outputs)")
        #expect(outputs.allSatisfy { $0.skip != nil })
    }

    @Test("a record is mapped only when both the integration filter and the entry filter accept it")
    func bothMustAccept() throws {
        let engine = try engine(filters: ["acme": "payload.repository == 'octo/hello'"])
        let accepted = engine.map(envelope: envelope(), value: Array(MapperFixtures.pullRequestJSON().utf8))
        #expect(accepted.first?.mapped?.key == "acme/42", "\(accepted)")
        let entryRejects = engine.map(envelope: envelope(), value: Array(MapperFixtures.pullRequestJSON(["title": "\"skip me\""]).utf8))
        #expect(entryRejects.first?.skip?.reason == .filter, "\(entryRejects)")
    }

    @Test("only the record's own integration's filter applies")
    func perIntegration() throws {
        let engine = try engine(filters: ["acme": "false", "beta": "true"])
        #expect(engine.map(envelope: envelope(integration: "acme"), value: Array(MapperFixtures.pullRequestJSON().utf8)).first?.skip?.reason == .integrationFilter)
        #expect(engine.map(envelope: envelope(integration: "beta"), value: Array(MapperFixtures.pullRequestJSON().utf8)).first?.mapped != nil)
        #expect(engine.map(envelope: envelope(integration: "gamma"), value: Array(MapperFixtures.pullRequestJSON().utf8)).first?.mapped != nil)
    }

    @Test("a filter that fails at run time or returns a non-bool dead-letters the record as filter_error, naming the integration")
    func failures() throws {
        let secret = "do-not-leak-4711"
        let engine = try engine(filters: ["acme": "payload.sender.login == 'x'", "beta": "payload.title"])
        let value = Array(MapperFixtures.pullRequestJSON(["title": "\"\(secret)\""]).utf8)
        for integration in ["acme", "beta"] {
            let outputs = engine.map(envelope: envelope(integration: integration), value: value)
            #expect(outputs.count == 1)
            let failure = try #require(outputs.first?.failure, "\(outputs)")
            #expect(failure.code == .filterError)
            #expect(failure.message.contains("integration '\(integration)'"), "\(failure.message)")
            #expect(!failure.message.contains(secret))
        }
    }

    @Test("a filter may read the envelope even when no mapping expression does")
    func envelopeVariables() throws {
        let engine = try engine(filters: ["acme": "envelope.variant == 'organization' && variant == 'organization'"], yaml: "- model: PullRequest\n")
        #expect(engine.map(envelope: envelope(variant: "organization"), value: Array(MapperFixtures.pullRequestJSON().utf8)).first?.mapped != nil)
        #expect(engine.map(envelope: envelope(variant: "repository"), value: Array(MapperFixtures.pullRequestJSON().utf8)).first?.skip?.reason == .integrationFilter)
    }

    @Test("a filter that does not compile refuses to start, naming the integration and the position")
    func compileError() {
        do {
            _ = try IntegrationFilters(integrations: [integration("good", filter: "true"), integration("acme-github", filter: "payload.a &&")])
            Issue.record("a broken filter compiled")
        } catch {
            #expect(error.code == .invalidIntegrationFilter)
            #expect(error.reason.contains("'acme-github'"), "\(error)")
            #expect(error.reason.contains("expression 1:"), "\(error)")
        }
    }

    @Test("integrations without a filter, or with a blank one, have no entry")
    func noFilter() throws {
        let filters = try IntegrationFilters(integrations: [integration("a", filter: nil), integration("b", filter: "  "), integration("c", filter: "true")])
        #expect(filters.filters.keys.sorted() == ["c"])
    }

    @Test("filters load from the integrations file, and a bad file is a configuration error naming it")
    func loadFromFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("inlet-codemapping-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("integrations.yaml").path
        try """
            integrations:
              - id: acme-github
                definition: github
                secrets: ["s1"]
                filter: "payload.repository == 'octo/hello'"
              - id: other-github
                definition: github
                secrets: ["s2"]
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let filters = try IntegrationFilters.load(integrationsFile: path, definitions: MapperFixtures.definitions)
        #expect(filters.filters.keys.sorted() == ["acme-github"])

        do {
            _ = try IntegrationFilters.load(integrationsFile: directory.appendingPathComponent("missing.yaml").path, definitions: MapperFixtures.definitions)
            Issue.record("a missing integrations file was accepted")
        } catch {
            #expect(error.code == .configuration)
            #expect(error.reason.contains("missing.yaml"))
        }
    }

    @Test("inlet map shows integration_filter when the integration's filter is false")
    func preview() throws {
        let engine = try engine(filters: ["acme": "false"], yaml: "- model: PullRequest\n")
        let text = MappingPreview.render(engine: engine, definition: "github", event: "pull_request",
                                         payload: Array(MapperFixtures.pullRequestJSON().utf8), integration: "acme")
        #expect(text.contains("\"reason\": \"integration_filter\""), "\(text)")
    }

    @Test("the batch processor counts the records an integration filter dropped")
    func batchCount() throws {
        let engine = try engine(filters: ["acme": "payload.number == 7"], yaml: "- model: PullRequest\n")
        let processor = MapperBatchProcessor(
            engine: engine, sink: MapperRecordingSink(), metrics: MapperMetrics(), logger: Logger(label: "test"),
            produceAttempts: 1, initialBackoff: .milliseconds(1), maxBackoff: .milliseconds(1))
        let records = [("7", 1), ("8", 2), ("9", 3)].map { number, offset in
            KafkaRecord(topic: "inlet.github.pull_request.unique", partition: 0, offset: Int64(offset), key: nil,
                        value: Array(MapperFixtures.pullRequestJSON(["number": number]).utf8),
                        headers: envelope().headers.map { KafkaHeader(key: $0.key, string: $0.value) })
        }
        let plan = processor.plan(KafkaRecordBatch(records: records))
        #expect(plan.consumed == 3)
        #expect(plan.filtered == 2)
        #expect(plan.integrationFiltered == 2)
        #expect(plan.outgoingCount == 1)
    }
}
