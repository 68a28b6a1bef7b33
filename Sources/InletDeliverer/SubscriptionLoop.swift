import InletCore
import InletKafka
import InletStageRuntime
import Logging

/// One subscription's consume → deliver → commit loop: its own consumer in its own group
/// (``DelivererConfiguration/consumerGroup(for:)``, `inlet-deliverer.<id>`), reading only the model topics the
/// subscription wants and the replay topic, its own ``BatchDeliverer`` and its own offsets. A slow or dead subscriber
/// therefore holds back only its own loop. ``DelivererService`` runs one per served subscription and shares the
/// HTTP transport, the dead-letter producer, the gone marks and the shutdown signal between them.
///
/// - Important: ``run(producer:)`` may be called once.
final class SubscriptionLoop: Sendable {
    let subscription: Subscription
    let group: String
    let topics: [TopicName]
    let deliverer: BatchDeliverer
    let monitor: ConsumerMonitor
    private let consumer: KafkaConsumer
    private let gracePeriod: Duration
    private let shutdown: ShutdownSignal
    private let logger: Logger

    init(subscription: Subscription, configuration: DelivererConfiguration, deliverer: BatchDeliverer,
         shutdown: ShutdownSignal, logger: Logger, monitoring: ConsumerMonitor.Configuration) throws {
        self.subscription = subscription
        self.group = configuration.consumerGroup(for: subscription)
        self.topics = DelivererConfiguration.topics(for: subscription)
        self.deliverer = deliverer
        self.gracePeriod = configuration.shutdownGracePeriod
        self.shutdown = shutdown
        var logger = logger
        logger[metadataKey: LogKey.subscription] = "\(subscription.id)"
        self.logger = logger

        var settings = KafkaConsumerConfiguration(groupID: group, topics: topics.map(\.rawValue), brokers: configuration.kafkaBrokers)
        settings.clientID = "inlet-deliverer"
        settings.maxBatchSize = configuration.maxBatchRecords
        settings.sessionTimeout = configuration.sessionTimeout
        settings.extraProperties = configuration.consumerProperties
        self.consumer = try KafkaConsumer(configuration: settings, logger: logger)
        // One consumer per subscription: its lag, assignment and gap series carry the subscription beside the stage.
        self.monitor = ConsumerMonitor(stage: .deliverer, consumer: settings, configuration: monitoring,
                                       labels: [(StageMetricName.Label.subscription, subscription.id)], logger: logger)
    }

    /// `/readyz`'s check for this subscription: its consumer owns partitions and the stage is not draining.
    func readiness() -> ReadinessCheck {
        let check = monitor.readiness()
        return ReadinessCheck(name: "\(ConsumerMonitor.checkName):\(subscription.id)", isReady: check.isReady,
                              reason: check.reason.map { "subscription \(subscription.id): \($0)" })
    }

    /// Ends the consumer's batch stream; the batch in flight finishes (within the grace period).
    func stop() {
        consumer.triggerGracefulShutdown()
    }

    /// Runs the consumer, its monitor and the loop until graceful shutdown (or ``stop()``), then stops the consumer.
    /// - Parameter producer: the shared dead-letter producer, whose queue the monitor exports; run by the service.
    /// - Throws: what the loop threw (dead letters that could not be stored), after the consumer stopped.
    func run(producer: KafkaProducer) async throws {
        var loopError: (any Error)?
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [consumer, logger] in
                do {
                    try await consumer.run()
                } catch {
                    logger.error("deliverer consumer stopped with an error", metadata: [LogKey.error: "\(error)"])
                }
            }
            // Not a group child, so it can be cancelled on its own once the loop ends; it inherits the task-locals
            // (graceful-shutdown handler, a bound metrics factory) and is awaited below.
            let monitorTask = Task { [monitor, consumer] in await monitor.run(consumer: consumer, producer: producer) }
            do {
                try await withTaskCancellationHandler {
                    try await consumeLoop()
                } onCancel: { [shutdown, consumer] in
                    shutdown.trigger()
                    consumer.triggerGracefulShutdown()
                }
            } catch {
                loopError = error
            }
            // Ends the consumer when the loop stopped on its own (an error); a no-op after graceful shutdown.
            consumer.triggerGracefulShutdown()
            monitorTask.cancel()
            await monitorTask.value
            await group.waitForAll()
        }
        if let loopError { throw loopError }
    }

    private func consumeLoop() async throws {
        let clock = ContinuousClock()
        let metrics = deliverer.metrics
        for try await batch in consumer.batches {
            let received = clock.now
            metrics.received(batch)
            do {
                try await deliverWithinGracePeriod(batch)
                metrics.batchProcessed(in: clock.now - received)
                DelivererMetricName.recordBatch(subscription: subscription.id, duration: clock.now - received)
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

    /// Delivers `batch`; once shutdown was requested, allows it the grace period more and then cancels it
    /// (throwing `CancellationError`).
    private func deliverWithinGracePeriod(_ batch: KafkaRecordBatch) async throws {
        let grace = gracePeriod
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
