import Foundation
import InletCEL
import InletCore
import InletKafka
import Logging
import Testing
@testable import InletMapper

/// Broken payloads through the shipped code-host and tracker mappings: whatever is wrong with a delivery (a
/// missing required field, a wrong type, a value a CEL function rejects, a body that is not JSON), the mapper
/// accounts for it — as records, as explicit skips, or as one dead letter carrying the original bytes — and never
/// drops it silently or leaks payload values into the error.
@Suite("CodeMappingDeadLetter")
struct CodeMappingDeadLetterTests {
    static let definitions: Set<String> = ["github", "gitlab", "bitbucket", "linear", "jira"]
    static let engine = Result { () throws(MapperError) -> MappingEngine in
        MappingEngine(catalog: try MappingCatalog.load(
            directory: MapperFixtures.mappingsDirectory, definitions: MapperFixtures.definitions, models: MapperFixtures.models))
    }
    /// A value planted in broken payloads; no dead-letter message may contain it.
    static let marker = "PAYLOAD-VALUE-7f3a"

    static var cases: [MappingGoldenCase] { MappingGoldenCase.all.filter { definitions.contains($0.definition.rawValue) } }

    func outputs(_ golden: MappingGoldenCase, _ value: [UInt8]) throws -> [MapperOutput] {
        try Self.engine.get().map(envelope: MappingGolden.envelope(definition: golden.definition, event: golden.event.rawValue,
                                                                    variant: golden.variant), value: value)
    }

    func golden(_ name: String) throws -> MappingGoldenCase {
        try #require(MappingGoldenCase.all.first { $0.name == name }, "no golden case \(name)")
    }

    /// The payload of a golden case as a JSON object, changed by `edit`, as bytes.
    func mutated(_ golden: MappingGoldenCase, _ edit: (inout [String: Any]) -> Void) throws -> [UInt8] {
        let data = try #require(FileManager.default.contents(atPath: golden.payloadPath))
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        edit(&object)
        return Array(try JSONSerialization.data(withJSONObject: object))
    }

    /// Nothing lost: either one dead letter (last), or every entry of the file accounted for by records or skips.
    func expectAccounted(_ outputs: [MapperOutput], _ golden: MappingGoldenCase, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let file = try #require(try Self.engine.get().catalog.mapping(definition: golden.definition.rawValue, event: golden.event.rawValue))
        #expect(!outputs.isEmpty, "\(golden.name): no output at all", sourceLocation: sourceLocation)
        let deadLetters = outputs.compactMap(\.failure)
        #expect(deadLetters.count <= 1, "one dead letter per input record: \(deadLetters)", sourceLocation: sourceLocation)
        if let letter = deadLetters.first {
            #expect(outputs.last?.failure != nil, "the dead letter comes last", sourceLocation: sourceLocation)
            #expect(!letter.message.contains(Self.marker), "payload value in \(letter.message)", sourceLocation: sourceLocation)
            #expect(letter.message.contains(file.path), "\(letter.message) names no mapping file", sourceLocation: sourceLocation)
        } else {
            let covered = Set(outputs.compactMap { $0.mapped?.entryIndex } + outputs.compactMap { $0.skip?.entryIndex })
            #expect(covered == Set(file.entries.map(\.index)), "\(golden.name): entries without an outcome", sourceLocation: sourceLocation)
        }
    }

    @Test("every golden payload with one top-level member removed is mapped, skipped or dead-lettered, never lost",
          arguments: CodeMappingDeadLetterTests.cases)
    func everyMemberRemoved(_ golden: MappingGoldenCase) throws {
        let data = try #require(FileManager.default.contents(atPath: golden.payloadPath))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        for key in object.keys.sorted() {
            try expectAccounted(try outputs(golden, try mutated(golden) { $0.removeValue(forKey: key) }), golden)
        }
    }

    @Test("every golden payload's members replaced by the wrong type are accounted for", arguments: CodeMappingDeadLetterTests.cases)
    func everyMemberMistyped(_ golden: MappingGoldenCase) throws {
        let data = try #require(FileManager.default.contents(atPath: golden.payloadPath))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        for key in object.keys.sorted() {
            // A string where an object, number or list is expected, and a number where a string is.
            let replacement: Any = object[key] is String ? 4711 : Self.marker
            try expectAccounted(try outputs(golden, try mutated(golden) { $0[key] = replacement }), golden)
        }
    }

    @Test("a body that is not JSON, or not an object, is dead-lettered", arguments: CodeMappingDeadLetterTests.cases)
    func notAnObject(_ golden: MappingGoldenCase) throws {
        let notJSON = try outputs(golden, Array("\(Self.marker) {".utf8))
        #expect(notJSON.count == 1)
        #expect(notJSON.first?.failure?.code == .invalidPayload)
        #expect(notJSON.first?.failure?.message.contains(Self.marker) == false)
        for body in ["[]", "null", "\"\(Self.marker)\"", "{}"] {
            try expectAccounted(try outputs(golden, Array(body.utf8)), golden)
        }
    }

    @Test("a missing required field is a map_error naming file, entry and position")
    func missingRequiredField() throws {
        let golden = try golden("github/issues/opened")
        let missing = try outputs(golden, try mutated(golden) { payload in
            var issue = payload["issue"] as! [String: Any]
            issue.removeValue(forKey: "title")
            payload["issue"] = issue
        })
        let failure = try #require(missing.last?.failure, "\(missing)")
        #expect(missing.count == 1)
        #expect(failure.code == .mapError)
        #expect(failure.message.hasPrefix("github/issues.yaml:"), "\(failure.message)")
        #expect(failure.message.contains("(entry 0, map)"))
        #expect(failure.message.contains("title"))
    }

    @Test("a value of the wrong type for its model field is an invalid_record naming the field, not the value")
    func wrongType() throws {
        let golden = try golden("github/issues/opened")
        let mistyped = try outputs(golden, try mutated(golden) { payload in
            var issue = payload["issue"] as! [String: Any]
            issue["number"] = Self.marker
            payload["issue"] = issue
        })
        let failure = try #require(mistyped.last?.failure, "\(mistyped)")
        #expect(failure.code == .invalidRecord)
        #expect(failure.message.contains("'number' (int)"), "\(failure.message)")
        #expect(!failure.message.contains(Self.marker))

        let linear = try self.golden("linear/issue/created")
        let badTime = try outputs(linear, try mutated(linear) { payload in
            var data = payload["data"] as! [String: Any]
            data["createdAt"] = "yesterday \(Self.marker)"
            payload["data"] = data
        })
        #expect(badTime.last?.failure?.code == .invalidRecord)
        #expect(badTime.last?.failure?.message.contains("'created_at' (timestamp): not an RFC 3339 timestamp") == true, "\(badTime)")
    }

    @Test("a value a CEL function rejects is a map_error (Jira key without a number, push time of the wrong kind)")
    func celRuntimeErrors() throws {
        let jira = try golden("jira/jira_issue_created/created")
        let badKey = try outputs(jira, try mutated(jira) { payload in
            var issue = payload["issue"] as! [String: Any]
            issue["key"] = "ING"
            payload["issue"] = issue
        })
        #expect(badKey.count == 1)
        #expect(badKey.first?.failure?.code == .mapError, "\(badKey)")
        #expect(badKey.first?.failure?.message.hasPrefix("jira/jira_issue_created.yaml:") == true)

        let push = try golden("github/push/two_commits")
        let badTime = try outputs(push, try mutated(push) { payload in
            var repository = payload["repository"] as! [String: Any]
            repository["pushed_at"] = true
            payload["repository"] = repository
        })
        #expect(badTime.count == 1)
        #expect(badTime.first?.failure?.code == .mapError, "\(badTime)")

        // One bad commit among good ones: the whole entry is dead-lettered (all-or-nothing), naming the item.
        let bitbucket = try golden("bitbucket/repo_push/branch_and_tag")
        let badCommit = try outputs(bitbucket, try mutated(bitbucket) { payload in
            var push = payload["push"] as! [String: Any]
            var changes = push["changes"] as! [[String: Any]]
            var commits = changes[0]["commits"] as! [[String: Any]]
            commits[1]["date"] = "14 May 2024"
            changes[0]["commits"] = commits
            push["changes"] = changes
            payload["push"] = push
        })
        #expect(badCommit.count == 1)
        #expect(badCommit.first?.failure?.code == .invalidRecord, "\(badCommit)")
        #expect(badCommit.first?.failure?.message.contains("item 1") == true, "\(badCommit)")
    }

    @Test("through the batch processor every broken input reaches the dead-letter topic with its original bytes, and the good ones their model topic")
    func batchLosesNothing() async throws {
        let engine = try Self.engine.get()
        let sink = MapperRecordingSink()
        let processor = MapperBatchProcessor(
            engine: engine, sink: sink, metrics: MapperMetrics(), logger: Logger(label: "test"),
            produceAttempts: 1, initialBackoff: .milliseconds(1), maxBackoff: .milliseconds(1))
        var inputs: [KafkaRecord] = []
        var expectedRecords = 0
        var broken: [Int64: [UInt8]] = [:]
        for (index, golden) in Self.cases.enumerated() {
            let good = Array(try #require(FileManager.default.contents(atPath: golden.payloadPath)))
            expectedRecords += try outputs(golden, good).compactMap(\.mapped).count
            let bad = Array("{\"\(Self.marker)\": ".utf8) + good  // truncated, not JSON
            for (offset, value) in [(Int64(index * 2), good), (Int64(index * 2 + 1), bad)] {
                let envelope = Envelope.received(
                    deliveryID: "d-\(offset)", definition: golden.definition, event: golden.event.rawValue, integration: "acme",
                    variant: golden.variant, receivedAt: MappingGolden.receivedAt)
                inputs.append(KafkaRecord(
                    topic: TopicName.unique(definition: golden.definition, event: golden.event).rawValue, partition: 1, offset: offset,
                    key: Array("acme/d-\(offset)".utf8), value: value,
                    headers: envelope.headers.map { KafkaHeader(key: $0.key, string: $0.value) }))
            }
            broken[Int64(index * 2 + 1)] = bad
        }
        try await processor.process(KafkaRecordBatch(records: inputs))
        let sent = sink.sent.withLock { $0 }
        let deadLetters = sent.filter { $0.topic == TopicName.deadLetter(.mapper).rawValue }
        #expect(deadLetters.count == broken.count)
        for letter in deadLetters {
            let headers = letter.headers.map { (key: $0.key, value: $0.stringValue ?? "") }
            let parsed = try #require(DeadLetter(headers: headers))
            #expect(parsed.errorCode == "invalid_payload")
            #expect(letter.value == broken[parsed.originalOffset], "offset \(parsed.originalOffset) lost its original bytes")
            #expect(letter.key == Array("acme/d-\(parsed.originalOffset)".utf8))
            #expect(!parsed.errorMessage.contains(Self.marker))
        }
        #expect(Set(deadLetters.compactMap { DeadLetter(headers: $0.headers.map { (key: $0.key, value: $0.stringValue ?? "") })?.originalOffset }) == Set(broken.keys))
        #expect(sent.count - deadLetters.count == expectedRecords)
        #expect(processor.metrics.recordsConsumed == inputs.count)
        #expect(processor.metrics.recordsProduced == expectedRecords)
        #expect(processor.metrics.deadLetters == ["invalid_payload": broken.count])
    }
}
