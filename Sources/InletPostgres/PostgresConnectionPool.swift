import Synchronization

/// Which worker is free and who waits for one. Pure state: its methods return what the caller must do, and the
/// caller resumes continuations after leaving the lock. Generic over the waiter types so tests can drive it without
/// tasks.
struct PostgresPoolState<Waiter, CloseWaiter> {
    private var idle: [Int]
    private var waiters: [(id: Int, continuation: Waiter)] = []
    private var cancelledWaiters: Set<Int> = []
    private var nextWaiterID = 0
    private(set) var leased = 0
    private(set) var isClosed = false
    private var closeWaiter: CloseWaiter?

    init(size: Int) {
        idle = Array((0..<size).reversed())
    }

    enum AcquireAction {
        case use(Int)
        case wait(id: Int)
        case fail(any Error)
    }

    /// Takes an idle worker, or hands out a waiter id to register with ``enqueue(_:_:)``.
    mutating func acquire() -> AcquireAction {
        if isClosed { return .fail(Self.closedError) }
        if let worker = idle.popLast() {
            leased += 1
            return .use(worker)
        }
        nextWaiterID += 1
        return .wait(id: nextWaiterID)
    }

    enum EnqueueAction {
        case none
        case resume(Waiter, Result<Int, any Error>)
    }

    /// Registers a waiter, unless a worker became free, the pool closed, or the task was cancelled meanwhile.
    mutating func enqueue(_ id: Int, _ waiter: Waiter) -> EnqueueAction {
        if cancelledWaiters.remove(id) != nil { return .resume(waiter, .failure(CancellationError())) }
        if isClosed { return .resume(waiter, .failure(Self.closedError)) }
        if let worker = idle.popLast() {
            leased += 1
            return .resume(waiter, .success(worker))
        }
        waiters.append((id, waiter))
        return .none
    }

    /// The waiting task was cancelled: fail its waiter if registered, or remember to fail it on registration.
    mutating func cancel(_ id: Int) -> EnqueueAction {
        if let index = waiters.firstIndex(where: { $0.id == id }) {
            return .resume(waiters.remove(at: index).continuation, .failure(CancellationError()))
        }
        cancelledWaiters.insert(id)
        return .none
    }

    enum ReleaseAction {
        case none
        case handOver(Waiter, Int)
        case finishClose(CloseWaiter)
    }

    /// A worker came back: give it to the oldest waiter, or park it; the last one back completes a pending close.
    mutating func release(_ worker: Int) -> ReleaseAction {
        if !waiters.isEmpty {
            return .handOver(waiters.removeFirst().continuation, worker)
        }
        leased -= 1
        idle.append(worker)
        if isClosed, leased == 0, let closeWaiter {
            self.closeWaiter = nil
            return .finishClose(closeWaiter)
        }
        return .none
    }

    enum CloseAction {
        case proceed(failing: [Waiter])
        case wait(failing: [Waiter])
        case alreadyClosed
    }

    /// Stops leasing: fails every waiter; the caller closes the workers once no lease is outstanding.
    mutating func close(_ waiter: CloseWaiter) -> CloseAction {
        if isClosed { return .alreadyClosed }
        isClosed = true
        let failing = waiters.map(\.continuation)
        waiters.removeAll()
        if leased == 0 { return .proceed(failing: failing) }
        closeWaiter = waiter
        return .wait(failing: failing)
    }

    static var closedError: PostgresError { postgresClientClosedError }
}

let postgresClientClosedError = PostgresError(
    code: .clientClosed, operation: "acquire connection",
    reason: "the PostgreSQL client was closed; no further statements are accepted", isRetriable: false)

/// The workers of one client and the lock-protected ``PostgresPoolState`` that leases them out exclusively.
final class PostgresConnectionPool: Sendable {
    typealias State = PostgresPoolState<CheckedContinuation<Int, any Error>, CheckedContinuation<Void, Never>>
    let workers: [PostgresConnectionWorker]
    private let state: Mutex<State>

    init(workers: [PostgresConnectionWorker]) {
        self.workers = workers
        self.state = Mutex(State(size: workers.count))
    }

    /// Runs `body` with exclusive use of one worker, waiting (FIFO) for one to be free.
    func withWorker<R>(
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresConnectionWorker) async throws -> R
    ) async throws -> R {
        let index = try await acquire()
        defer { release(index) }
        return try await body(workers[index])
    }

    private func acquire() async throws -> Int {
        switch state.withLock({ $0.acquire() }) {
        case .use(let index): return index
        case .fail(let error): throw error
        case .wait(let id):
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int, any Error>) in
                    perform(state.withLock { $0.enqueue(id, continuation) })
                }
            } onCancel: {
                perform(state.withLock { $0.cancel(id) })
            }
        }
    }

    private func perform(_ action: State.EnqueueAction) {
        if case .resume(let waiter, let result) = action { waiter.resume(with: result) }
    }

    private func release(_ index: Int) {
        switch state.withLock({ $0.release(index) }) {
        case .none: break
        case .handOver(let waiter, let worker): waiter.resume(returning: worker)
        case .finishClose(let waiter): waiter.resume()
        }
    }

    /// Refuses new leases, fails waiters, waits for outstanding leases to come back, then frees every connection.
    func close() async {
        var proceed = true
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            switch state.withLock({ $0.close(continuation) }) {
            case .alreadyClosed:
                proceed = false
                continuation.resume()
            case .proceed(let failing):
                failing.forEach { $0.resume(throwing: postgresClientClosedError) }
                continuation.resume()
            case .wait(let failing):
                failing.forEach { $0.resume(throwing: postgresClientClosedError) }
            }
        }
        guard proceed else { return }
        for worker in workers { await worker.close() }
    }
}
