import Foundation
import InletCore
import InletDeduplicator
import InletKafka
import InletMapper
import InletMetrics
import InletPostgres
import InletStageRuntime
import ServiceLifecycle
import Testing

private let traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"

/// Produces `records` and waits for every acknowledgement.
private func produce(_ records: [KafkaProducerRecord], brokers: String) async throws {
    let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(brokers: brokers), logger: MetricsTestEnvironment.logger)
    let running = Task { try await producer.run() }
    for record in records { _ = try await producer.send(record) }
    producer.triggerGracefulShutdown()
    try await running.value
}

private func pullRequest(id: String) -> String {
    #"{"id":"\#(id)","number":7,"repository":"octo/hello","title":"Fix","state":"open","created_at":"2024-05-14T09:21:37Z","updated_at":"2024-05-14T09:21:38Z"}"#
}

/// Stages against the real broker (and PostgreSQL), as the stage tests run them: `source deploy/local/env.sh` and
/// `bash deploy/local/start.sh` first.
@Suite("Metrics on the real broker", .enabled(if: MetricsTestEnvironment.brokers != nil, "needs the local stack: source deploy/local/env.sh"))
struct MetricsBrokerTests {
    static var brokers: String { MetricsTestEnvironment.brokers ?? "127.0.0.1:9092" }

    @Test("after the mapper processed records, the exposition holds its series, readiness is ready, and lag falls to 0")
    func mapperSeries() async throws {
        let run = MetricsTestEnvironment.unique("metricsmap")
        let input = TopicName.unique(definition: try DefinitionName("github"), event: EventName(run))
        let admin = try KafkaAdmin(configuration: KafkaAdminConfiguration(brokers: Self.brokers), logger: MetricsTestEnvironment.logger)
        try await admin.createTopics([input, .model(try ModelName("PullRequest")), .deadLetter(.mapper)]
            .map { KafkaTopicSpecification(name: $0.rawValue, partitions: 1) })
        // A valid pull request, one that fails validation (dead letter), and a replayed valid one.
        func record(_ index: Int, _ payload: String, replay: Bool = false) -> KafkaProducerRecord {
            var envelope = Envelope.received(
                deliveryID: "\(run)-\(index)", definition: try! DefinitionName("github"), event: "pull_request",
                integration: "acme", variant: "repository", receivedAt: "2026-11-21T21:00:00.000Z", traceparent: traceparent)
            if replay { envelope.replayID = "replay-\(run)" }
            return KafkaProducerRecord(topic: input.rawValue, key: Array("acme/\(run)-\(index)".utf8), value: Array(payload.utf8),
                                       headers: envelope.kafkaHeaders)
        }
        try await produce([record(0, pullRequest(id: "\(run)-0")), record(1, #"{"title":"no id"}"#),
                           record(2, pullRequest(id: "\(run)-2"), replay: true)], brokers: Self.brokers)

        let scope = MetricsScope(descriptions: StageMetricName.descriptions + MapperMetrics.Name.descriptions)
        var configuration = MapperConfiguration()
        configuration.brokers = Self.brokers
        configuration.consumerGroup = "inlet-mapper-\(run)"
        var monitoring = ConsumerMonitor.Configuration()
        monitoring.interval = .milliseconds(200)
        let catalog = try MappingCatalog(files: [MappingCatalog.parse(
            yaml: "- model: PullRequest\n", path: "github/pull_request.yaml",
            definitions: try DefinitionRegistry(), models: try ModelRegistry())])
        let lagSeries = ["stage": "mapper", "topic": input.rawValue, "partition": "0"]

        let (service, readyWhileRunning) = try await scope.run {
            let service = try MapperService(configuration: configuration, catalog: catalog, topics: [input],
                                            logger: MetricsTestEnvironment.logger, monitoring: monitoring)
            let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [service], logger: MetricsTestEnvironment.logger))
            let running = Task { try await group.run() }
            let settled = await MetricsTestEnvironment.eventually {
                service.metrics.recordsConsumed == 3 && service.metrics.batches >= 1 && scope.value(StageMetricName.consumerLag, lagSeries) == 0
            }
            let readiness = await service.readiness()
            await group.triggerGracefulShutdown()
            try await running.value
            #expect(settled, "the mapper did not consume, commit and report zero lag in time: \(scope.exposition.text())")
            return (service, readiness)
        }

        #expect(readyWhileRunning.isReady, "\(readyWhileRunning)")
        let stopped = await service.readiness()
        #expect(!stopped.isReady)
        #expect(stopped.checks.first?.reason?.contains("stopped") == true)

        let topic = ["stage": "mapper", "topic": input.rawValue]
        #expect(scope.value(StageMetricName.recordsConsumed, topic) == 3)
        #expect(scope.value(StageMetricName.recordsReplayed, topic) == 1)
        #expect(scope.value(StageMetricName.recordsForwarded, ["stage": "mapper"]) == 2)
        #expect(scope.value(StageMetricName.recordsDeadLettered, ["stage": "mapper", "reason": "invalid_record"]) == 1)
        #expect((scope.value(StageMetricName.batchesCommitted, ["stage": "mapper"]) ?? 0) >= 1)
        #expect((scope.value(StageMetricName.commitDuration + "_count", ["stage": "mapper"]) ?? 0) >= 1)
        #expect((scope.value(StageMetricName.batchDuration + "_count", ["stage": "mapper"]) ?? 0) >= 1)
        #expect(scope.value(StageMetricName.batchRecords + "_sum", ["stage": "mapper"]) == 3)
        #expect(scope.value(StageMetricName.assignedPartitions, ["stage": "mapper"]) == 1)
        #expect(scope.value(StageMetricName.consumerLag, lagSeries) == 0)
        #expect(scope.value(StageMetricName.offsetGaps, ["stage": "mapper"]) == 0)
        #expect(scope.value(StageMetricName.offsetGapsAccepted, ["stage": "mapper"]) == 0)
        #expect(scope.value(StageMetricName.producerOutstandingRecords, ["stage": "mapper"]) != nil)
        // Bounded labels only, and every family has its HELP line.
        for sample in scope.samples {
            #expect(Set(sample.labels.keys).isSubset(of: allowedMetricLabelKeys), "\(sample.name) has \(sample.labels.keys.sorted())")
            #expect(!sample.labels.values.contains { $0.contains(run + "-") }, "a delivery ID became a label value: \(sample)")
        }
        let text = scope.exposition.text()
        for family in scope.exposition.familyNames {
            #expect(text.contains("# HELP \(family) "), "\(family) has no description")
        }
    }

    @Test("a monitor reports not ready before its consumer runs and while the stage drains")
    func monitorPhases() {
        let monitor = ConsumerMonitor(
            stage: .persister, consumer: KafkaConsumerConfiguration(groupID: "g", topics: ["t"], brokers: Self.brokers),
            logger: MetricsTestEnvironment.logger)
        #expect(monitor.readiness() == .notReady(ConsumerMonitor.checkName, "the persister is starting; its consumer has not joined the group yet"))
        monitor.beginDraining()
        #expect(monitor.readiness() == .notReady(ConsumerMonitor.checkName, "the persister is shutting down"))
    }

    @Test("the deduplicator's readiness checks PostgreSQL, and says so when it does not answer",
          .enabled(if: MetricsTestEnvironment.postgresURL != nil, "needs INLET_POSTGRES_URL"))
    func deduplicatorReadinessChecksPostgres() async throws {
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(brokers: Self.brokers), logger: MetricsTestEnvironment.logger)
        let reachable = PostgresClient(configuration: PostgresConfiguration(url: MetricsTestEnvironment.postgresURL!, poolSize: 1),
                                       logger: MetricsTestEnvironment.logger)
        // Nothing listens on port 1: the check must fail within its own timeout, not the connect timeout.
        let unreachable = PostgresClient(configuration: PostgresConfiguration(url: "postgresql://inlet:pw-not-a-secret@127.0.0.1:1/inlet", poolSize: 1),
                                         logger: MetricsTestEnvironment.logger)
        var configuration = DeduplicatorConfiguration()
        configuration.seenTable = "inlet_seen_metrics_\(UUID().uuidString.prefix(8).lowercased())"
        let kafka = KafkaConsumerConfiguration(groupID: "unset", topics: [], brokers: Self.brokers)
        let good = try DeduplicatorService(configuration: configuration, consumer: kafka, producer: producer, postgres: reachable,
                                           registry: try DefinitionRegistry(), logger: MetricsTestEnvironment.logger)
        let bad = try DeduplicatorService(configuration: configuration, consumer: kafka, producer: producer, postgres: unreachable,
                                          registry: try DefinitionRegistry(), logger: MetricsTestEnvironment.logger)

        let healthy = await good.readiness()
        #expect(healthy.checks.first { $0.name == "postgres" }?.isReady == true)
        #expect(healthy.checks.first { $0.name == ConsumerMonitor.checkName }?.isReady == false, "the stage has not started")

        let start = ContinuousClock.now
        let broken = await bad.readiness()
        #expect(ContinuousClock.now - start < .seconds(5))
        let check = try #require(broken.checks.first { $0.name == "postgres" })
        #expect(!check.isReady)
        #expect(check.reason?.contains("INLET_POSTGRES_URL") == true)
        #expect(check.reason?.contains("pw-not-a-secret") == false)
        await reachable.close()
        await unreachable.close()
    }
}
