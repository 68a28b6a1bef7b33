import InletCore
import InletKafka
import InletStageRuntime
import Logging
import ServiceLifecycle

/// The mapper stage: consumes `inlet.<definition>.<event>.unique` (and `inlet.replay.mapper`), applies the event's
/// mapping file, produces model records to `inlet.model.<model>` and failures to `inlet.dlq.mapper`, then commits.
///
/// Per batch: evaluate every record (``MappingEngine``, CPU only), produce all outputs concurrently, await every
/// acknowledgement (dead letters included), then commit the batch's offsets. A batch whose outputs cannot be produced
/// is never committed: sends are retried with back-off, and after ``MapperConfiguration/produceAttempts`` `run()`
/// throws so the process restarts and re-reads the batch (at-least-once; model records are upserts, so duplicates
/// are harmless).
///
/// Two batches overlap: the next batch is evaluated while the previous one is produced and committed, so the
/// mapping's CPU time runs during the broker's round trips instead of after them. Its outputs are handed to the
/// producer only once the previous batch is committed, so outputs reach the model topics in input order and nothing
/// after a failed batch is produced. A revocation waits for both batches (``UnfinishedBatches``).
///
/// ## Shutdown
/// On graceful shutdown the consumer stops fetching and ends its batch stream; the batches in flight (at most two)
/// are finished (produced and committed); then the producer flushes and `run()` returns. The producer is deliberately shielded
/// from the graceful-shutdown signal so it keeps accepting the in-flight batch's sends until the loop is done.
///
/// Metrics: ``MapperMetrics`` (the shared stage metrics plus the mapper's own) and the consumer's
/// (``ConsumerMonitor``). Readiness (``readiness()``): the consumer owns partitions and the stage is not draining.
///
/// - Important: Create it (which loads and compiles every mapping file, failing with a ``MapperError`` that names
///   the file and position) before starting the `ServiceGroup`; `run()` may be called once.
public final class MapperService: Service, Sendable {
    public let configuration: MapperConfiguration
    public let engine: MappingEngine
    public let metrics: MapperMetrics
    /// The consumer's state for metrics and `/readyz`.
    public let monitor: ConsumerMonitor
    /// The topics the mapper consumes: every declared event's unique topic and the mapper's replay topic.
    public let topics: [TopicName]

    private let consumer: KafkaConsumer
    private let producer: KafkaProducer
    private let logger: Logger
    /// The batches taken and not yet committed (at most two); a revocation waits for them.
    private let unfinished = UnfinishedBatches()

    /// Loads the mapping catalog and creates the Kafka clients.
    /// - Throws: ``MapperError`` for a broken mapping file; ``KafkaError`` when librdkafka is too old or rejects the
    ///   configuration.
    public convenience init(
        configuration: MapperConfiguration, definitions: DefinitionRegistry, models: ModelRegistry,
        logger: Logger = Logger(label: "inlet.mapper")
    ) throws {
        let catalog = try MappingCatalog.load(directory: configuration.mappingsDirectory, definitions: definitions, models: models)
        // The integrations' own filters, compiled once; a broken one stops the start naming the integration.
        let filters = try configuration.integrationsFile.map { path throws(MapperError) in
            try IntegrationFilters.load(integrationsFile: path, definitions: definitions)
        } ?? .none
        try self.init(configuration: configuration, catalog: catalog,
                      topics: definitions.uniqueTopics + [TopicName.replay(.mapper)], logger: logger,
                      integrationFilters: filters)
    }

    /// With an already loaded catalog and an explicit topic list (tests, embedding).
    /// - Parameter monitoring: how often the consumer's state (lag, gaps, assignment) is exported.
    public init(configuration: MapperConfiguration, catalog: MappingCatalog, topics: [TopicName], logger: Logger,
                monitoring: ConsumerMonitor.Configuration = ConsumerMonitor.Configuration(),
                integrationFilters: IntegrationFilters = .none) throws {
        try KafkaLibrary.checkVersion()
        self.configuration = configuration
        self.engine = MappingEngine(catalog: catalog, integrationFilters: integrationFilters)
        self.metrics = MapperMetrics()
        self.topics = topics
        self.logger = logger

        var consumerConfiguration = KafkaConsumerConfiguration(
            groupID: configuration.consumerGroup, topics: topics.map(\.rawValue), brokers: configuration.brokers)
        consumerConfiguration.clientID = "inlet-mapper"
        consumerConfiguration.maxBatchSize = configuration.maxBatchSize
        consumerConfiguration.sessionTimeout = configuration.sessionTimeout
        consumerConfiguration.extraProperties = configuration.consumerProperties
        // The consumer waits for the batch it handed out last; the one before it may still be producing.
        self.consumer = try KafkaConsumer(configuration: consumerConfiguration, logger: logger, onRevoke: unfinished.revokeHook)
        self.monitor = ConsumerMonitor(stage: .mapper, consumer: consumerConfiguration, configuration: monitoring, logger: logger)

        var producerConfiguration = KafkaProducerConfiguration(brokers: configuration.brokers)
        producerConfiguration.clientID = "inlet-mapper"
        producerConfiguration.lingerMilliseconds = configuration.producerLingerMilliseconds
        producerConfiguration.extraProperties = configuration.producerProperties
        producerConfiguration.brokerThreadNiceness = configuration.producerBrokerThreadNiceness
        self.producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
    }

    /// What `/readyz` reports: the consumer owns partitions and the stage is not draining.
    public func readiness() async -> StageReadiness {
        StageReadiness(stage: Stage.mapper.rawValue, checks: [monitor.readiness()])
    }

    public func run() async throws {
        logger.info("mapper starting", metadata: [
            "mapper.mappings": "\(engine.catalog.files.count)", "mapper.topics": "\(topics.count)",
            "mapper.integration_filters": "\(engine.integrationFilters.filters.count)",
            "kafka.group": "\(configuration.consumerGroup)",
        ])
        let processor = MapperBatchProcessor(
            engine: engine, sink: producer, metrics: metrics, logger: logger,
            produceAttempts: configuration.produceAttempts, initialBackoff: configuration.retryInitialBackoff,
            maxBackoff: configuration.retryMaxBackoff)

        var loopError: (any Error)?
        do {
            try await ConsumingStage.run(stage: "mapper", consumer: consumer, producer: producer, monitor: monitor, logger: logger) {
                try await consumeLoop(processor)
            }
        } catch {
            loopError = error
        }
        logger.info("mapper stopped", metadata: [
            "mapper.records": "\(metrics.recordsConsumed)", "mapper.produced": "\(metrics.recordsProduced)",
            "mapper.dead_letters": "\(metrics.deadLettersTotal)",
        ])
        if let loopError { throw loopError }
    }

    /// Evaluates batch N+1 while batch N is produced and committed (``OverlappedBatchLoop``).
    private func consumeLoop(_ processor: MapperBatchProcessor) async throws {
        let clock = ContinuousClock()
        try await OverlappedBatchLoop.run(
            consumer.batches, unfinished: unfinished,
            prepare: { batch in
                let start = clock.now
                metrics.exported.exportReceived(batch)
                let plan = processor.prepare(batch)
                return (chains: plan.chains, taken: start, planning: clock.now - start)
            },
            finish: { [self] batch, planned in
                try await produceAndCommit(batch, planned.chains, processor, taken: planned.taken, planning: planned.planning)
            },
            onFailure: { [consumer] in consumer.triggerGracefulShutdown() })
    }

    /// Produces a planned batch's outputs, awaits every acknowledgement, then commits the batch.
    private func produceAndCommit(
        _ batch: KafkaRecordBatch, _ chains: [[MapperBatchProcessor.Outgoing]], _ processor: MapperBatchProcessor,
        taken: ContinuousClock.Instant, planning: Duration
    ) async throws {
        let clock = ContinuousClock()
        let start = clock.now
        try await processor.produce(chains)
        let produced = clock.now
        // From taking the batch (its evaluation, the wait for the batch before it, producing) to durable outputs.
        metrics.exported.batchProcessed(in: produced - taken)
        do {
            try await metrics.exported.commit(batch, on: consumer)
            logger.debug("batch mapped and committed", metadata: [
                "mapper.batch_size": "\(batch.records.count)",
                "mapper.plan_ms": "\(planning.wholeMilliseconds)",
                "mapper.produce_ms": "\((produced - start).wholeMilliseconds)",
                "mapper.commit_ms": "\((clock.now - produced).wholeMilliseconds)",
            ])
        } catch {
            // The outputs are produced; the new owner of the partitions re-reads the batch (duplicates only).
            metrics.addCommitFailure()
            logger.warning("committing a mapped batch failed; its records will be mapped again", metadata: [
                "error": "\(error)", "mapper.batch_size": "\(batch.records.count)",
            ])
        }
    }
}
