import Synchronization

/// How many requests one integration may send: a sustained rate and a burst on top of it.
public struct RateLimit: Sendable, Equatable {
    /// Requests per second admitted over time.
    public var perSecond: Int
    /// Requests admitted at once after a quiet spell (the bucket's size); at least 1.
    public var burst: Int

    /// - Precondition: `perSecond >= 1` and `burst >= 1`.
    public init(perSecond: Int, burst: Int) {
        precondition(perSecond >= 1 && burst >= 1, "RateLimit: perSecond and burst must be at least 1")
        self.perSecond = perSecond
        self.burst = burst
    }
}

/// A token bucket held as one atomic: the generic cell rate algorithm (GCRA).
///
/// Instead of a token count and a refill time under a lock, the bucket keeps the "theoretical arrival time" (TAT):
/// when the next request would be due if requests came exactly at the sustained rate. A request at `now` is admitted
/// when `max(TAT, now) + interval` is no more than `burst × interval` ahead of `now`, and then becomes the new TAT —
/// which is a bucket of `burst` tokens refilled at one token per `interval`. One compare-and-swap per request, no
/// lock, and the bucket never needs a timer to refill.
final class TokenBucket: Sendable {
    /// Nanoseconds between tokens.
    private let interval: Int64
    /// How far ahead of now the TAT may run: the burst's worth of intervals.
    private let capacity: Int64
    /// Theoretical arrival time, in nanoseconds on the limiter's clock.
    private let theoreticalArrival = Atomic<Int64>(0)

    init(_ limit: RateLimit) {
        interval = max(1, 1_000_000_000 / Int64(limit.perSecond))
        capacity = interval * Int64(limit.burst)
    }

    /// Takes one token at `now` (nanoseconds, monotonic).
    /// - Returns: nil when admitted, otherwise the nanoseconds until a token will be there.
    func take(now: Int64) -> Int64? {
        var current = theoreticalArrival.load(ordering: .relaxed)
        while true {
            let next = max(current, now) + interval
            let ahead = next - now
            if ahead > capacity { return ahead - capacity }
            let (exchanged, original) = theoreticalArrival.compareExchange(expected: current, desired: next, ordering: .relaxed)
            if exchanged { return nil }
            current = original
        }
    }
}

/// One token bucket per configured integration, checked after routing (unknown integrations were answered 404
/// already, so strangers cannot make buckets) and before the body is read.
///
/// Memory is bounded by the number of configured integrations: a bucket is made on an integration's first request,
/// and ``retain(only:)`` drops the buckets of integrations that were removed. The dictionary lookup is under a
/// small lock; taking a token is one atomic compare-and-swap on the integration's own bucket.
final class IntegrationRateLimiter: Sendable {
    let limit: RateLimit
    private let buckets = Mutex<[String: TokenBucket]>([:])
    private let clock = ContinuousClock()
    private let origin: ContinuousClock.Instant

    init(limit: RateLimit) {
        self.limit = limit
        origin = clock.now
    }

    /// Admits or refuses one request of `integration`.
    /// - Returns: nil when admitted, otherwise how long until the integration may send again.
    func admit(_ integration: String) -> Duration? {
        admit(integration, now: clock.now)
    }

    /// As ``admit(_:)`` at a given instant (tests).
    func admit(_ integration: String, now: ContinuousClock.Instant) -> Duration? {
        let bucket = buckets.withLock { buckets in
            if let bucket = buckets[integration] { return bucket }
            let bucket = TokenBucket(limit)
            buckets[integration] = bucket
            return bucket
        }
        let elapsed = origin.duration(to: now)
        let nanoseconds = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
        return bucket.take(now: nanoseconds).map { .nanoseconds($0) }
    }

    /// Drops the buckets of integrations not in `integrations` (after the configured set changed).
    func retain(only integrations: Set<String>) {
        buckets.withLock { buckets in buckets = buckets.filter { integrations.contains($0.key) } }
    }

    /// Buckets held right now (tests: memory stays bounded).
    var bucketCount: Int { buckets.withLock { $0.count } }

    /// Whole seconds for `Retry-After`: rounded up, at least 1.
    static func retryAfterSeconds(_ wait: Duration) -> Int {
        let (seconds, attoseconds) = wait.components
        return max(1, Int(seconds) + (attoseconds > 0 ? 1 : 0))
    }
}
