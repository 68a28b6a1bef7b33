import InletStageRuntime
import Synchronization
import Testing

@Suite("OverlappedBatchLoop")
struct OverlappedBatchLoopTests {
    /// What the loop did, in the order it happened.
    final class Log: Sendable {
        let events = Mutex<[String]>([])
        let finishing = Mutex(0)
        let mostFinishingAtOnce = Mutex(0)
        let mostUnfinished = Mutex(0)

        func add(_ event: String) { events.withLock { $0.append(event) } }
        func contains(_ event: String) -> Bool { events.withLock { $0.contains(event) } }
        var all: [String] { events.withLock { $0 } }
    }

    struct Failure: Error, Equatable { let batch: Int }

    /// Waits up to 5 s for `condition`; returns whether it held.
    static func eventually(_ condition: () -> Bool) async -> Bool {
        for _ in 0..<500 {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }

    static func stream(_ batches: [Int], finished: Bool = true) -> (AsyncStream<Int>, AsyncStream<Int>.Continuation) {
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        for batch in batches { continuation.yield(batch) }
        if finished { continuation.finish() }
        return (stream, continuation)
    }

    @Test("the next batch is prepared while the previous one is still being finished")
    func preparingOverlapsFinishing() async throws {
        let log = Log()
        let unfinished = UnfinishedBatches()
        let sawOverlap = Mutex(false)
        try await OverlappedBatchLoop.run(
            Self.stream([1, 2]).0, unfinished: unfinished,
            prepare: { batch in log.add("prepare \(batch)"); return batch * 10 },
            finish: { batch, prepared in
                if batch == 1 {
                    // Batch 1 cannot finish before batch 2 was prepared: a loop without overlap would time out here.
                    let overlapped = await Self.eventually { log.contains("prepare 2") }
                    sawOverlap.withLock { $0 = overlapped }
                    log.mostUnfinished.withLock { $0 = max($0, unfinished.count) }
                }
                log.add("finish \(batch) \(prepared)")
            })
        #expect(sawOverlap.withLock { $0 })
        #expect(log.all == ["prepare 1", "prepare 2", "finish 1 10", "finish 2 20"])
        #expect(log.mostUnfinished.withLock { $0 } == 2)
        #expect(unfinished.count == 0)
    }

    @Test("batches are finished one at a time, in input order")
    func finishesInOrderOneAtATime() async throws {
        let log = Log()
        let unfinished = UnfinishedBatches()
        try await OverlappedBatchLoop.run(
            Self.stream(Array(1...20)).0, unfinished: unfinished,
            prepare: { $0 },
            finish: { batch, _ in
                let now = log.finishing.withLock { $0 += 1; return $0 }
                log.mostFinishingAtOnce.withLock { $0 = max($0, now) }
                log.mostUnfinished.withLock { $0 = max($0, unfinished.count) }
                // Early batches take longest, so a loop that finished batches concurrently would reorder them.
                try await Task.sleep(for: .milliseconds(20 - batch))
                log.add("\(batch)")
                log.finishing.withLock { $0 -= 1 }
            })
        #expect(log.all == (1...20).map { "\($0)" })
        #expect(log.mostFinishingAtOnce.withLock { $0 } == 1)
        #expect(log.mostUnfinished.withLock { $0 } <= 2)
        #expect(unfinished.count == 0)
    }

    @Test("a failed batch stops the loop at once: nothing after it is finished, even while no next batch comes",
          .timeLimit(.minutes(1)))
    func failureStopsTheLoop() async throws {
        let log = Log()
        let unfinished = UnfinishedBatches()
        // The stream stays open after batch 2, like a consumer with nothing more to fetch; only onFailure ends it.
        let (stream, continuation) = Self.stream([1, 2], finished: false)
        await #expect(throws: Failure(batch: 2)) {
            try await OverlappedBatchLoop.run(
                stream, unfinished: unfinished,
                prepare: { $0 },
                finish: { batch, _ in
                    if batch == 2 { throw Failure(batch: 2) }
                    log.add("finish \(batch)")
                },
                onFailure: {
                    log.add("stopped")
                    continuation.yield(3)
                    continuation.finish()
                })
        }
        #expect(log.all == ["finish 1", "stopped"])
        #expect(unfinished.count == 0)
    }

    @Test("waitUntilIdle returns once every unfinished batch ended, and at once when none is unfinished")
    func waitUntilIdle() async throws {
        let unfinished = UnfinishedBatches()
        await unfinished.waitUntilIdle()
        unfinished.begin()
        unfinished.begin()
        let returned = Mutex(false)
        let waiter = Task {
            await unfinished.waitUntilIdle()
            returned.withLock { $0 = true }
        }
        unfinished.end()
        try await Task.sleep(for: .milliseconds(50))
        #expect(returned.withLock { $0 } == false)
        unfinished.end()
        await waiter.value
        #expect(returned.withLock { $0 })
    }
}
