import InletKafka
import NIOCore
import Synchronization

/// How a send ended, from the request's point of view.
enum SendOutcome: Sendable {
    case acknowledged(KafkaDeliveryReport)
    /// The deadline passed first. The record may still be stored later.
    case timedOut
    case failed(KafkaError)
}

/// Produces a record and waits for the broker's delivery report, but no longer than `timeout`.
///
/// This is the receiver's hot path, so it creates no task and schedules no timer per request: the record goes to
/// librdkafka with a callback (``KafkaProducer/send(_:onDelivery:)``), and its deadline joins a shared
/// ``AcknowledgementDeadlines`` bucket whose one timer answers every request of that bucket that is still waiting.
/// Whichever comes first — delivery report or deadline — answers the request; the other is ignored. (An earlier
/// version spawned a task and scheduled and cancelled a NIO timer per request: two cross-thread event-loop wake-ups
/// per webhook, measurable at 10,000 requests/s on two cores.)
struct AcknowledgedProducer: Sendable {
    let producer: KafkaProducer
    let deadlines: AcknowledgementDeadlines
    let health: ReceiverHealth
    /// Sees every record just before it is produced; for tests (nil in production: one branch per record).
    let recordObserver: (@Sendable (KafkaProducerRecord) -> Void)?

    init(producer: KafkaProducer, timeout: Duration, timers: any EventLoopGroup, health: ReceiverHealth,
         recordObserver: (@Sendable (KafkaProducerRecord) -> Void)? = nil) {
        self.producer = producer
        self.deadlines = AcknowledgementDeadlines(timeout: timeout, timers: timers.next())
        self.health = health
        self.recordObserver = recordObserver
    }

    func send(_ record: KafkaProducerRecord) async -> SendOutcome {
        recordObserver?(record)
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<SendOutcome, Never>) in
            let waiter = AcknowledgementWaiter(continuation)
            let ticket = deadlines.register(waiter)
            producer.send(record) { [deadlines] result in
                deadlines.forget(ticket)
                switch result {
                case .success(let report): waiter.resume(.acknowledged(report))
                case .failure(let error): waiter.resume(.failed(error))
                }
            }
        }
        switch outcome {
        case .acknowledged: health.recordDelivered()
        case .timedOut, .failed: health.recordDeliveryFailure()
        }
        return outcome
    }
}

extension AcknowledgedProducer {
    /// Produces every record of a batched request and waits until all are acknowledged, the first fails, or the
    /// deadline passes — one continuation, one deadline registration and one callback per record, as for a single
    /// record. Any failure answers the request at once: records already stored stay stored, and the provider's retry
    /// re-sends them, which the deduplicator absorbs.
    /// - Precondition: `records` is not empty.
    func sendAll(_ records: [KafkaProducerRecord]) async -> SendOutcome {
        precondition(!records.isEmpty, "sendAll needs at least one record")
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<SendOutcome, Never>) in
            let waiter = AcknowledgementWaiter(continuation)
            let ticket = deadlines.register(waiter)
            let pending = PendingAcknowledgements(records.count)
            for record in records {
                recordObserver?(record)
                producer.send(record) { [deadlines] result in
                    switch result {
                    case .success(let report):
                        guard pending.acknowledgeOne() else { return }
                        deadlines.forget(ticket)
                        waiter.resume(.acknowledged(report))
                    case .failure(let error):
                        deadlines.forget(ticket)
                        waiter.resume(.failed(error))
                    }
                }
            }
        }
        switch outcome {
        case .acknowledged: health.recordDelivered()
        case .timedOut, .failed: health.recordDeliveryFailure()
        }
        return outcome
    }
}

/// The records of one batch still waiting for their acknowledgement.
final class PendingAcknowledgements: Sendable {
    private let remaining: Atomic<Int>

    init(_ count: Int) { remaining = Atomic(count) }

    /// - Returns: true for the acknowledgement that completes the batch.
    func acknowledgeOne() -> Bool { remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 }
}

/// One request waiting for its delivery report; resumed once, later results are dropped.
final class AcknowledgementWaiter: Sendable {
    private let continuation: Mutex<CheckedContinuation<SendOutcome, Never>?>

    init(_ continuation: CheckedContinuation<SendOutcome, Never>) {
        self.continuation = Mutex(continuation)
    }

    func resume(_ outcome: SendOutcome) {
        // Take it under the lock, resume outside it.
        let waiting = continuation.withLock { value -> CheckedContinuation<SendOutcome, Never>? in
            defer { value = nil }
            return value
        }
        waiting?.resume(returning: outcome)
    }
}

/// The deadlines of waiting requests, grouped in buckets of ``resolution``: a bucket gets one event-loop timer when
/// its first waiter registers, and that timer times out whoever in it is still waiting. Under load thousands of
/// requests share a timer; an idle receiver schedules at most one per request, as before. A request therefore times
/// out between `timeout` and `timeout + resolution` after it was sent.
final class AcknowledgementDeadlines: Sendable {
    /// Identifies a registration, to forget it when the delivery report wins.
    struct Ticket: Sendable {
        fileprivate let bucket: Int64
        fileprivate let id: UInt64
    }

    static let resolution: Duration = .milliseconds(10)
    private let timeout: Duration
    private let timers: any EventLoop
    private let buckets = Mutex(Buckets())

    private struct Buckets {
        var waiting: [Int64: [UInt64: AcknowledgementWaiter]] = [:]
        var nextID: UInt64 = 0
    }

    init(timeout: Duration, timers: any EventLoop) {
        self.timeout = timeout
        self.timers = timers
    }

    func register(_ waiter: AcknowledgementWaiter) -> Ticket {
        let resolution = Self.resolution.nanoseconds
        let deadline = NIODeadline.now().uptimeNanoseconds &+ UInt64(max(0, timeout.nanoseconds))
        // Round up so no request is timed out before its full timeout.
        let bucket = Int64((deadline + UInt64(resolution) - 1) / UInt64(resolution))
        let (ticket, isNewBucket) = buckets.withLock { state -> (Ticket, Bool) in
            state.nextID &+= 1
            let isNew = state.waiting[bucket] == nil
            state.waiting[bucket, default: [:]][state.nextID] = waiter
            return (Ticket(bucket: bucket, id: state.nextID), isNew)
        }
        if isNewBucket {
            let fireAt = NIODeadline.uptimeNanoseconds(UInt64(bucket) * UInt64(resolution))
            timers.scheduleTask(deadline: fireAt) { [self] in expire(bucket) }
        }
        return ticket
    }

    func forget(_ ticket: Ticket) {
        buckets.withLock { state in
            guard state.waiting[ticket.bucket] != nil else { return }
            state.waiting[ticket.bucket]![ticket.id] = nil
        }
    }

    /// Requests still registered (for tests).
    var waitingCount: Int { buckets.withLock { $0.waiting.values.reduce(0) { $0 + $1.count } } }

    private func expire(_ bucket: Int64) {
        let expired = buckets.withLock { $0.waiting.removeValue(forKey: bucket) } ?? [:]
        for waiter in expired.values { waiter.resume(.timedOut) }
    }
}

extension Duration {
    /// Whole nanoseconds (saturating), for NIO's `TimeAmount`.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : scaled &+ attoseconds / 1_000_000_000
    }
}
