import InletStageRuntime
import Synchronization

/// The mapper's counters. Thread-safe; read them from any task (tests, a metrics exporter).
///
/// The names in ``Name`` are the metric names an exporter should publish. (`InletMapper` does not depend on
/// swift-metrics yet; the counters live here until the executable wires an exporter.)
public final class MapperMetrics: Sendable {
    /// Metric and log keys, in one place.
    public enum Name {
        public static let recordsConsumed = "inlet_mapper_records_consumed_total"
        public static let recordsProduced = "inlet_mapper_model_records_produced_total"
        public static let entriesFiltered = "inlet_mapper_entries_filtered_total"
        public static let deadLetters = "inlet_mapper_dead_letters_total"
        public static let produceRetries = "inlet_mapper_produce_retries_total"
        public static let commitFailures = "inlet_mapper_commit_failures_total"
        public static let batches = "inlet_mapper_batches_total"
    }

    private let consumed = Atomic<Int>(0)
    private let produced = Atomic<Int>(0)
    private let filtered = Atomic<Int>(0)
    private let retries = Atomic<Int>(0)
    private let commitFailureCount = Atomic<Int>(0)
    private let batchCount = Atomic<Int>(0)
    private let deadLettersByCode = Mutex<[String: Int]>([:])

    /// The counters every stage keeps, under the shared names (`consumed`, `forwarded` = model records produced,
    /// `skipped` = entries filtered, `dead_lettered`, `committed_batches`), updated together with the ones here.
    public let stage = StageCounters()

    public init() {}

    /// Input records the mapper has evaluated (including ones that went to the dead-letter topic).
    public var recordsConsumed: Int { consumed.load(ordering: .relaxed) }
    /// Model records acknowledged by the broker.
    public var recordsProduced: Int { produced.load(ordering: .relaxed) }
    /// Entries that produced nothing on purpose (filter false, variant excluded, empty list).
    public var entriesFiltered: Int { filtered.load(ordering: .relaxed) }
    /// Produce attempts that failed and were retried.
    public var produceRetries: Int { retries.load(ordering: .relaxed) }
    /// Commits that failed (the batch will be re-read: duplicates, never loss).
    public var commitFailures: Int { commitFailureCount.load(ordering: .relaxed) }
    /// Batches fully processed and committed.
    public var batches: Int { batchCount.load(ordering: .relaxed) }
    /// Dead letters acknowledged by the broker, by error code.
    public var deadLetters: [String: Int] { deadLettersByCode.withLock { $0 } }
    /// All dead letters acknowledged by the broker.
    public var deadLettersTotal: Int { deadLettersByCode.withLock { $0.values.reduce(0, +) } }

    func addConsumed(_ count: Int) {
        consumed.add(count, ordering: .relaxed)
        stage.add(.consumed, count)
    }
    func addProduced(_ count: Int) {
        produced.add(count, ordering: .relaxed)
        stage.add(.forwarded, count)
    }
    func addFiltered(_ count: Int) {
        filtered.add(count, ordering: .relaxed)
        stage.add(.skipped, count)
    }
    func addRetries(_ count: Int) { retries.add(count, ordering: .relaxed) }
    func addCommitFailure() { commitFailureCount.add(1, ordering: .relaxed) }
    func addBatch() {
        batchCount.add(1, ordering: .relaxed)
        stage.add(.committedBatches, 1)
    }
    func addDeadLetters(_ codes: [String: Int]) {
        guard !codes.isEmpty else { return }
        stage.add(.deadLettered, codes.values.reduce(0, +))
        deadLettersByCode.withLock { counts in
            for (code, count) in codes { counts[code, default: 0] += count }
        }
    }
}
