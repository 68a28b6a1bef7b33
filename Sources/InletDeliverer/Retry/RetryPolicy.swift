/// When to retry a request and how long to wait: exponential backoff with full jitter, `Retry-After` honoured.
///
/// The wait before attempt `k + 1` (after `k` failed attempts) is drawn uniformly from
/// `0 ... min(maxDelay, baseDelay · 2^(k-1))`; when the response carried `Retry-After`, the wait is at least that
/// (capped by ``maxRetryAfter`` so one subscriber cannot stall a partition for hours).
public struct RetryPolicy: Sendable, Equatable {
    /// The backoff ceiling after the first failed attempt. Default: 0.5 s.
    public var baseDelay: Duration = .milliseconds(500)
    /// The largest backoff ceiling. Default: 30 s.
    public var maxDelay: Duration = .seconds(30)
    /// Attempts per request, the first included; after the last the records are dead-lettered. Default: 8.
    public var maxAttempts: Int = 8
    /// The longest `Retry-After` honoured; longer values are cut to this. Default: 60 s.
    public var maxRetryAfter: Duration = .seconds(60)

    public init() {}

    public init(baseDelay: Duration, maxDelay: Duration, maxAttempts: Int, maxRetryAfter: Duration = .seconds(60)) {
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
        self.maxAttempts = maxAttempts
        self.maxRetryAfter = maxRetryAfter
    }

    /// What one attempt ended with.
    public enum AttemptOutcome: Sendable, Equatable {
        /// An HTTP response; `retryAfter` is the raw `Retry-After` header, if any.
        case response(status: Int, retryAfter: String?)
        /// No response: connection refused or reset, timeout, DNS, TLS.
        case transportFailure(reason: String)
    }

    /// What to do next.
    public enum Decision: Sendable, Equatable {
        case delivered
        case retry(after: Duration)
        case deadLetter(DeadLetterReason)
    }

    /// Why records of a request were dead-lettered: the error code written to `inlet-dlq-error-code`.
    public enum DeadLetterReason: Sendable, Equatable, CustomStringConvertible {
        /// Retriable failures until the last attempt: `delivery_exhausted`.
        case exhausted(lastFailure: String)
        /// `410 Gone`: `subscriber_gone`.
        case subscriberGone
        /// A non-retriable status (4xx other than 408/429, 3xx, 1xx): `rejected_<status>`.
        case rejected(status: Int)

        public var errorCode: String {
            switch self {
            case .exhausted: "delivery_exhausted"
            case .subscriberGone: "subscriber_gone"
            case .rejected(let status): "rejected_\(status)"
            }
        }

        public var description: String {
            switch self {
            case .exhausted(let lastFailure): "still failing after the last attempt (last: \(lastFailure))"
            case .subscriberGone: "the subscriber answered 410 Gone; it no longer wants deliveries"
            case .rejected(let status): "the subscriber rejected the request with HTTP \(status), which is not retried"
            }
        }
    }

    /// Whether an HTTP status is worth retrying: 5xx, 408 Request Timeout, 429 Too Many Requests.
    public static func isRetriable(status: Int) -> Bool {
        status >= 500 || status == 408 || status == 429
    }

    /// The decision after attempt number `attempt` (1-based) ended with `outcome`.
    /// - Parameter now: Unix seconds, for `Retry-After` given as an HTTP date.
    public func decision(
        after outcome: AttemptOutcome, attempt: Int, now: Double,
        using generator: inout some RandomNumberGenerator
    ) -> Decision {
        let failure: String
        var retryAfter: Duration?
        switch outcome {
        case .response(let status, _) where (200..<300).contains(status):
            return .delivered
        case .response(410, _):
            return .deadLetter(.subscriberGone)
        case .response(let status, let header) where Self.isRetriable(status: status):
            failure = "HTTP \(status)"
            retryAfter = header.flatMap { RetryAfter.parse($0, now: now) }
        case .response(let status, _):
            return .deadLetter(.rejected(status: status))
        case .transportFailure(let reason):
            failure = reason
        }
        guard attempt < maxAttempts else { return .deadLetter(.exhausted(lastFailure: failure)) }
        return .retry(after: delay(afterAttempt: attempt, retryAfter: retryAfter, using: &generator))
    }

    /// `min(maxDelay, baseDelay · 2^(attempt-1))`: the upper bound of the jittered wait after `attempt` failures.
    public func backoffCeiling(afterAttempt attempt: Int) -> Duration {
        let exponent = max(0, min(attempt - 1, 62))
        let base = baseDelay.seconds
        let ceiling = min(maxDelay.seconds, base * Double(sign: .plus, exponent: exponent, significand: 1))
        return .seconds(max(0, ceiling))
    }

    /// The wait after `attempt` failures: uniform in `0...backoffCeiling`, at least `retryAfter` (capped).
    public func delay(
        afterAttempt attempt: Int, retryAfter: Duration? = nil, using generator: inout some RandomNumberGenerator
    ) -> Duration {
        let ceiling = backoffCeiling(afterAttempt: attempt).seconds
        let jittered = ceiling > 0 ? Double.random(in: 0...ceiling, using: &generator) : 0
        let floor = retryAfter.map { min($0, maxRetryAfter).seconds } ?? 0
        return .seconds(max(jittered, floor))
    }
}

extension Duration {
    /// The duration in seconds as a `Double`.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
