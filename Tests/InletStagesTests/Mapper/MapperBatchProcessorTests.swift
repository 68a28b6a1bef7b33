import InletCore
import InletKafka
import Logging
import Synchronization
import Testing
@testable import InletMapper

/// A sink that records what it was sent and fails the first `failures` sends.
final class MapperRecordingSink: MapperRecordSink {
    let sent = Mutex<[KafkaProducerRecord]>([])
    let failuresLeft: Mutex<Int>

    init(failures: Int = 0) { failuresLeft = Mutex(failures) }

    func deliver(_ record: KafkaProducerRecord) async throws {
        let fail = failuresLeft.withLock { left in
            defer { left = max(0, left - 1) }
            return left > 0
        }
        if fail { throw KafkaError(code: .delivery, reason: "test failure", isRetriable: true) }
        sent.withLock { $0.append(record) }
    }
}

@Suite("MapperBatchProcessor")
struct MapperBatchProcessorTests {
    func processor(_ sink: MapperRecordingSink, attempts: Int = 3, yaml: String = "- model: PullRequest\n") throws -> MapperBatchProcessor {
        MapperBatchProcessor(
            engine: try MapperFixtures.engine(yaml), sink: sink, metrics: MapperMetrics(), logger: Logger(label: "test"),
            produceAttempts: attempts, initialBackoff: .milliseconds(1), maxBackoff: .milliseconds(2))
    }

    func input(_ json: String, offset: Int64, event: String = "pull_request", headers: [KafkaHeader]? = nil) -> KafkaRecord {
        let envelope = MapperFixtures.envelope(event: event, id: "d-\(offset)")
        return KafkaRecord(
            topic: TopicName.unique(definition: try! DefinitionName("github"), event: EventName(event)).rawValue,
            partition: 2, offset: offset, key: Array("acme/d-\(offset)".utf8), value: Array(json.utf8),
            headers: headers ?? envelope.headers.map { KafkaHeader(key: $0.key, string: $0.value) })
    }

    @Test("produces model records keyed by upsert key with the model envelope, and counts them")
    func producesModelRecords() async throws {
        let sink = MapperRecordingSink()
        let processor = try processor(sink)
        try await processor.process(KafkaRecordBatch(records: [input(MapperFixtures.pullRequestJSON(), offset: 10)]))
        let sent = sink.sent.withLock { $0 }
        #expect(sent.count == 1)
        let record = try #require(sent.first)
        #expect(record.topic == "inlet.model.pull_request")
        #expect(record.key == Array("acme/42".utf8))
        #expect(record.headers.first(Envelope.Header.id) == "d-10/PullRequest/0")
        #expect(record.headers.first(Envelope.Header.type) == "inlet.model.PullRequest")
        #expect(record.headers.first(Envelope.Header.subject) == "acme/42")
        #expect(record.headers.first(Envelope.Header.traceparent) != nil)
        #expect(processor.metrics.recordsProduced == 1)
        #expect(processor.metrics.recordsConsumed == 1)
    }

    @Test("dead letters keep the original key, value and headers and add the DLQ headers")
    func deadLetters() async throws {
        let sink = MapperRecordingSink()
        let processor = try processor(sink)
        let original = input(#"{"title":"x"}"#, offset: 11)
        try await processor.process(KafkaRecordBatch(records: [original, input("{}", offset: 12, event: "issues")]))
        let sent = sink.sent.withLock { $0 }
        #expect(sent.count == 2)
        let invalid = try #require(sent.first { $0.headers.first(DeadLetter.Header.errorCode) == "invalid_record" })
        #expect(invalid.topic == "inlet.dlq.mapper")
        #expect(invalid.key == original.key)
        #expect(invalid.value == original.value)
        let letter = try #require(DeadLetter(headers: invalid.headers.map { (key: $0.key, value: $0.stringValue ?? "") }))
        #expect(letter.stage == .mapper)
        #expect(letter.originalTopic == original.topic)
        #expect(letter.originalPartition == 2)
        #expect(letter.originalOffset == 11)
        #expect(letter.errorMessage.contains("github/pull_request.yaml"))
        #expect(invalid.headers.first(Envelope.Header.id) == "d-11")
        #expect(sent.contains { $0.headers.first(DeadLetter.Header.errorCode) == "no_mapping" })
        #expect(processor.metrics.deadLetters == ["invalid_record": 1, "no_mapping": 1])
    }

    @Test("a record without an Inlet envelope goes to the DLQ as invalid_envelope")
    func invalidEnvelope() async throws {
        let sink = MapperRecordingSink()
        try await processor(sink).process(KafkaRecordBatch(records: [input("{}", offset: 1, headers: [])]))
        #expect(sink.sent.withLock { $0.first?.headers.first(DeadLetter.Header.errorCode) } == "invalid_envelope")
    }

    @Test("failed sends are retried until acknowledged")
    func retries() async throws {
        let sink = MapperRecordingSink(failures: 2)
        let processor = try processor(sink, attempts: 5)
        try await processor.process(KafkaRecordBatch(records: [input(MapperFixtures.pullRequestJSON(), offset: 1)]))
        #expect(sink.sent.withLock { $0.count } == 1)
        #expect(processor.metrics.produceRetries == 2)
    }

    @Test("gives up after the configured attempts with a retriable produce error")
    func givesUp() async throws {
        let sink = MapperRecordingSink(failures: 100)
        let processor = try processor(sink, attempts: 3)
        do {
            try await processor.process(KafkaRecordBatch(records: [input(MapperFixtures.pullRequestJSON(), offset: 1)]))
            Issue.record("a batch whose outputs failed was reported as produced")
        } catch {
            #expect(error.code == .produce)
            #expect(error.isRetriable)
        }
        #expect(sink.sent.withLock { $0.isEmpty })
    }

    @Test("versions of one record are produced in input order")
    func perKeyOrder() async throws {
        let sink = MapperRecordingSink()
        let processor = try processor(sink)
        let records = (0..<20).map { index in
            input(MapperFixtures.pullRequestJSON(["title": "\"v\(index)\""]), offset: Int64(index))
        }
        try await processor.process(KafkaRecordBatch(records: records))
        let titles = sink.sent.withLock { $0 }.map { String(decoding: $0.value, as: UTF8.self) }
        #expect(titles.count == 20)
        for (index, text) in titles.enumerated() { #expect(text.contains("\"title\":\"v\(index)\"")) }
    }

    @Test("filtered entries are counted, not produced")
    func filteredCounted() async throws {
        let sink = MapperRecordingSink()
        let processor = try processor(sink, yaml: "- model: PullRequest\n  variants: [organization]\n")
        try await processor.process(KafkaRecordBatch(records: [input(MapperFixtures.pullRequestJSON(), offset: 1)]))
        #expect(sink.sent.withLock { $0.isEmpty })
        #expect(processor.metrics.entriesFiltered == 1)
        #expect(processor.metrics.stage[.skipped] == 1)
    }
}
