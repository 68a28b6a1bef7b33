import InletCore
import InletKafka
import InletPostgres
import InletStageRuntime
import Logging
import Metrics
import ServiceLifecycle

/// The deduplicator stage: forwards each delivery from `inlet.<definition>.<event>.received` to
/// `inlet.<definition>.<event>.unique` once, however often the provider sent it.
///
/// It also consumes `inlet.replay.deduplicator`, where `inlet replay` and `inlet dlq redrive` put records to process
/// again: their unique topic is found by their original received topic, and because a replay is an explicit
/// operator request they are forwarded even when their delivery was seen before (``DeduplicationPlan``), and still
/// remembered.
///
/// Per batch, in this order (so that a crash anywhere loses nothing):
/// 1. drop repeats inside the batch; 2. look the rest up in the seen store; 3. produce the first deliveries and
/// await every ack; 4. remember them in the seen store; 5. commit the batch's offsets.
/// A crash after 3 and before 4 forwards a repeat at worst, which the persister's idempotent upsert absorbs.
///
/// Shutdown: on graceful shutdown the consumer stops fetching, the batch in flight finishes and is committed, then
/// `run()` returns; the shared producer (a service earlier in the group) flushes after this one has stopped.
///
/// Metrics: the shared stage metrics (``StageMetrics``; skipped = repeats, reason `repeat`), the consumer's
/// (``ConsumerMonitor``) and ``DeduplicatorMetricName``. Readiness (``readiness()``): the consumer owns partitions and
/// PostgreSQL answers.
public final class DeduplicatorService: Service, Sendable {
    let configuration: DeduplicatorConfiguration
    let kafka: KafkaConsumerConfiguration
    let producer: KafkaProducer
    let postgres: PostgresClient
    let store: SeenDeliveryStore
    let registry: DefinitionRegistry
    let logger: Logger
    /// What this stage did, exported as metrics: forwarded = first deliveries and replays, skipped = repeats.
    public let metrics: StageMetrics
    /// The consumer's state for metrics and `/readyz`.
    public let monitor: ConsumerMonitor

    /// What this stage did, for tests and logs: forwarded = first deliveries, skipped = repeats.
    public var counters: StageCounters { metrics.counters }

    /// - Parameters:
    ///   - consumer: broker settings for the stage's consumer; group and topics are set here.
    ///   - producer: a running ``KafkaProducer`` (run it as an earlier service of the same group).
    ///   - monitoring: how often the consumer's state (lag, gaps, assignment) is exported.
    public init(configuration: DeduplicatorConfiguration, consumer: KafkaConsumerConfiguration, producer: KafkaProducer,
                postgres: PostgresClient, registry: DefinitionRegistry, logger: Logger,
                monitoring: ConsumerMonitor.Configuration = ConsumerMonitor.Configuration()) throws {
        self.configuration = configuration
        var kafka = consumer
        kafka.groupID = configuration.consumerGroup
        kafka.topics = (registry.receivedTopics + [TopicName.replay(.deduplicator)]).map(\.rawValue)
        kafka.maxBatchSize = configuration.maxBatchSize
        self.kafka = kafka
        self.producer = producer
        self.postgres = postgres
        self.store = try SeenDeliveryStore(client: postgres, table: configuration.seenTable)
        self.registry = registry
        self.logger = logger
        self.metrics = StageMetrics(stage: .deduplicator)
        self.monitor = ConsumerMonitor(stage: .deduplicator, consumer: kafka, configuration: monitoring, logger: logger)
    }

    /// What `/readyz` reports: the consumer owns partitions and is not draining, and PostgreSQL answers `SELECT 1`
    /// within 2 seconds.
    public func readiness() async -> StageReadiness {
        let postgres = self.postgres
        let database = await ReadinessCheck.postgres { _ = try await postgres.query("SELECT 1") }
        return StageReadiness(stage: Stage.deduplicator.rawValue, checks: [monitor.readiness(), database])
    }

    public func run() async throws {
        try await store.prepare()
        let consumer = try KafkaConsumer(configuration: kafka, logger: logger)
        logger.info("deduplicator started", metadata: ["topics": "\(kafka.topics.count)", "group": "\(kafka.groupID)"])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await consumer.run() }
            group.addTask { await self.pruneUntilCancelled() }
            group.addTask { await self.monitor.run(consumer: consumer, producer: self.producer) }
            let clock = ContinuousClock()
            for try await batch in consumer.batches {
                let received = clock.now
                metrics.received(batch)
                guard try await processUntilDone(batch) else { break }
                metrics.batchProcessed(in: clock.now - received)
                try await metrics.commit(batch, on: consumer)
            }
            // The batch stream ends on graceful shutdown (or a fatal consumer error, rethrown by consumer.run()).
            consumer.triggerGracefulShutdown()
            group.cancelAll()
            try await group.waitForAll()
        }
        logger.info("deduplicator stopped", metadata: counters.snapshot.mapValues { "\($0)" })
    }

    /// Processes `batch`, retrying on failures (the broker or the database being away) until it succeeds.
    /// - Returns: false when shutdown interrupted the retries; the batch is then left uncommitted.
    func processUntilDone(_ batch: KafkaRecordBatch) async throws -> Bool {
        try await BatchRetry.untilDone(batch, retryDelay: configuration.retryDelay, logger: logger,
                                       failure: "deduplicating a batch failed; retrying", metrics: metrics) {
            try await process(batch)
        }
    }

    /// Deduplicates and forwards one batch (see the type's order of steps). Counts consumed records only via
    /// ``StageMetrics/received(_:)`` in the loop, so a retried batch is counted once.
    func process(_ batch: KafkaRecordBatch) async throws {
        let plan = DeduplicationPlan(records: batch.records, registry: registry)
        let clock = ContinuousClock()
        let lookupStart = clock.now
        let seen = try await store.alreadySeen(plan.keysToLookUp)
        DeduplicatorMetricName.recordStore(.lookup, clock.now - lookupStart)
        let forwarded = plan.recordsToForward(excluding: seen)
        try await producer.sendAll(forwarded.map(\.forwardedRecord) + plan.invalid.map { $0.deadLetter.record(for: $0.record) })
        let rememberStart = clock.now
        // Replays are remembered too: a replayed delivery the store had already pruned is known again afterwards.
        try await store.remember(forwarded.map(\.key))
        DeduplicatorMetricName.recordStore(.remember, clock.now - rememberStart)
        var deadLetters: [String: Int] = [:]
        for (record, letter) in plan.invalid {
            var metadata = record.logMetadata
            metadata["code"] = "\(letter.errorCode)"
            logger.warning("record dead-lettered", metadata: metadata)
            deadLetters[letter.errorCode, default: 0] += 1
        }
        metrics.forwarded(forwarded.count)
        metrics.skipped(plan.candidates.count - forwarded.count + plan.repeatsInBatch, reason: "repeat")
        metrics.deadLettered(byReason: deadLetters)
    }

    func pruneUntilCancelled() async {
        while !Task.isCancelled {
            do {
                let removed = try await store.prune(olderThan: configuration.window)
                if removed > 0 { logger.info("pruned expired delivery IDs", metadata: ["count": "\(removed)"]) }
            } catch {
                logger.warning("pruning delivery IDs failed; will retry", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: configuration.pruneInterval)
        }
    }
}
