import Testing

@testable import InletPostgres

@Suite("PostgresPoolState")
struct PostgresPoolStateTests {
    typealias State = PostgresPoolState<String, String>

    @Test("leases idle workers, then queues waiters and hands returned workers over in FIFO order")
    func leasesAndHandsOver() throws {
        var state = State(size: 2)
        guard case .use(let first) = state.acquire(), case .use(let second) = state.acquire() else {
            Issue.record("expected two idle workers")
            return
        }
        #expect(Set([first, second]) == [0, 1])
        guard case .wait(let idA) = state.acquire(), case .wait(let idB) = state.acquire() else {
            Issue.record("expected to wait")
            return
        }
        guard case .none = state.enqueue(idA, "A"), case .none = state.enqueue(idB, "B") else {
            Issue.record("expected waiters to be queued")
            return
        }
        guard case .handOver(let waiter, let worker) = state.release(first) else {
            Issue.record("expected a hand-over")
            return
        }
        #expect(waiter == "A" && worker == first)
        #expect(state.leased == 2)
    }

    @Test("fails a waiter cancelled before or after it registered")
    func cancellation() {
        var state = State(size: 1)
        _ = state.acquire()
        guard case .wait(let early) = state.acquire(), case .wait(let late) = state.acquire() else {
            Issue.record("expected to wait")
            return
        }
        guard case .none = state.cancel(early), case .resume(let waiter, .failure) = state.enqueue(early, "early") else {
            Issue.record("an early cancellation must fail the waiter on registration")
            return
        }
        #expect(waiter == "early")
        _ = state.enqueue(late, "late")
        guard case .resume(let lateWaiter, .failure) = state.cancel(late) else {
            Issue.record("a registered waiter must be failed on cancellation")
            return
        }
        #expect(lateWaiter == "late")
        guard case .none = state.release(0) else {
            Issue.record("no waiter is left, the worker must go idle")
            return
        }
        #expect(state.leased == 0)
    }

    @Test("closing fails waiters, refuses new leases and completes when the last lease returns")
    func closing() {
        var state = State(size: 1)
        _ = state.acquire()
        guard case .wait(let id) = state.acquire() else { return }
        _ = state.enqueue(id, "waiter")
        guard case .wait(let failing) = state.close("closer") else {
            Issue.record("close must wait for the outstanding lease")
            return
        }
        #expect(failing == ["waiter"])
        guard case .fail = state.acquire() else {
            Issue.record("a closed pool must refuse leases")
            return
        }
        guard case .finishClose(let closer) = state.release(0) else {
            Issue.record("the last release must complete the close")
            return
        }
        #expect(closer == "closer")
        guard case .alreadyClosed = state.close("again") else {
            Issue.record("a second close must be a no-op")
            return
        }
    }
}
