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
/// `KafkaProducer.send` deliberately ignores cancellation (a record handed to librdkafka cannot be taken back), so
/// the deadline cannot be a structured child task: the send runs in its own task and a timer on a NIO event loop
/// races it; whichever finishes first answers the request, the other is ignored.
struct AcknowledgedProducer: Sendable {
    let producer: KafkaProducer
    let timeout: Duration
    let timers: any EventLoopGroup
    let health: ReceiverHealth

    func send(_ record: KafkaProducerRecord) async -> SendOutcome {
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<SendOutcome, Never>) in
            let race = FirstOutcome(continuation)
            let timer = timers.next().scheduleTask(in: .nanoseconds(Int64(timeout.nanoseconds))) {
                race.resume(.timedOut)
            }
            Task { [producer] in
                let outcome: SendOutcome
                do {
                    outcome = .acknowledged(try await producer.send(record))
                } catch let error as KafkaError {
                    outcome = .failed(error)
                } catch {
                    outcome = .failed(KafkaError(code: .delivery, reason: "unexpected error from the producer: \(error)"))
                }
                timer.cancel()
                race.resume(outcome)
            }
        }
        switch outcome {
        case .acknowledged: health.recordDelivered()
        case .timedOut, .failed: health.recordDeliveryFailure()
        }
        return outcome
    }
}

/// Resumes a continuation once; later results are dropped.
private final class FirstOutcome: Sendable {
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

extension Duration {
    /// Whole nanoseconds (saturating), for NIO's `TimeAmount`.
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        return overflow ? .max : scaled &+ attoseconds / 1_000_000_000
    }
}
