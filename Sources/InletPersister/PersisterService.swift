import InletCore
import InletKafka
import InletPostgres
import InletStageRuntime
import Logging
import Metrics
import ServiceLifecycle

/// The persister stage: upserts the records of every `inlet.model.<model>` topic into the model's table.
///
/// It also consumes `inlet.replay.persister`, where `inlet replay` and `inlet dlq redrive` put model records to store
/// again; such a record's table is chosen by the model topic it was first read from (``ReplayOrigin/topicHeader``).
/// The upsert's newer-wins rule applies to replays as to any record, so replaying an older version never overwrites
/// a newer row.
///
/// Per batch: decode each record against its model (bad ones → `inlet.dlq.persister`), upsert all models' rows in
/// one transaction (newer-wins on the version field, no write for identical content, soft deletes), and commit the
/// offsets only after the transaction committed. Re-processing a batch after a crash is harmless: the upsert is
/// idempotent.
///
/// Decoding batch N+1 overlaps batch N's transaction and commit (``OverlappedBatchLoop``): transactions still run
/// one at a time in batch order, nothing after a batch that was not stored is written or committed, and a revocation
/// waits for both batches (``UnfinishedBatches``).
///
/// Shutdown: the consumer stops fetching, the batches in flight (at most two) finish and are committed, then `run()`
/// returns.
///
/// Metrics: the shared stage metrics (``StageMetrics``; forwarded = rows written), the consumer's
/// (``ConsumerMonitor``) and ``PersisterMetricName``. Readiness (``readiness()``): the consumer owns partitions and
/// PostgreSQL answers.
public final class PersisterService: Service, Sendable {
    let configuration: PersisterConfiguration
    let kafka: KafkaConsumerConfiguration
    let producer: KafkaProducer
    let postgres: PostgresClient
    let tables: [String: ModelTable]
    let logger: Logger
    /// What this stage did, exported as metrics.
    public let metrics: StageMetrics
    /// The consumer's state for metrics and `/readyz`.
    public let monitor: ConsumerMonitor
    /// The batches taken and not yet committed (at most two); a revocation waits for them.
    private let unfinished = UnfinishedBatches()

    /// What this stage did, for tests and logs: forwarded = rows upserted or soft-deleted.
    public var counters: StageCounters { metrics.counters }

    /// - Parameters:
    ///   - producer: a running producer, used for dead letters only.
    ///   - monitoring: how often the consumer's state (lag, gaps, assignment) is exported.
    public init(configuration: PersisterConfiguration, consumer: KafkaConsumerConfiguration, producer: KafkaProducer,
                postgres: PostgresClient, models: ModelRegistry, logger: Logger,
                monitoring: ConsumerMonitor.Configuration = ConsumerMonitor.Configuration()) throws {
        self.configuration = configuration
        var tables: [String: ModelTable] = [:]
        for declaration in models.sorted {
            tables[declaration.topic.rawValue] = try ModelTable(declaration)
        }
        self.tables = tables
        var kafka = consumer
        kafka.groupID = configuration.consumerGroup
        kafka.topics = tables.keys.sorted() + [TopicName.replay(.persister).rawValue]
        kafka.maxBatchSize = configuration.maxBatchSize
        self.kafka = kafka
        self.producer = producer
        self.postgres = postgres
        self.logger = logger
        self.metrics = StageMetrics(stage: .persister)
        self.monitor = ConsumerMonitor(stage: .persister, consumer: kafka, configuration: monitoring, logger: logger)
    }

    /// What `/readyz` reports: the consumer owns partitions and is not draining, and PostgreSQL answers `SELECT 1`
    /// within 2 seconds.
    public func readiness() async -> StageReadiness {
        let postgres = self.postgres
        let database = await ReadinessCheck.postgres { _ = try await postgres.query("SELECT 1") }
        return StageReadiness(stage: Stage.persister.rawValue, checks: [monitor.readiness(), database])
    }

    /// Creates every model's table, or migrates it to the current declaration (``ModelTableMigrator``). Run by
    /// ``run()``; public for `inlet` set-up commands.
    /// - Throws: ``PersisterError`` `.incompatibleTable` naming the table, column, stored and declared type when a
    ///   change cannot be migrated; the stage must not start then.
    public func prepareTables() async throws {
        let migrator = ModelTableMigrator(client: postgres, lockTimeout: configuration.migrationLockTimeout)
        for table in tables.values.sorted(by: { $0.tableName < $1.tableName }) {
            let outcome = try await migrator.prepare(table)
            if outcome.created {
                logger.info("created table", metadata: ["table": "\(outcome.table)"])
            }
            for step in outcome.steps {
                logger.notice("migrated table", metadata: ["table": "\(outcome.table)", "change": "\(step.summary)"])
            }
        }
    }

    public func run() async throws {
        try await prepareTables()
        // The consumer waits for the batch it handed out last; the one before it may still be in its transaction.
        let consumer = try KafkaConsumer(configuration: kafka, logger: logger, onRevoke: unfinished.revokeHook)
        logger.info("persister started", metadata: ["topics": "\(kafka.topics.joined(separator: ","))"])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await consumer.run() }
            group.addTask { await self.monitor.run(consumer: consumer, producer: self.producer) }
            let clock = ContinuousClock()
            do {
                try await OverlappedBatchLoop.run(
                    consumer.batches, unfinished: unfinished,
                    prepare: { batch in
                        metrics.received(batch)
                        return (rows: rows(for: batch), taken: clock.now)
                    },
                    finish: { [self] batch, prepared in
                        // Not stored (shutting down while retrying): nothing after this batch may be committed.
                        guard try await processUntilDone(batch, prepared.rows) else { throw StoppedBeforeStoring() }
                        metrics.batchProcessed(in: clock.now - prepared.taken)
                        try await metrics.commit(batch, on: consumer)
                    },
                    onFailure: { consumer.triggerGracefulShutdown() })
            } catch is StoppedBeforeStoring {
                // A graceful shutdown interrupted a retrying batch; it is re-read after the restart.
            }
            consumer.triggerGracefulShutdown()
            // Ends the monitor; the consumer treats cancellation like the shutdown already triggered.
            group.cancelAll()
            try await group.waitForAll()
        }
        logger.info("persister stopped", metadata: counters.snapshot.mapValues { "\($0)" })
    }

    /// Stores a decoded batch, retrying until it is stored; false when a graceful shutdown interrupted the retries.
    func processUntilDone(_ batch: KafkaRecordBatch, _ rows: Rows) async throws -> Bool {
        try await BatchRetry.untilDone(batch, retryDelay: configuration.retryDelay, logger: logger,
                                       failure: "persisting a batch failed; retrying", metrics: metrics) {
            try await store(rows)
        }
    }

    /// Thrown by the loop's finishing step when a batch was not stored, so no later batch is finished.
    private struct StoppedBeforeStoring: Error {}

    /// The rows of one batch, grouped per table and statement kind, plus the records that cannot be persisted.
    struct Rows {
        var upserts: [String: [[PostgresValue]]] = [:]
        var deletes: [String: [[PostgresValue]]] = [:]
        var deadLetters: [(original: KafkaRecord, code: String, record: KafkaProducerRecord)] = []
        var count = 0
    }

    /// Built once: a topic name is joined from its segments, and this is compared with every record's topic.
    private static let replayTopic = TopicName.replay(.persister).rawValue

    /// The model topic whose table stores `record`: its own topic, or for a record on `inlet.replay.persister` the
    /// topic named in its ``ReplayOrigin/topicHeader`` header (nil when that header is missing).
    static func modelTopic(of record: KafkaRecord) -> String? {
        guard record.topic == replayTopic else { return record.topic }
        return record.headers.first(ReplayOrigin.topicHeader)
    }

    func rows(for batch: KafkaRecordBatch) -> Rows {
        var rows = Rows()
        for record in batch.records {
            guard let topic = Self.modelTopic(of: record) else {
                let letter = DeadLetter(
                    stage: .persister, errorCode: "missing_replay_origin",
                    errorMessage: "a record on \(record.topic) has no \(ReplayOrigin.topicHeader) header naming its model topic; produce replays with `inlet replay` or `inlet dlq redrive`",
                    original: record)
                rows.deadLetters.append((record, letter.errorCode, letter.record(for: record)))
                continue
            }
            guard let table = tables[topic] else {
                let letter = DeadLetter(stage: .persister, errorCode: "unknown_topic",
                                        errorMessage: "no model is stored from topic \(topic)", original: record)
                rows.deadLetters.append((record, letter.errorCode, letter.record(for: record)))
                continue
            }
            do {
                let model = try ModelRecordDecoder(table.declaration).decode(record.value)
                let deletedAt = (try? record.envelope().time) ?? RFC3339.now()
                if model.deleted {
                    rows.deletes[topic, default: []].append(table.row(for: model, deletedAt: deletedAt))
                } else {
                    rows.upserts[topic, default: []].append(table.row(for: model, deletedAt: deletedAt))
                }
                rows.count += 1
            } catch {
                let letter = DeadLetter(stage: .persister, errorCode: "invalid_record", errorMessage: error.reason, original: record)
                rows.deadLetters.append((record, letter.errorCode, letter.record(for: record)))
            }
        }
        return rows
    }

    /// Persists one batch's decoded rows and sends its dead letters. Consumed records are counted once per batch in
    /// the loop (``StageMetrics/received(_:)``), so a retried batch is not counted twice.
    func store(_ rows: Rows) async throws {
        if rows.count > 0 {
            let clock = ContinuousClock()
            let start = clock.now
            try await postgres.withTransaction { transaction in
                for (topic, values) in rows.upserts { _ = try await transaction.upsert(tables[topic]!.upsert, rows: values) }
                for (topic, values) in rows.deletes { _ = try await transaction.upsert(tables[topic]!.softDelete, rows: values) }
            }
            PersisterMetricName.recordTransaction(clock.now - start)
            for (topic, values) in rows.upserts { PersisterMetricName.recordRows(values.count, model: tables[topic]!.declaration.name, operation: .upsert) }
            for (topic, values) in rows.deletes { PersisterMetricName.recordRows(values.count, model: tables[topic]!.declaration.name, operation: .softDelete) }
        }
        // Dead letters go out after the good rows are stored and before the commit, so neither can be lost.
        try await producer.sendAll(rows.deadLetters.map(\.record))
        var deadLetters: [String: Int] = [:]
        for letter in rows.deadLetters {
            var metadata = letter.original.logMetadata
            metadata["code"] = "\(letter.code)"
            logger.warning("record dead-lettered", metadata: metadata)
            deadLetters[letter.code, default: 0] += 1
        }
        metrics.forwarded(rows.count)
        metrics.deadLettered(byReason: deadLetters)
    }
}

/// The persister's own metrics (beside the shared ``StageMetricName`` ones), in one place; docs/metrics.md
/// describes each.
public enum PersisterMetricName {
    /// Counter `{model, operation}`: rows written, `operation` `upsert` or `soft_delete`. A row whose stored version
    /// is newer is counted too (the statement ran; the database kept the newer row).
    public static let rowsWritten = "inlet_persister_rows_written_total"
    /// Histogram (seconds): one batch's transaction, `BEGIN` to `COMMIT`.
    public static let transactionDuration = "inlet_persister_transaction_duration_seconds"

    /// Every persister metric with its meaning.
    public static let descriptions: [MetricDescription] = [
        MetricDescription(rowsWritten, "Rows written, by model and operation (upsert, soft_delete); rows kept because the stored version is newer count too."),
        MetricDescription(transactionDuration, "Seconds of one batch's transaction, BEGIN to COMMIT.",
                          durationBuckets: [.milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                                            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                                            .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10)]),
    ]

    /// The statement kinds counted in ``rowsWritten``.
    public enum Operation: String, Sendable {
        case upsert
        case softDelete = "soft_delete"
    }

    static func recordRows(_ count: Int, model: ModelName, operation: Operation) {
        guard count > 0 else { return }
        Counter(label: rowsWritten, dimensions: [
            (StageMetricName.Label.model, model.rawValue), (StageMetricName.Label.operation, operation.rawValue),
        ]).increment(by: count)
    }

    static func recordTransaction(_ duration: Duration) {
        Timer(label: transactionDuration).recordNanoseconds(duration.nanosecondsClamped)
    }
}
