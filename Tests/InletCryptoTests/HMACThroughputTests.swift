import Testing
import InletCrypto
#if canImport(Glibc)
import Glibc
#endif

/// A quick throughput figure, not a regression gate: run with `INLET_BENCH=1 swift test -c release
/// -Xswiftc -enable-testing --filter HMACThroughput`. Compare with the shared README's ~1.7 GB/s per core.
@Suite("HMAC throughput", .enabled(if: getenv("INLET_BENCH") != nil))
struct HMACThroughputTests {
    static func now(_ clock: clockid_t = CLOCK_MONOTONIC) -> Double {
        var ts = timespec()
        clock_gettime(clock, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    @Test("HMAC-SHA256 over 4 KB messages, one core and all cores")
    func sha256Over4KB() async throws {
        let key = try HMACKey(algorithm: .sha256, key: [UInt8](repeating: 7, count: 32))
        let message = [UInt8](repeating: 0x5a, count: 4096)
        let iterations = 200_000
        for _ in 0..<1000 { _ = try key.authenticationCode(for: message) }

        var start = Self.now()
        let cpuStart = Self.now(CLOCK_PROCESS_CPUTIME_ID)
        for _ in 0..<iterations { _ = try key.authenticationCode(for: message) }
        let single = Double(iterations * message.count) / (Self.now() - start) / 1e9
        // Per CPU-second, like `openssl speed` without -elapsed: comparable on a loaded machine.
        let perCPUSecond = Double(iterations * message.count) / (Self.now(CLOCK_PROCESS_CPUTIME_ID) - cpuStart) / 1e9

        let workers = 2
        start = Self.now()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<workers {
                group.addTask { for _ in 0..<iterations { _ = try key.authenticationCode(for: message) } }
            }
            try await group.waitForAll()
        }
        let parallel = Double(workers * iterations * message.count) / (Self.now() - start) / 1e9
        print("HMAC-SHA256 4 KB: \(single) GB/s wall on one task, \(perCPUSecond) GB/s per CPU-second; \(parallel) GB/s with \(workers) concurrent signers on one key")
        #expect(single > 0.1)
        // Baseline: run `openssl speed -seconds 3 -bytes 4096 -hmac sha256` right before or after (not from here:
        // it times itself with SIGALRM, which the test process's threads block, so it would never stop).
    }
}
