import Synchronization

/// Counters a stage keeps about what it did with records; read by tests, logs and (later) `/metrics`.
/// Lock-free: each counter is an atomic.
public final class StageCounters: Sendable {
    public enum Counter: String, Sendable, CaseIterable {
        /// Records taken from the input topics.
        case consumed
        /// Records written to the stage's output (topic, table or subscriber).
        case forwarded
        /// Records deliberately not forwarded (repeats, filtered out); never lost, just counted.
        case skipped
        /// Records sent to the stage's dead-letter topic.
        case deadLettered = "dead_lettered"
        /// Batches whose offsets were committed.
        case committedBatches = "committed_batches"
        /// Attempts at a batch that failed and were retried (the database or the broker away).
        case failedAttempts = "failed_attempts"
    }

    private let consumed = Atomic<Int>(0)
    private let forwarded = Atomic<Int>(0)
    private let skipped = Atomic<Int>(0)
    private let deadLettered = Atomic<Int>(0)
    private let committedBatches = Atomic<Int>(0)
    private let failedAttempts = Atomic<Int>(0)

    public init() {}

    public func add(_ counter: Counter, _ amount: Int) {
        guard amount != 0 else { return }
        switch counter {
        case .consumed: consumed.add(amount, ordering: .relaxed)
        case .forwarded: forwarded.add(amount, ordering: .relaxed)
        case .skipped: skipped.add(amount, ordering: .relaxed)
        case .deadLettered: deadLettered.add(amount, ordering: .relaxed)
        case .committedBatches: committedBatches.add(amount, ordering: .relaxed)
        case .failedAttempts: failedAttempts.add(amount, ordering: .relaxed)
        }
    }

    public subscript(counter: Counter) -> Int {
        switch counter {
        case .consumed: consumed.load(ordering: .relaxed)
        case .forwarded: forwarded.load(ordering: .relaxed)
        case .skipped: skipped.load(ordering: .relaxed)
        case .deadLettered: deadLettered.load(ordering: .relaxed)
        case .committedBatches: committedBatches.load(ordering: .relaxed)
        case .failedAttempts: failedAttempts.load(ordering: .relaxed)
        }
    }

    /// All counters by name, for logs.
    public var snapshot: [String: Int] {
        Dictionary(uniqueKeysWithValues: Counter.allCases.map { ($0.rawValue, self[$0]) })
    }
}
