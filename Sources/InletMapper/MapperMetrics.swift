import InletStageRuntime
import Synchronization

/// The mapper's counters. Thread-safe; read them from any task (tests, a metrics exporter).
///
/// The shared stage counters (``stage``: `consumed`, `forwarded` = model records produced, `skipped` = entries
/// filtered, `dead_lettered`, `committed_batches`) plus what only the mapper has: dead letters by error code,
/// produce retries and commit failures. `InletMapper` does not depend on swift-metrics yet; ``Name`` holds the
/// metric names an exporter should publish.
public final class MapperMetrics: Sendable {
    /// Metric names, in one place.
    public enum Name {
        public static let recordsConsumed = "inlet_mapper_records_consumed_total"
        public static let recordsProduced = "inlet_mapper_model_records_produced_total"
        public static let entriesFiltered = "inlet_mapper_entries_filtered_total"
        /// Labelled by `code`.
        public static let deadLetters = "inlet_mapper_dead_letters_total"
        public static let produceRetries = "inlet_mapper_produce_retries_total"
        public static let commitFailures = "inlet_mapper_commit_failures_total"
        public static let batches = "inlet_mapper_batches_total"
    }

    /// The counters every stage keeps, under the shared names.
    public let stage = StageCounters()
    private let retries = Atomic<Int>(0)
    private let commitFailureCount = Atomic<Int>(0)
    private let deadLettersByCode = Mutex<[String: Int]>([:])

    public init() {}

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

    func addConsumed(_ count: Int) { stage.add(.consumed, count) }
    func addProduced(_ count: Int) { stage.add(.forwarded, count) }
    func addFiltered(_ count: Int) { stage.add(.skipped, count) }
    func addBatch() { stage.add(.committedBatches, 1) }
    func addRetries(_ count: Int) { retries.add(count, ordering: .relaxed) }
    func addCommitFailure() { commitFailureCount.add(1, ordering: .relaxed) }
    func addDeadLetters(_ codes: [String: Int]) {
        guard !codes.isEmpty else { return }
        deadLettersByCode.withLock { counts in
            for (code, count) in codes { counts[code, default: 0] += count }
        }
        stage.add(.deadLettered, codes.values.reduce(0, +))
    }
}
