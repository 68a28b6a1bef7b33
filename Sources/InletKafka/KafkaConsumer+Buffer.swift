/// The bounded hand-over between the consumer's poll thread and the stage iterating ``KafkaConsumer/batches``.
///
/// Pure state: the caller holds the lock, and performs the returned action (resuming a continuation) after
/// releasing it. One iterator at a time.
struct BatchBufferState {
    enum PushAction {
        /// A stage was waiting: resume it with the batch.
        case resume(CheckedContinuation<KafkaRecordBatch?, any Error>, KafkaRecordBatch)
        /// Buffered; `count` batches are now waiting.
        case buffered(count: Int)
        /// The stream is finished; the batch is dropped (it will be re-read from the committed offset).
        case dropped
    }

    enum NextAction {
        case returnBatch(KafkaRecordBatch)
        case returnEnd
        case throwError(any Error)
        /// Nothing buffered: the continuation was stored and will be resumed by a push or finish.
        case suspended
    }

    private var batches: [KafkaRecordBatch] = []
    /// ``KafkaRecordBatch/approximateByteCount`` of each buffered batch, in the same order as `batches`.
    private var batchBytes: [Int] = []
    private var waiter: CheckedContinuation<KafkaRecordBatch?, any Error>?
    private var finished = false
    private var failure: (any Error)?
    /// Partitions of the batch most recently handed to the stage, until the stage asks for the next one or commits.
    private(set) var inFlight: Set<KafkaTopicPartition> = []

    var count: Int { batches.count }
    /// Approximate memory held by the buffered batches (``KafkaRecordBatch/approximateByteCount``).
    private(set) var bytes = 0

    /// Whether the poll thread should stop fetching: `maxBatches` batches or `maxBytes` bytes are waiting.
    func isFull(maxBatches: Int, maxBytes: Int) -> Bool { batches.count >= maxBatches || bytes >= maxBytes }

    /// Whether a paused poll thread may fetch again: the stage has taken at least half of each bound.
    func hasRoom(maxBatches: Int, maxBytes: Int) -> Bool { batches.count <= maxBatches / 2 && bytes <= maxBytes / 2 }

    mutating func push(_ batch: KafkaRecordBatch) -> PushAction {
        guard !finished else { return .dropped }
        if let waiter {
            self.waiter = nil
            inFlight = batch.partitions
            return .resume(waiter, batch)
        }
        let size = batch.approximateByteCount
        batches.append(batch)
        batchBytes.append(size)
        bytes += size
        return .buffered(count: batches.count)
    }

    /// The stage asks for the next batch; the previous one is no longer in flight.
    mutating func next(_ continuation: CheckedContinuation<KafkaRecordBatch?, any Error>) -> NextAction {
        inFlight = []
        if !batches.isEmpty {
            let batch = batches.removeFirst()
            bytes -= batchBytes.removeFirst()
            inFlight = batch.partitions
            return .returnBatch(batch)
        }
        if finished {
            if let failure { return .throwError(failure) }
            return .returnEnd
        }
        precondition(waiter == nil, "KafkaConsumer.batches supports one iterator at a time")
        waiter = continuation
        return .suspended
    }

    /// The waiting stage's task was cancelled: hand back its continuation to resume with nil.
    mutating func cancelWaiter() -> CheckedContinuation<KafkaRecordBatch?, any Error>? {
        defer { waiter = nil }
        return waiter
    }

    /// The stage's iterator went away (it left its loop).
    mutating func iteratorEnded() { inFlight = [] }

    /// A commit covered these partitions: they are no longer in flight.
    mutating func committed(_ partitions: some Sequence<KafkaTopicPartition>) {
        inFlight.subtract(partitions)
    }

    /// Removes buffered records of revoked partitions: the new owner re-reads them from the committed offset.
    /// Returns how many records were dropped.
    mutating func drop(partitions revoked: Set<KafkaTopicPartition>) -> Int {
        var dropped = 0
        batches = batches.compactMap { batch in
            let kept = batch.records.filter { !revoked.contains($0.topicPartition) }
            dropped += batch.records.count - kept.count
            return kept.isEmpty ? nil : KafkaRecordBatch(records: kept)
        }
        batchBytes = batches.map(\.approximateByteCount)
        bytes = batchBytes.reduce(0, +)
        return dropped
    }

    /// Ends the stream: buffered batches are dropped (uncommitted, so re-read later). Returns the waiter to resume.
    mutating func finish(error: (any Error)? = nil) -> CheckedContinuation<KafkaRecordBatch?, any Error>? {
        guard !finished else { return nil }
        finished = true
        failure = error
        batches.removeAll()
        batchBytes.removeAll()
        bytes = 0
        defer { waiter = nil }
        return waiter
    }
}
