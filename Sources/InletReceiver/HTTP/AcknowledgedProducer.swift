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

/// Produces a request's records and reports once whether the broker stored them, but waits no longer than `timeout`.
///
/// This is the receiver's hot path, so it creates no task and schedules no timer per request: each record goes to
/// librdkafka with a callback (``KafkaProducer/send(_:onDelivery:)``), and the request's deadline joins a shared
/// ``AcknowledgementDeadlines`` bucket whose one timer answers every request of that bucket that is still waiting.
/// Whichever comes first — the last delivery report, the first failure or the deadline — answers the request; the
/// rest is ignored. (An earlier version spawned a task and scheduled and cancelled a NIO timer per request: two
/// cross-thread event-loop wake-ups per webhook, measurable at 10,000 requests/s on two cores.)
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

    /// Produces `records` (one delivery, or every item of a batched request) and calls `completion` exactly once:
    /// `.acknowledged` when all were stored, otherwise the first failure or `.timedOut`. Any failure answers at
    /// once: records already stored stay stored, and the provider's retry re-sends them, which the deduplicator
    /// absorbs. `completion` runs on the producer's event thread, the deadline timer's event loop, or — for a
    /// record librdkafka refused at once — the caller's thread before this returns.
    /// - Precondition: `records` is not empty.
    func send(_ records: [KafkaProducerRecord], completion: @escaping @Sendable (SendOutcome) -> Void) {
        precondition(!records.isEmpty, "send needs at least one record")
        let waiter = AcknowledgementWaiter { [health] outcome in
            switch outcome {
            case .acknowledged: health.recordDelivered()
            case .timedOut, .failed: health.recordDeliveryFailure()
            }
            completion(outcome)
        }
        let ticket = deadlines.register(waiter)
        if records.count == 1 {
            recordObserver?(records[0])
            producer.send(records[0]) { [deadlines] result in
                deadlines.forget(ticket)
                switch result {
                case .success(let report): waiter.resume(.acknowledged(report))
                case .failure(let error): waiter.resume(.failed(error))
                }
            }
            return
        }
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
}

/// The records of one batch still waiting for their acknowledgement.
final class PendingAcknowledgements: Sendable {
    private let remaining: Atomic<Int>

    init(_ count: Int) { remaining = Atomic(count) }

    /// - Returns: true for the acknowledgement that completes the batch.
    func acknowledgeOne() -> Bool { remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 }
}

/// One request waiting for its delivery report; answered once, later results are dropped.
final class AcknowledgementWaiter: Sendable {
    private let answer: Mutex<(@Sendable (SendOutcome) -> Void)?>

    init(_ answer: @escaping @Sendable (SendOutcome) -> Void) {
        self.answer = Mutex(answer)
    }

    func resume(_ outcome: SendOutcome) {
        // Take it under the lock, call it outside.
        let waiting = answer.withLock { value -> (@Sendable (SendOutcome) -> Void)? in
            defer { value = nil }
            return value
        }
        waiting?(outcome)
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
