#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// What `/readyz` reports: whether the receiver takes traffic and whether the producer recently failed.
///
/// A failed or timed-out delivery makes the receiver unready for `unreadyAfterFailure`, unless a later delivery
/// succeeds; after that window it reports ready again so traffic (and with it the next check) resumes.
final class ReceiverHealth: Sendable {
    /// Monotonic nanoseconds of the last failure not followed by a success; 0 when none.
    private let lastFailure = Atomic<Int64>(0)
    private let draining = Atomic<Bool>(false)
    private let unreadyAfterFailure: Int64

    init(unreadyAfterFailure: Duration) {
        self.unreadyAfterFailure = unreadyAfterFailure.nanoseconds
    }

    func recordDelivered() {
        // Read first: the common case writes nothing, so concurrent requests do not contend on the cache line.
        if lastFailure.load(ordering: .relaxed) != 0 { lastFailure.store(0, ordering: .relaxed) }
    }

    func recordDeliveryFailure() { lastFailure.store(max(1, Self.monotonicNanoseconds()), ordering: .relaxed) }

    func beginDraining() { draining.store(true, ordering: .relaxed) }

    var isDraining: Bool { draining.load(ordering: .relaxed) }

    /// nil when ready, otherwise why not.
    var unreadyReason: String? {
        if isDraining { return "the receiver is shutting down" }
        let failure = lastFailure.load(ordering: .relaxed)
        if failure != 0, Self.monotonicNanoseconds() - failure < unreadyAfterFailure {
            return "the broker recently failed to acknowledge a record"
        }
        return nil
    }

    static func monotonicNanoseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1_000_000_000 + Int64(spec.tv_nsec)
    }

    static func unixSeconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec)
    }
}
