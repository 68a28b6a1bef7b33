import InletKafka
import Logging
import ServiceLifecycle

/// How a stage that owns its transaction (the deduplicator, the persister) gets one batch done: try, and on failure
/// (the broker or the database away) log, wait and try again, until it succeeds or shutdown begins.
///
/// A fatal producer error is not retried: librdkafka's idempotent producer never recovers in the process, so retrying
/// would spin forever. It is rethrown, which ends the stage, the `ServiceGroup` and the process (non-zero), and the
/// supervisor restarts it.
public enum BatchRetry {
    /// - Parameters:
    ///   - failure: the log message for a failed attempt, e.g. "persisting a batch failed; retrying".
    ///   - metrics: counts each failed attempt that is retried (``StageMetrics/batchAttemptFailed()``).
    /// - Returns: true once `attempt` succeeded; false when shutdown interrupted the retries (the batch is then left
    ///   uncommitted, and its records are read again by whoever owns the partition next).
    public static func untilDone(
        _ batch: KafkaRecordBatch, retryDelay: Duration, logger: Logger, failure: Logger.Message, metrics: StageMetrics,
        attempt: () async throws -> Void
    ) async throws -> Bool {
        while true {
            do {
                try await attempt()
                return true
            } catch let error as KafkaError where error.code == .fatal {
                logger.critical("the producer failed fatally; stopping the stage so it can be restarted", metadata: [
                    "error": "\(error)",
                ])
                throw error
            } catch {
                logger.error(failure, metadata: ["error": "\(error)", "records": "\(batch.records.count)"])
                metrics.batchAttemptFailed()
                do { try await Task.sleep(for: retryDelay) } catch { return false }
                if Task.isShuttingDownGracefully { return false }
            }
        }
    }
}
