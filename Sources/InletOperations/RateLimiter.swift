/// Paces work to at most `perSecond` items per second (`--rate`): a token bucket that holds one second's worth of
/// tokens, so a pause is not followed by a burst of more than that.
///
/// Pure state: the caller sleeps for the returned delay. Times are offsets from any fixed start.
public struct RateLimiter: Sendable {
    public let perSecond: Int
    private var tokens: Double
    private var updatedAt: Duration = .zero

    /// - Precondition: `perSecond > 0`.
    public init(perSecond: Int) {
        precondition(perSecond > 0, "a rate must be positive")
        self.perSecond = perSecond
        self.tokens = Double(perSecond)
    }

    /// Takes `count` tokens at time `now` and returns how long to wait before using them (zero when available).
    public mutating func reserve(_ count: Int, now: Duration) -> Duration {
        let elapsed = max(0, (now - updatedAt).seconds)
        updatedAt = max(updatedAt, now)
        tokens = min(Double(perSecond), tokens + elapsed * Double(perSecond))
        tokens -= Double(count)
        guard tokens < 0 else { return .zero }
        return .nanoseconds(Int64((-tokens / Double(perSecond) * 1e9).rounded(.up)))
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
