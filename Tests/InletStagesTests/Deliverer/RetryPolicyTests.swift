import Testing
@testable import InletDeliverer

@Suite("RetryPolicy")
struct RetryPolicyTests {
    let policy = RetryPolicy(baseDelay: .milliseconds(500), maxDelay: .seconds(30), maxAttempts: 8)

    @Test("the backoff ceiling doubles from the base and stops at the cap")
    func ceilings() {
        let ceilings = (1...9).map { policy.backoffCeiling(afterAttempt: $0) }
        #expect(ceilings == [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(16),
                             .seconds(30), .seconds(30), .seconds(30)])
        #expect(policy.backoffCeiling(afterAttempt: 10_000) == .seconds(30))
    }

    @Test("full jitter stays within 0…ceiling and spreads over it")
    func jitterBounds() {
        var generator = SeededGenerator(seed: 1)
        for attempt in 1...8 {
            let ceiling = policy.backoffCeiling(afterAttempt: attempt)
            let delays = (0..<500).map { _ in policy.delay(afterAttempt: attempt, using: &generator) }
            #expect(delays.allSatisfy { $0 >= .zero && $0 <= ceiling })
            #expect(delays.min()! < ceiling * 0.1)
            #expect(delays.max()! > ceiling * 0.9)
        }
    }

    @Test("Retry-After raises the wait to at least its value, capped by maxRetryAfter")
    func retryAfterFloor() {
        var generator = SeededGenerator(seed: 2)
        for _ in 0..<100 {
            #expect(policy.delay(afterAttempt: 1, retryAfter: .seconds(5), using: &generator) == .seconds(5))
            #expect(policy.delay(afterAttempt: 1, retryAfter: .seconds(3600), using: &generator) == .seconds(60))
        }
    }

    @Test("2xx is done, 410 is gone, 408/429/5xx and transport failures retry, other statuses are rejected")
    func classification() {
        var generator = SeededGenerator(seed: 3)
        func decide(_ outcome: RetryPolicy.AttemptOutcome, attempt: Int = 1) -> RetryPolicy.Decision {
            policy.decision(after: outcome, attempt: attempt, now: 0, using: &generator)
        }
        for status in [200, 201, 202, 204, 299] { #expect(decide(.response(status: status, retryAfter: nil)) == .delivered) }
        #expect(decide(.response(status: 410, retryAfter: nil)) == .deadLetter(.subscriberGone))
        for status in [400, 401, 403, 404, 413, 422, 301, 302, 100] {
            #expect(decide(.response(status: status, retryAfter: nil)) == .deadLetter(.rejected(status: status)))
        }
        for status in [408, 429, 500, 502, 503, 504] {
            guard case .retry = decide(.response(status: status, retryAfter: nil)) else {
                Issue.record("\(status) should be retried")
                continue
            }
        }
        guard case .retry = decide(.transportFailure(reason: "refused")) else {
            Issue.record("transport failures should be retried")
            return
        }
        #expect(decide(.response(status: 429, retryAfter: "7"), attempt: 1) == .retry(after: .seconds(7)))
        #expect(decide(.response(status: 503, retryAfter: nil), attempt: 8) == .deadLetter(.exhausted(lastFailure: "HTTP 503")))
        #expect(decide(.transportFailure(reason: "refused"), attempt: 8) == .deadLetter(.exhausted(lastFailure: "refused")))
    }

    @Test("dead-letter error codes are stable")
    func errorCodes() {
        #expect(RetryPolicy.DeadLetterReason.exhausted(lastFailure: "x").errorCode == "delivery_exhausted")
        #expect(RetryPolicy.DeadLetterReason.subscriberGone.errorCode == "subscriber_gone")
        #expect(RetryPolicy.DeadLetterReason.rejected(status: 422).errorCode == "rejected_422")
    }
}

@Suite("RetryAfter")
struct RetryAfterTests {
    // Sun, 06 Nov 1994 08:49:37 GMT
    static let epoch = 784_111_777.0

    @Test("delay-seconds parse as seconds")
    func seconds() {
        #expect(RetryAfter.parse("120", now: 0) == .seconds(120))
        #expect(RetryAfter.parse(" 0 ", now: 0) == .zero)
    }

    @Test("the three HTTP-date forms give the time until that date")
    func httpDates() {
        let now = Self.epoch - 30
        #expect(RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 GMT", now: now) == .seconds(30))
        #expect(RetryAfter.parse("Sunday, 06-Nov-94 08:49:37 GMT", now: now) == .seconds(30))
        #expect(RetryAfter.parse("Sun Nov  6 08:49:37 1994", now: now) == .seconds(30))
    }

    @Test("a date in the past means no wait")
    func pastDate() {
        #expect(RetryAfter.parse("Sun, 06 Nov 1994 08:49:37 GMT", now: Self.epoch + 100) == .zero)
    }

    @Test("malformed values are ignored")
    func malformed() {
        for value in ["", "-5", "1.5", "soon", "Sun, 06 Nov 1994 08:49:37 PST", "Sun, 32 Nov 1994 08:49:37 GMT",
                      "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 8:49:37 GMT"] {
            #expect(RetryAfter.parse(value, now: 0) == nil, "\(value)")
        }
    }
}
