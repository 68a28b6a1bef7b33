import InletKafka
import Synchronization

/// Counts the batches a stage has taken from its consumer but not yet finished (produced and committed), for a stage
/// that starts on the next batch before the previous one is done.
///
/// ``KafkaConsumer`` holds back a revocation only while the batch it handed out last is in flight; a stage that
/// already asked for the next batch passes this tracker's ``waitUntilIdle()`` as the consumer's `onRevoke` hook, so
/// partitions are given away only after the work on them is committed (the consumer bounds the wait by its
/// `revokeTimeout`).
public final class UnfinishedBatches: Sendable {
    private struct State {
        var count = 0
        var idleWaiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// How many batches are unfinished now.
    public var count: Int { state.withLock { $0.count } }

    /// A batch was taken; call ``end()`` exactly once when it is committed or has failed.
    public func begin() {
        state.withLock { $0.count += 1 }
    }

    public func end() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            precondition(state.count > 0, "UnfinishedBatches.end() without a matching begin()")
            state.count -= 1
            guard state.count == 0 else { return [] }
            defer { state.idleWaiters = [] }
            return state.idleWaiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// The consumer's `onRevoke` hook for a stage using this tracker: waits until no batch is unfinished.
    public var revokeHook: KafkaConsumer.RevokeHook {
        { [self] _ in await waitUntilIdle() }
    }

    /// Returns once no batch is unfinished (at once if none is).
    public func waitUntilIdle() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let idle = state.withLock { state -> Bool in
                guard state.count > 0 else { return true }
                state.idleWaiters.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }
}
