import Synchronization

/// Runs `work` in an unstructured task and returns its answer, or `fallback` once `timeout` has passed, whichever
/// comes first; the later one is dropped.
///
/// Unstructured on purpose: work that ignores cancellation (a libpq query does) must not hold the caller past the
/// timeout, as a task group would (it waits for every child). The work keeps running after a timeout and its side
/// effects still happen; only its answer is ignored.
public func firstAnswer<Value: Sendable>(within timeout: Duration, otherwise fallback: Value,
                                        _ work: @escaping @Sendable () async -> Value) async -> Value {
    await withCheckedContinuation { (continuation: CheckedContinuation<Value, Never>) in
        let answer = FirstAnswer(continuation)
        Task { answer.resume(await work()) }
        Task {
            try? await Task.sleep(for: timeout)
            answer.resume(fallback)
        }
    }
}

/// Resumes a continuation with the first answer and ignores later ones.
private final class FirstAnswer<Value: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<Value, Never>?>

    init(_ continuation: CheckedContinuation<Value, Never>) { self.continuation = Mutex(continuation) }

    func resume(_ value: Value) {
        let waiting = continuation.withLock { stored in
            defer { stored = nil }
            return stored
        }
        waiting?.resume(returning: value)
    }
}
