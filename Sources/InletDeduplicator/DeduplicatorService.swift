import InletCore
import InletKafka
import InletPostgres
import InletStageRuntime
import Logging
import ServiceLifecycle

/// The deduplicator stage: forwards each delivery from `inlet.<definition>.<event>.received` to
/// `inlet.<definition>.<event>.unique` once, however often the provider sent it.
///
/// Per batch, in this order (so that a crash anywhere loses nothing):
/// 1. drop repeats inside the batch; 2. look the rest up in the seen store; 3. produce the first deliveries and
/// await every ack; 4. remember them in the seen store; 5. commit the batch's offsets.
/// A crash after 3 and before 4 forwards a repeat at worst, which the persister's idempotent upsert absorbs.
///
/// Shutdown: on graceful shutdown the consumer stops fetching, the batch in flight finishes and is committed, then
/// `run()` returns; the shared producer (a service earlier in the group) flushes after this one has stopped.
public final class DeduplicatorService: Service {
    let configuration: DeduplicatorConfiguration
    let kafka: KafkaConsumerConfiguration
    let producer: KafkaProducer
    let store: SeenDeliveryStore
    let registry: DefinitionRegistry
    let logger: Logger
    /// What this stage did, for tests and metrics: forwarded = first deliveries, skipped = repeats.
    public let counters = StageCounters()

    /// - Parameters:
    ///   - consumer: broker settings for the stage's consumer; group and topics are set here.
    ///   - producer: a running ``KafkaProducer`` (run it as an earlier service of the same group).
    public init(configuration: DeduplicatorConfiguration, consumer: KafkaConsumerConfiguration, producer: KafkaProducer,
                postgres: PostgresClient, registry: DefinitionRegistry, logger: Logger) throws {
        self.configuration = configuration
        var kafka = consumer
        kafka.groupID = configuration.consumerGroup
        kafka.topics = registry.receivedTopics.map(\.rawValue)
        kafka.maxBatchSize = configuration.maxBatchSize
        self.kafka = kafka
        self.producer = producer
        self.store = try SeenDeliveryStore(client: postgres, table: configuration.seenTable)
        self.registry = registry
        self.logger = logger
    }

    public func run() async throws {
        try await store.prepare()
        let consumer = try KafkaConsumer(configuration: kafka, logger: logger)
        logger.info("deduplicator started", metadata: ["topics": "\(kafka.topics.count)", "group": "\(kafka.groupID)"])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await consumer.run() }
            group.addTask { await self.pruneUntilCancelled() }
            for try await batch in consumer.batches {
                guard try await processUntilDone(batch) else { break }
                try await consumer.commit(batch)
                counters.add(.committedBatches, 1)
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
        while true {
            do {
                try await process(batch)
                return true
            } catch {
                logger.error("deduplicating a batch failed; retrying", metadata: [
                    "error": "\(error)", "records": "\(batch.records.count)",
                ])
                do {
                    try await Task.sleep(for: configuration.retryDelay)
                } catch {
                    return false
                }
                if Task.isShuttingDownGracefully { return false }
            }
        }
    }

    func process(_ batch: KafkaRecordBatch) async throws {
        let plan = DeduplicationPlan(records: batch.records, registry: registry)
        let seen = try await store.alreadySeen(plan.candidates.map(\.key))
        let first = plan.firstDeliveries(excluding: seen)
        try await producer.sendAll(first.map(\.forwardedRecord) + plan.invalid.map { $0.deadLetter.record(for: $0.record) })
        try await store.remember(first.map(\.key))
        for (record, letter) in plan.invalid {
            logger.warning("record dead-lettered", metadata: [
                "topic": "\(record.topic)", "partition": "\(record.partition)", "offset": "\(record.offset)",
                "code": "\(letter.errorCode)",
            ])
        }
        counters.add(.consumed, batch.records.count)
        counters.add(.forwarded, first.count)
        counters.add(.skipped, plan.candidates.count - first.count + plan.repeatsInBatch)
        counters.add(.deadLettered, plan.invalid.count)
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
