/// A consuming stage's loop in which preparing a batch (CPU work: evaluating, planning) overlaps finishing the previous
/// one (producing, awaiting acknowledgements, committing), so the CPU work runs during the broker's round trips
/// instead of after them.
///
/// Order is as in a one-batch-at-a-time loop: `finish` runs for one batch at a time, in input order, and starts for
/// batch N+1 only after it returned for batch N. When `finish` throws, nothing after that batch is finished:
/// `onFailure` runs at once (a stage stops its consumer there, so the loop does not wait for a next batch that may
/// never come) and `run` throws the error.
///
/// `unfinished` counts the batches taken and not yet finished (at most two); pass its ``UnfinishedBatches/revokeHook``
/// as the consumer's `onRevoke` so a revocation waits for both.
public enum OverlappedBatchLoop {
    public static func run<Batches: AsyncSequence, Prepared: Sendable>(
        _ batches: Batches,
        unfinished: UnfinishedBatches,
        prepare: (Batches.Element) -> Prepared,
        finish: @escaping @Sendable (Batches.Element, Prepared) async throws -> Void,
        onFailure: @escaping @Sendable () -> Void = {}
    ) async throws where Batches.Element: Sendable {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for try await batch in batches {
                unfinished.begin()
                let prepared = prepare(batch)
                do {
                    // The previous batch is finished, or its error ends the loop here.
                    try await group.next()
                } catch {
                    unfinished.end()
                    throw error
                }
                group.addTask {
                    defer { unfinished.end() }
                    do {
                        try await finish(batch, prepared)
                    } catch {
                        onFailure()
                        throw error
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}
