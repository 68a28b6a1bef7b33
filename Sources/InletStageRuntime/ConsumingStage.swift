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
    /// - Throws: the error `loop` threw, after everything has stopped. Consumer and producer errors are logged.
    public static func run(
        stage: String, consumer: KafkaConsumer, producer: KafkaProducer, logger: Logger,
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
