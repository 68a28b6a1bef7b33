import Synchronization
import Testing
import InletHTTPClient
#if canImport(Glibc)
import Glibc
#endif

/// A quick throughput figure, not a regression gate: run with `INLET_BENCH=1 swift test -c release
/// -Xswiftc -enable-testing --filter HTTPClientThroughput`. The shared README saw ~38,000 POST/s with the multi
/// interface against a local sink. The sink here is the test's thread-per-connection server on the same 2 cores.
final class Counter: Sendable {
    let value = Atomic<Int>(0)
}

@Suite("HTTPClient throughput", .enabled(if: getenv("INLET_BENCH") != nil))
struct HTTPClientThroughputTests {
    @Test("POST 2 KB with 64 concurrent requests for 5 seconds")
    func postsPerSecond() async throws {
        let sink = try HTTPSink()
        defer { sink.stop() }
        let client = try HTTPClient()
        let body = [UInt8](repeating: 0x7b, count: 2048)
        let request = HTTPRequest(method: .post, url: sink.baseURL + "/echo", headers: [("Content-Type", "application/json")], body: body)
        let completed = Counter()
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(5)
        let started = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<64 {
                group.addTask {
                    while clock.now < deadline {
                        let response = try await client.execute(request)
                        precondition(response.status == 200)
                        completed.value.add(1, ordering: .relaxed)
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = clock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = Double(completed.value.load(ordering: .relaxed)) / seconds
        print("HTTPClient: \(Int(rate)) POST/s with 64 concurrent requests (\(sink.acceptedConnections.load(ordering: .relaxed)) connections)")
        await client.shutdown()
        #expect(rate > 100)

        // Baseline from the same run: wrk (if installed) against the same sink, same body, same concurrency.
        if access("/usr/bin/wrk", X_OK) == 0 {
            let script = "/tmp/inlet-bench-post-\(getpid()).lua"
            let lua = "wrk.method = \"POST\"\nwrk.body = string.rep(\"{\", 2048)\nwrk.headers[\"Content-Type\"] = \"application/json\"\n"
            let file = fopen(script, "w")
            fputs(lua, file)
            fclose(file)
            print("wrk baseline against the same sink:")
            _ = system("/usr/bin/wrk -t2 -c64 -d5s -s \(script) \(sink.baseURL)/echo | grep -E 'Requests/sec|Latency'")
            unlink(script)
        }
    }
}
