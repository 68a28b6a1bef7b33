import InletCore
import InletHTTPClient
import InletKafka
import InletStageRuntime
import Logging
import ServiceLifecycle

/// The deliverer stage: consumes `inlet.model.<model>` for every model a subscription wants (and
/// `inlet.replay.deliverer`) in consumer group `inlet-deliverer`, POSTs signed CloudEvents batches to each
/// subscription (``BatchDeliverer``), dead-letters what cannot be delivered to `inlet.dlq.deliverer`, then commits.
///
/// A batch is committed only after every request of it got a 2xx or its records are stored as dead letters. When
/// dead letters cannot be stored, `run()` throws without committing (the process restarts and re-reads the batch:
/// at-least-once; subscribers deduplicate on `webhook-id`, which is derived from the records).
///
/// ## Shutdown
/// On graceful shutdown the consumer stops fetching and ends its batch stream. The batch in flight may finish — its
/// retries included — for ``DelivererConfiguration/shutdownGracePeriod``; after that it is cancelled and left
/// uncommitted (its records are delivered again by the next owner of the partitions). Then the dead-letter producer
/// flushes, the HTTP client shuts down (only now, so no request of the loop ever sees a closed client) and `run()`
/// returns.
///
/// Metrics: ``metrics`` (the shared stage metrics), ``DelivererMetricName`` and the consumer's
/// (``ConsumerMonitor``). Readiness (``readiness()``): the consumer owns partitions and the stage is not draining.
///
/// - Important: Construct it before starting the `ServiceGroup` (bad secrets and limits fail here);
///   `run()` may be called once.
public final class DelivererService: Service, Sendable {
    public let configuration: DelivererConfiguration
    /// The topics consumed (see ``DelivererConfiguration/topics``).
    public let topics: [TopicName]
    public let deliverer: BatchDeliverer
    /// The consumer's state for metrics and `/readyz`.
    public let monitor: ConsumerMonitor

    private let consumer: KafkaConsumer
    private let producer: KafkaProducer
    private let httpClient: HTTPClient?
    private let shutdown = ShutdownSignal()
    private let logger: Logger

    /// Creates the Kafka clients and the curl HTTP client.
    /// - Throws: ``DelivererError`` for a bad limit or secret; `KafkaError` when librdkafka is too old or rejects
    ///   the configuration; `HTTPClientError` when libcurl cannot initialise.
    /// - Parameter monitoring: how often the consumer's state (lag, gaps, assignment) is exported.
    public convenience init(configuration: DelivererConfiguration, logger: Logger = Logger(label: "inlet.deliverer"),
                            monitoring: ConsumerMonitor.Configuration = ConsumerMonitor.Configuration()) throws {
        let client = try HTTPClient(
            configuration: HTTPClient.Configuration(timeout: configuration.requestTimeout, userAgent: "inlet-deliverer"),
            logger: logger)
        try self.init(configuration: configuration, transport: CurlWebhookTransport(client: client),
                      ownedClient: client, logger: logger, monitoring: monitoring)
    }

    /// With a transport of your own (tests, embedding); the service does not shut it down.
    public convenience init(configuration: DelivererConfiguration, transport: any WebhookTransport, logger: Logger,
                            monitoring: ConsumerMonitor.Configuration = ConsumerMonitor.Configuration()) throws {
        try self.init(configuration: configuration, transport: transport, ownedClient: nil, logger: logger, monitoring: monitoring)
    }

    private init(configuration: DelivererConfiguration, transport: any WebhookTransport, ownedClient: HTTPClient?,
                 logger: Logger, monitoring: ConsumerMonitor.Configuration) throws {
        try configuration.validate()
        try KafkaLibrary.checkVersion()
        self.configuration = configuration
        self.topics = configuration.topics
        self.logger = logger
        self.httpClient = ownedClient

        var producerConfiguration = KafkaProducerConfiguration(brokers: configuration.kafkaBrokers)
        producerConfiguration.clientID = "inlet-deliverer"
        producerConfiguration.lingerMilliseconds = configuration.producerLingerMilliseconds
        producerConfiguration.extraProperties = configuration.producerProperties
        let producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        self.producer = producer
        self.deliverer = try BatchDeliverer(configuration: configuration, transport: transport,
                                            deadLetters: producer, logger: logger)

        var consumerConfiguration = KafkaConsumerConfiguration(
            groupID: configuration.consumerGroup, topics: topics.map(\.rawValue), brokers: configuration.kafkaBrokers)
        consumerConfiguration.clientID = "inlet-deliverer"
        consumerConfiguration.maxBatchSize = configuration.maxBatchRecords
        consumerConfiguration.sessionTimeout = configuration.sessionTimeout
        consumerConfiguration.heartbeatInterval = min(.seconds(2), configuration.sessionTimeout / 3)
        consumerConfiguration.extraProperties = configuration.consumerProperties
        self.consumer = try KafkaConsumer(configuration: consumerConfiguration, logger: logger)
        self.monitor = ConsumerMonitor(stage: .deliverer, consumer: consumerConfiguration, configuration: monitoring, logger: logger)
    }

    /// Counters of deliveries, retries and dead letters.
    public var statistics: DeliveryStatistics { deliverer.statistics }

    /// The shared stage metrics (consumed, forwarded = (record, subscription) pairs delivered, dead letters, commits).
    public var metrics: StageMetrics { deliverer.metrics }

    /// What `/readyz` reports: the consumer owns partitions and the stage is not draining.
    public func readiness() async -> StageReadiness {
        StageReadiness(stage: Stage.deliverer.rawValue, checks: [monitor.readiness()])
    }

    public func run() async throws {
        logger.info("deliverer starting", metadata: [
            LogKey.topics: "\(topics.map(\.rawValue))", "inlet.subscriptions": "\(configuration.subscriptions.map(\.id))",
        ])
        var loopError: (any Error)?
        do {
            try await ConsumingStage.run(stage: "deliverer", consumer: consumer, producer: producer, monitor: monitor, logger: logger,
                                         onCancel: { [shutdown] in shutdown.trigger() }) {
                // The shutdown signal also cuts retry waits short, so the batch in flight ends promptly.
                try await withGracefulShutdownHandler {
                    try await consumeLoop()
                } onGracefulShutdown: { [shutdown] in
                    shutdown.trigger()
                }
            }
        } catch {
            loopError = error
        }
        await httpClient?.shutdown()
        let stats = statistics
        logger.info("deliverer stopped", metadata: [
            "inlet.batches": "\(stats.batches)", "inlet.records_delivered": "\(stats.recordsDelivered)",
            "inlet.dead_letters": "\(stats.recordsDeadLettered)", "inlet.retries": "\(stats.retries)",
        ])
        if let loopError { throw loopError }
    }

    /// Starts the same shutdown as SIGTERM does (for embedding without a `ServiceGroup`).
    public func triggerGracefulShutdown() {
        shutdown.trigger()
        consumer.triggerGracefulShutdown()
    }

    private func consumeLoop() async throws {
        let clock = ContinuousClock()
        for try await batch in consumer.batches {
            let received = clock.now
            metrics.received(batch)
            do {
                try await deliverWithinGracePeriod(batch)
                metrics.batchProcessed(in: clock.now - received)
            } catch is CancellationError {
                logger.warning("shutdown grace period over: the batch in flight is left uncommitted and will be delivered again", metadata: [
                    LogKey.batchRecords: "\(batch.records.count)",
                ])
                return
            }
            do {
                try await metrics.commit(batch, on: consumer)
            } catch {
                logger.warning("committing a delivered batch failed; its records will be delivered again", metadata: [
                    LogKey.error: "\(error)", LogKey.batchRecords: "\(batch.records.count)",
                ])
            }
        }
    }

    /// Delivers `batch`; once shutdown was requested, allows it ``DelivererConfiguration/shutdownGracePeriod`` more
    /// and then cancels it (throwing `CancellationError`).
    private func deliverWithinGracePeriod(_ batch: KafkaRecordBatch) async throws {
        let grace = configuration.shutdownGracePeriod
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask { [deliverer] in
                try await deliverer.deliver(batch)
                return true
            }
            group.addTask { [shutdown] in
                await shutdown.wait()
                guard !Task.isCancelled else { return false }
                try? await Task.sleep(for: grace)
                return false
            }
            // `true`: delivered. `false` first: the grace period is over, so cancel the delivery, which then throws.
            for try await delivered in group {
                group.cancelAll()
                if delivered { return }
            }
        }
    }
}
