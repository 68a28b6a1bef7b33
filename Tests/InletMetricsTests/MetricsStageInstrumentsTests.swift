import InletCore
import InletDeduplicator
import InletDeliverer
import InletKafka
import InletMapper
@testable import InletMetrics
import InletPersister
import InletStageRuntime
import Synchronization
import Testing
@testable import InletReceiver

private let traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

private func record(topic: String, offset: Int64, headers: [(String, String)] = []) -> KafkaRecord {
    KafkaRecord(topic: topic, partition: 0, offset: offset, key: nil, value: Array("{}".utf8),
                headers: headers.map { KafkaHeader(key: $0.0, string: $0.1) })
}

@Suite("StageMetrics")
struct MetricsStageMetricsTests {
    @Test("a received batch is exported by topic, replayed records separately, and its size as a histogram")
    func receivedBatch() async throws {
        let scope = MetricsScope()
        let metrics = try await scope.run {
            let metrics = StageMetrics(stage: .mapper)
            metrics.received(KafkaRecordBatch(records: [
                record(topic: "t.a", offset: 0), record(topic: "t.a", offset: 1),
                record(topic: "t.b", offset: 0, headers: [(Envelope.Header.replayID, "replay-1")]),
            ]))
            metrics.forwarded(2)
            metrics.skipped(1, reason: "filtered")
            metrics.deadLettered(byReason: ["invalid_record": 2, "no_mapping": 1])
            metrics.batchProcessed(in: .milliseconds(3))
            metrics.batchAttemptFailed()
            return metrics
        }
        #expect(scope.value(StageMetricName.recordsConsumed, ["stage": "mapper", "topic": "t.a"]) == 2)
        #expect(scope.value(StageMetricName.recordsConsumed, ["stage": "mapper", "topic": "t.b"]) == 1)
        #expect(scope.value(StageMetricName.recordsReplayed, ["stage": "mapper", "topic": "t.b"]) == 1)
        #expect(scope.value(StageMetricName.recordsReplayed, ["topic": "t.a"]) == nil)
        #expect(scope.value(StageMetricName.recordsForwarded, ["stage": "mapper"]) == 2)
        #expect(scope.value(StageMetricName.recordsSkipped, ["stage": "mapper", "reason": "filtered"]) == 1)
        #expect(scope.value(StageMetricName.recordsDeadLettered, ["reason": "invalid_record"]) == 2)
        #expect(scope.value(StageMetricName.recordsDeadLettered, ["reason": "no_mapping"]) == 1)
        #expect(scope.value(StageMetricName.batchRecords + "_count", ["stage": "mapper"]) == 1)
        #expect(scope.value(StageMetricName.batchRecords + "_sum", ["stage": "mapper"]) == 3)
        // The batch-size histogram uses the buckets of its description, not the backend's (which start at 5).
        #expect(scope.value(StageMetricName.batchRecords + "_bucket", ["le": "2.0"]) == 0)
        #expect(scope.value(StageMetricName.batchDuration + "_count", ["stage": "mapper"]) == 1)
        #expect(scope.value(StageMetricName.batchAttemptsFailed, ["stage": "mapper"]) == 1)
        // The in-memory counters moved with the exported ones.
        #expect(metrics.counters[.consumed] == 3)
        #expect(metrics.counters[.forwarded] == 2)
        #expect(metrics.counters[.skipped] == 1)
        #expect(metrics.counters[.deadLettered] == 3)
        #expect(metrics.counters[.failedAttempts] == 1)
    }

    @Test("without a metrics backend the stage still counts in memory")
    func noBackend() {
        let metrics = StageMetrics(stage: .persister)
        metrics.received(KafkaRecordBatch(records: [record(topic: "t", offset: 0)]))
        metrics.deadLettered(1, reason: "invalid_record")
        #expect(metrics.counters[.consumed] == 1)
        #expect(metrics.counters[.deadLettered] == 1)
    }

    @Test("exportReceived leaves the in-memory count to the caller")
    func exportOnly() async throws {
        let scope = MetricsScope()
        let metrics = try await scope.run {
            let metrics = StageMetrics(stage: .mapper)
            metrics.exportReceived(KafkaRecordBatch(records: [record(topic: "t", offset: 0)]))
            return metrics
        }
        #expect(scope.value(StageMetricName.recordsConsumed, ["topic": "t"]) == 1)
        #expect(metrics.counters[.consumed] == 0)
    }
}

@Suite("PrometheusExposition")
struct MetricsExpositionTests {
    @Test("families come sorted, each with its HELP line before its TYPE line")
    func helpAndOrder() async throws {
        let scope = MetricsScope()
        try await scope.run {
            let metrics = StageMetrics(stage: .deliverer)
            metrics.forwarded(1)
            metrics.deadLettered(1, reason: "subscriber_gone")
        }
        let text = scope.exposition.text()
        let lines = text.split(separator: "\n").map(String.init)
        let help = try #require(lines.firstIndex { $0.hasPrefix("# HELP \(StageMetricName.recordsDeadLettered) ") })
        #expect(lines[help + 1] == "# TYPE \(StageMetricName.recordsDeadLettered) counter")
        #expect(scope.exposition.familyNames == scope.exposition.familyNames.sorted())
        #expect(scope.exposition.familyNames == [StageMetricName.recordsDeadLettered, StageMetricName.recordsForwarded])
        #expect(text.contains(#"inlet_stage_records_dead_lettered_total{stage="deliverer",reason="subscriber_gone"} 1"#))
    }

    @Test("HELP text escapes backslashes and line feeds")
    func escaping() {
        #expect(PrometheusExposition.escapeHelp("a\\b\nc") == "a\\\\b\\nc")
    }

    @Test("every metric Inlet describes has a unique inlet_ name and a help text")
    func descriptionsAreComplete() {
        let all = StageMetricName.descriptions + DeduplicatorMetricName.descriptions + MapperMetrics.Name.descriptions
            + PersisterMetricName.descriptions + DelivererMetricName.descriptions + ReceiverCounters.MetricName.descriptions
        #expect(Set(all.map(\.name)).count == all.count, "a metric is described twice")
        for description in all {
            #expect(description.name.hasPrefix("inlet_"), "\(description.name)")
            #expect(!description.help.isEmpty, "\(description.name) has no help text")
            #expect(description.name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" }, "\(description.name)")
        }
    }
}

@Suite("Record trace context")
struct MetricsTraceContextTests {
    @Test("trace_id is the traceparent's trace-id field, on every per-record log line's metadata")
    func traceID() {
        let tagged = record(topic: "t", offset: 7, headers: [(Envelope.Header.traceparent, traceparent)])
        #expect(tagged.traceID == "0af7651916cd43dd8448eb211c80319c")
        #expect(tagged.logMetadata[StageLogKey.traceID] == "0af7651916cd43dd8448eb211c80319c")
        #expect(tagged.logMetadata[StageLogKey.offset] == "7")
    }

    @Test("a malformed traceparent is neither logged nor forwarded", arguments: [
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\nX-Evil: 1",
        "00-00000000000000000000000000000000-b7ad6b7169203331-01",
        "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",
        "garbage",
    ])
    func malformed(_ value: String) {
        let tagged = record(topic: "t", offset: 0, headers: [(Envelope.Header.traceparent, value)])
        #expect(tagged.wellFormedTraceparent == nil)
        #expect(tagged.traceID == nil)
        #expect(tagged.logMetadata[StageLogKey.traceID] == nil)
    }

    @Test("the deduplicator forwards the record's traceparent unchanged")
    func deduplicatorCarriesTraceparent() throws {
        let envelope = Envelope.received(
            deliveryID: "d-1", definition: try DefinitionName("github"), event: "pull_request", integration: "acme",
            variant: nil, receivedAt: "2026-11-21T21:00:00.000Z", traceparent: traceparent)
        let received = KafkaRecord(
            topic: TopicName.received(definition: try DefinitionName("github"), event: EventName("pull_request")).rawValue,
            partition: 0, offset: 0, key: nil, value: Array("{}".utf8), headers: envelope.kafkaHeaders)
        let plan = DeduplicationPlan(records: [received], registry: try DefinitionRegistry())
        let candidate = try #require(plan.candidates.first)
        #expect(candidate.forwardedRecord.headers.first(Envelope.Header.traceparent) == traceparent)
    }

    @Test("the mapper copies the input's traceparent onto every model record")
    func mapperCarriesTraceparent() throws {
        let definitions = try DefinitionRegistry()
        let file = try MappingCatalog.parse(yaml: "- model: PullRequest\n", path: "github/pull_request.yaml",
                                            definitions: definitions, models: try ModelRegistry())
        let engine = MappingEngine(catalog: MappingCatalog(files: [file]))
        let envelope = Envelope.received(
            deliveryID: "d-1", definition: try DefinitionName("github"), event: "pull_request", integration: "acme",
            variant: "repository", receivedAt: "2026-11-21T21:00:00.000Z", traceparent: traceparent)
        let payload = #"{"id":"42","number":7,"repository":"octo/hello","title":"Fix","state":"open","created_at":"2024-05-14T09:21:37Z","updated_at":"2024-05-14T09:21:38Z"}"#
        let outputs = engine.map(envelope: envelope, value: Array(payload.utf8))
        let mapped = outputs.compactMap { output -> MappedRecord? in if case .record(let record) = output { record } else { nil } }
        #expect(mapped.count == 1)
        #expect(mapped.allSatisfy { $0.envelope.traceparent == traceparent })
    }
}

/// Captures the deliverer's requests and answers 200.
private final class CapturingTransport: WebhookTransport {
    let requests = Mutex<[WebhookRequest]>([])

    func send(_ request: WebhookRequest) async throws -> WebhookResponse {
        requests.withLock { $0.append(request) }
        return WebhookResponse(status: 200)
    }
}

/// Never stores anything: these tests expect no dead letters.
private struct RefusingDeadLetters: DeadLetterProducer {
    func sendDeadLetter(_ record: KafkaProducerRecord) async throws {
        throw DelivererError(.deadLetterProduce, "no dead letters expected in this test")
    }
}

@Suite("Deliverer metrics and trace context")
struct MetricsDelivererTests {
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    static let tokenURL = "http://127.0.0.1:1/inlet?token=sekrit-query-token"

    static func modelRecord(offset: Int64, traceparent: String?) throws -> KafkaRecord {
        let envelope = Envelope(
            id: "rec-\(offset)", source: "/inlet/github/acme", type: "inlet.model.PullRequest",
            time: "2026-11-21T21:04:05.123Z", subject: "acme/\(offset)", definition: "github", event: "pull_request",
            integration: "acme", receivedAt: "2026-11-21T21:04:05.123Z", traceparent: traceparent)
        return KafkaRecord(topic: TopicName.model(try ModelName("PullRequest")).rawValue, partition: 0, offset: offset,
                           key: Array("acme/\(offset)".utf8), value: Array(#"{"number":1}"#.utf8), headers: envelope.kafkaHeaders)
    }

    @Test("each request carries its first record's traceparent; requests, their duration and deliveries are exported without secrets")
    func traceparentAndRequestMetrics() async throws {
        let scope = MetricsScope(descriptions: StageMetricName.descriptions + DelivererMetricName.descriptions)
        let transport = CapturingTransport()
        let subscription = Subscription(id: "sub-metrics", url: Self.tokenURL, secret: Self.secret, models: [try ModelName("PullRequest")])
        try await scope.run {
            let deliverer = try BatchDeliverer(configuration: DelivererConfiguration(subscriptions: [subscription]), transport: transport,
                                               deadLetters: RefusingDeadLetters(), logger: MetricsTestEnvironment.logger)
            try await deliverer.deliver(KafkaRecordBatch(records: [
                try Self.modelRecord(offset: 0, traceparent: traceparent), try Self.modelRecord(offset: 1, traceparent: nil),
            ]))
            try await deliverer.deliver(KafkaRecordBatch(records: [try Self.modelRecord(offset: 2, traceparent: "00-bad")]))
        }
        let requests = transport.requests.withLock { $0 }
        #expect(requests.count == 2)
        #expect(requests.first?.header("traceparent") == traceparent)
        #expect(requests.last?.header("traceparent") == nil, "a malformed traceparent must not become a header")

        #expect(scope.value(DelivererMetricName.requests, ["subscription": "sub-metrics", "outcome": "2xx"]) == 2)
        #expect(scope.value(DelivererMetricName.requestDuration + "_count", ["subscription": "sub-metrics"]) == 2)
        #expect(scope.value(StageMetricName.recordsForwarded, ["stage": "deliverer"]) == 3)
        let text = scope.exposition.text()
        #expect(!text.contains(Self.secret))
        #expect(!text.contains("sekrit-query-token"))
        #expect(!text.contains("127.0.0.1"), "subscriber URLs are never labels")
        for sample in scope.samples {
            #expect(Set(sample.labels.keys).isSubset(of: allowedMetricLabelKeys), "\(sample.name) has \(sample.labels.keys.sorted())")
        }
    }
}

@Suite("ReceiverCounters metrics")
struct MetricsReceiverCountersTests {
    @Test("requests are exported by definition, status and reason; latencies and in-flight requests too")
    func requestSeries() async throws {
        let scope = MetricsScope(descriptions: ReceiverCounters.MetricName.descriptions)
        let counters = try await scope.run {
            let counters = ReceiverCounters()
            counters.recordAccepted(definition: "github")
            counters.recordAccepted(definition: "github")
            counters.recordRejection(.signatureMismatch, definition: "github")
            counters.recordRejection(.routeNotFound, definition: nil)
            counters.recordVerification(definition: "github", duration: .microseconds(40))
            counters.recordAcknowledgement(.acknowledged, duration: .milliseconds(2))
            counters.recordAcknowledgement(.timedOut, duration: .seconds(5))
            counters.beginSend()
            counters.beginSend()
            counters.endSend()
            return counters
        }
        let requests = ReceiverCounters.MetricName.requests
        #expect(scope.value(requests, ["definition": "github", "status": "202", "reason": "accepted"]) == 2)
        #expect(scope.value(requests, ["definition": "github", "status": "401", "reason": "signature_mismatch"]) == 1)
        #expect(scope.value(requests, ["definition": "unknown", "status": "404", "reason": "route_not_found"]) == 1)
        #expect(scope.value(ReceiverCounters.MetricName.verificationDuration + "_count", ["definition": "github"]) == 1)
        // 40 µs falls in the 50 µs bucket: the receiver's buckets, not the backend's 5 ms default.
        #expect(scope.value(ReceiverCounters.MetricName.verificationDuration + "_bucket", ["definition": "github", "le": "0.00005"]) == 1)
        #expect(scope.value(ReceiverCounters.MetricName.verificationDuration + "_bucket", ["definition": "github", "le": "0.000025"]) == 0)
        #expect(scope.value(ReceiverCounters.MetricName.brokerAckDuration + "_count", ["outcome": "acknowledged"]) == 1)
        #expect(scope.value(ReceiverCounters.MetricName.brokerAckDuration + "_count", ["outcome": "timed_out"]) == 1)
        #expect(scope.value(ReceiverCounters.MetricName.requestsInFlight) == 1)
        // The in-memory API the receiver's tests use still counts.
        #expect(counters.acceptedCount == 2)
        #expect(counters.rejections(.signatureMismatch) == 1)
        #expect(counters.rejectionsByCode["route_not_found"] == 1)
        #expect(counters.inFlightCount == 1)
    }

    @Test("the definition label is bounded: names beyond the limit are exported as other")
    func boundedDefinitions() async throws {
        let scope = MetricsScope(descriptions: ReceiverCounters.MetricName.descriptions)
        try await scope.run {
            let counters = ReceiverCounters()
            for index in 0..<(ReceiverCounters.maximumDefinitionLabels + 40) {
                counters.recordRejection(.signatureMismatch, definition: "definition-\(index)")
            }
        }
        let series = scope.samples.filter { $0.name == ReceiverCounters.MetricName.requests }
        #expect(series.count == ReceiverCounters.maximumDefinitionLabels + 1)
        #expect(scope.value(ReceiverCounters.MetricName.requests, ["definition": "other"]) == 40)
    }

    @Test("with the declared definitions, a made-up definition in a URL is exported as unknown")
    func declaredDefinitions() async throws {
        let scope = MetricsScope(descriptions: ReceiverCounters.MetricName.descriptions)
        try await scope.run {
            let counters = ReceiverCounters(definitions: ["github", "stripe"])
            counters.recordRejection(.unknownDefinition, definition: "made-up-\(UInt64.random(in: 0...UInt64.max))")
            counters.recordRejection(.signatureMismatch, definition: "stripe")
            counters.recordVerification(definition: "made-up", duration: .microseconds(10))
        }
        #expect(scope.value(ReceiverCounters.MetricName.requests, ["definition": "unknown", "reason": "unknown_definition"]) == 1)
        #expect(scope.value(ReceiverCounters.MetricName.requests, ["definition": "stripe", "reason": "signature_mismatch"]) == 1)
        #expect(scope.value(ReceiverCounters.MetricName.verificationDuration + "_count", ["definition": "unknown"]) == 1)
        #expect(!scope.samples.contains { $0.labels["definition"]?.hasPrefix("made-up") == true })
    }
}
