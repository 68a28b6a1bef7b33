import InletCore
import InletKafka
import InletStageRuntime
import Metrics
import Synchronization

/// The mapper's counters, kept in memory for tests and logs and exported as metrics at the same time. Thread-safe;
/// read them from any task.
///
/// The shared stage counters (``stage``: `consumed`, `forwarded` = model records produced, `skipped` = entries
/// filtered, `dead_lettered`, `committed_batches`) plus what only the mapper has: dead letters by error code,
/// produce retries and commit failures. The shared ones are exported under ``StageMetricName`` with
/// `stage="mapper"` (`skipped` with reason `filtered`, dead letters with their error code as `reason`); ``Name``
/// holds the mapper's own.
public final class MapperMetrics: Sendable {
    /// The mapper's own metric names, in one place (docs/metrics.md).
    public enum Name {
        /// Counter: produce attempts of outputs that failed and were retried.
        public static let produceRetries = "inlet_mapper_produce_retries_total"

        /// Every mapper metric with its meaning.
        public static let descriptions: [MetricDescription] = [
            MetricDescription(produceRetries, "Outputs whose produce attempt failed and was retried."),
        ]
    }

    /// The shared stage metrics, whose ``StageMetrics/counters`` are ``stage``.
    public let exported = StageMetrics(stage: .mapper)
    private let retries = Atomic<Int>(0)
    private let commitFailureCount = Atomic<Int>(0)
    private let integrationFilteredCount = Atomic<Int>(0)
    private let deadLettersByCode = Mutex<[String: Int]>([:])

    public init() {}

    /// The counters every stage keeps, under the shared names.
    public var stage: StageCounters { exported.counters }
    /// Input records the mapper has evaluated (including ones that went to the dead-letter topic).
    public var recordsConsumed: Int { stage[.consumed] }
    /// Model records acknowledged by the broker.
    public var recordsProduced: Int { stage[.forwarded] }
    /// Entries that produced nothing on purpose (filter false, variant excluded, empty list).
    public var entriesFiltered: Int { stage[.skipped] }
    /// Batches fully processed and committed.
    public var batches: Int { stage[.committedBatches] }
    /// All dead letters acknowledged by the broker.
    public var deadLettersTotal: Int { stage[.deadLettered] }
    /// Dead letters acknowledged by the broker, by error code.
    public var deadLetters: [String: Int] { deadLettersByCode.withLock { $0 } }
    /// Produce attempts that failed and were retried.
    public var produceRetries: Int { retries.load(ordering: .relaxed) }
    /// Commits that failed (the batch will be re-read: duplicates, never loss).
    public var commitFailures: Int { commitFailureCount.load(ordering: .relaxed) }
    /// Entries skipped because their integration's own filter was false (also in ``entriesFiltered``).
    public var entriesFilteredByIntegration: Int { integrationFilteredCount.load(ordering: .relaxed) }

    /// Counted in memory only: the service exports consumed records per topic when it takes a batch
    /// (``StageMetrics/exportReceived(_:)``), so retried evaluation is not exported twice.
    func addConsumed(_ count: Int) { stage.add(.consumed, count) }
    func addProduced(_ count: Int) { exported.forwarded(count) }
    /// - Parameter byIntegration: how many of `count` an integration filter dropped; exported with reason
    ///   `integration_filter`, the rest with `filtered`.
    func addFiltered(_ count: Int, byIntegration: Int = 0) {
        exported.skipped(count - byIntegration, reason: "filtered")
        guard byIntegration > 0 else { return }
        integrationFilteredCount.add(byIntegration, ordering: .relaxed)
        exported.skipped(byIntegration, reason: "integration_filter")
    }
    func addRetries(_ count: Int) {
        guard count > 0 else { return }
        retries.add(count, ordering: .relaxed)
        Counter(label: Name.produceRetries).increment(by: count)
    }
    func addCommitFailure() { commitFailureCount.add(1, ordering: .relaxed) }
    func addDeadLetters(_ codes: [String: Int]) {
        guard !codes.isEmpty else { return }
        deadLettersByCode.withLock { counts in
            for (code, count) in codes { counts[code, default: 0] += count }
        }
        exported.deadLettered(byReason: codes)
    }
}
