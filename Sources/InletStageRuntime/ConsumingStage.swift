import InletKafka
import Logging

/// The run scaffolding of a consuming stage that owns its producer (the mapper and the deliverer).
public enum ConsumingStage {
    /// Runs `consumer` in a child task and `loop` (which iterates `consumer.batches`) beside it, then stops in order:
    /// the consumer once the loop ends, the producer last.
    ///
    /// - The producer runs outside the graceful-shutdown scope (a detached task does not inherit the task-local
    ///   shutdown manager), so the batch in flight can still produce after SIGTERM. It is stopped explicitly on every
    ///   exit path and awaited before this returns.
    /// - Graceful shutdown ends the consumer's batch stream, so `loop` returns after the batch in flight. Cancellation
    ///   calls `onCancel` and ends the consumer.
    /// - `monitor`, when given, runs beside the consumer (``ConsumerMonitor/run(consumer:producer:)``) and is stopped
    ///   once the loop has ended.
    /// - Throws: the error `loop` threw, after everything has stopped. Consumer and producer errors are logged.
    public static func run(
        stage: String, consumer: KafkaConsumer, producer: KafkaProducer, monitor: ConsumerMonitor? = nil, logger: Logger,
        onCancel: @escaping @Sendable () -> Void = {}, loop: () async throws -> Void
    ) async throws {
        let producerTask = Task.detached { try await producer.run() }
        var loopError: (any Error)?
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await consumer.run()
                } catch {
                    logger.error("\(stage) consumer stopped with an error", metadata: ["error": "\(error)"])
                }
            }
            let monitorTask: Task<Void, Never>? = monitor.map { monitor in
                // Not a group child, so it can be cancelled on its own once the loop ends; it inherits the task-locals
                // (graceful-shutdown handler, a bound metrics factory) and is awaited below.
                Task { await monitor.run(consumer: consumer, producer: producer) }
            }
            do {
                try await withTaskCancellationHandler {
                    try await loop()
                } onCancel: {
                    onCancel()
                    consumer.triggerGracefulShutdown()
                }
            } catch {
                loopError = error
            }
            // Ends the consumer when the loop stopped on its own (an error); a no-op after graceful shutdown.
            consumer.triggerGracefulShutdown()
            monitorTask?.cancel()
            await monitorTask?.value
            await group.waitForAll()
        }
        producer.triggerGracefulShutdown()
        do {
            try await producerTask.value
        } catch {
            logger.error("\(stage) producer stopped with an error", metadata: ["error": "\(error)"])
        }
        if let loopError { throw loopError }
    }
}
