import InletCore
import InletKafka
import InletPostgres
import InletStageRuntime
import Logging
import ServiceLifecycle

/// The persister stage: upserts the records of every `inlet.model.<model>` topic into the model's table.
///
/// Per batch: decode each record against its model (bad ones → `inlet.dlq.persister`), upsert all models' rows in
/// one transaction (newer-wins on the version field, no write for identical content, soft deletes), and commit the
/// offsets only after the transaction committed. Re-processing a batch after a crash is harmless: the upsert is
/// idempotent.
///
/// Shutdown: the consumer stops fetching, the batch in flight finishes and is committed, then `run()` returns.
public final class PersisterService: Service {
    let configuration: PersisterConfiguration
    let kafka: KafkaConsumerConfiguration
    let producer: KafkaProducer
    let postgres: PostgresClient
    let tables: [String: ModelTable]
    let logger: Logger
    public let counters = StageCounters()

    /// - Parameter producer: a running producer, used for dead letters only.
    public init(configuration: PersisterConfiguration, consumer: KafkaConsumerConfiguration, producer: KafkaProducer,
                postgres: PostgresClient, models: ModelRegistry, logger: Logger) throws {
        self.configuration = configuration
        var tables: [String: ModelTable] = [:]
        for declaration in models.sorted {
            tables[declaration.topic.rawValue] = try ModelTable(declaration)
        }
        self.tables = tables
        var kafka = consumer
        kafka.groupID = configuration.consumerGroup
        kafka.topics = tables.keys.sorted()
        kafka.maxBatchSize = configuration.maxBatchSize
        self.kafka = kafka
        self.producer = producer
        self.postgres = postgres
        self.logger = logger
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
        let consumer = try KafkaConsumer(configuration: kafka, logger: logger)
        logger.info("persister started", metadata: ["topics": "\(kafka.topics.joined(separator: ","))"])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await consumer.run() }
            for try await batch in consumer.batches {
                guard await processUntilDone(batch) else { break }
                try await consumer.commit(batch)
                counters.add(.committedBatches, 1)
            }
            consumer.triggerGracefulShutdown()
            try await group.waitForAll()
        }
        logger.info("persister stopped", metadata: counters.snapshot.mapValues { "\($0)" })
    }

    func processUntilDone(_ batch: KafkaRecordBatch) async -> Bool {
        while true {
            do {
                try await process(batch)
                return true
            } catch {
                logger.error("persisting a batch failed; retrying", metadata: ["error": "\(error)", "records": "\(batch.records.count)"])
                do { try await Task.sleep(for: configuration.retryDelay) } catch { return false }
                if Task.isShuttingDownGracefully { return false }
            }
        }
    }

    /// The rows of one batch, grouped per table and statement kind, plus the records that cannot be persisted.
    struct Rows {
        var upserts: [String: [[PostgresValue]]] = [:]
        var deletes: [String: [[PostgresValue]]] = [:]
        var deadLetters: [KafkaProducerRecord] = []
        var count = 0
    }

    func rows(for batch: KafkaRecordBatch) -> Rows {
        var rows = Rows()
        for record in batch.records {
            guard let table = tables[record.topic] else {
                rows.deadLetters.append(DeadLetter(stage: .persister, errorCode: "unknown_topic",
                                                   errorMessage: "no model is stored from topic \(record.topic)", original: record).record(for: record))
                continue
            }
            do {
                let model = try ModelRecordDecoder(table.declaration).decode(record.value)
                let deletedAt = (try? record.envelope().time) ?? RFC3339.now()
                if model.deleted {
                    rows.deletes[record.topic, default: []].append(table.row(for: model, deletedAt: deletedAt))
                } else {
                    rows.upserts[record.topic, default: []].append(table.row(for: model, deletedAt: deletedAt))
                }
                rows.count += 1
            } catch {
                rows.deadLetters.append(DeadLetter(stage: .persister, errorCode: "invalid_record",
                                                   errorMessage: error.reason, original: record).record(for: record))
            }
        }
        return rows
    }

    func process(_ batch: KafkaRecordBatch) async throws {
        let rows = rows(for: batch)
        if rows.count > 0 {
            try await postgres.withTransaction { transaction in
                for (topic, values) in rows.upserts { _ = try await transaction.upsert(tables[topic]!.upsert, rows: values) }
                for (topic, values) in rows.deletes { _ = try await transaction.upsert(tables[topic]!.softDelete, rows: values) }
            }
        }
        // Dead letters go out after the good rows are stored and before the commit, so neither can be lost.
        try await producer.sendAll(rows.deadLetters)
        counters.add(.consumed, batch.records.count)
        counters.add(.forwarded, rows.count)
        counters.add(.deadLettered, rows.deadLetters.count)
    }
}
