import CRdKafka
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// An idempotent producer (`acks=all`, `enable.idempotence=true`) whose ``send(_:)`` returns once the broker
/// acknowledged the record.
///
/// Run it as a `Service` (or call ``run()`` yourself): `run()` serves librdkafka's event queue on a dedicated thread
/// (delivery reports, logs, errors) until graceful shutdown, then stops accepting sends, flushes while still serving
/// the queue, and returns. Sends made before `run()` starts wait until it does.
///
/// - Important: `send` waits for the delivery report even when its task is cancelled: once librdkafka holds a
///   record it cannot be taken back, and the caller must learn whether it was stored.
///
/// `@unchecked Sendable`: librdkafka documents every `rd_kafka_*` call on a handle as thread-safe; the Swift state
/// is behind a `Mutex`.
public final class KafkaProducer: Service, KafkaRecordSending, @unchecked Sendable {
    private let client: OpaquePointer
    private let mainQueue: OpaquePointer
    private let configuration: KafkaProducerConfiguration
    private let logger: Logger
    private let state = Mutex(ProducerState())
    /// Set after the final flush; tells the event thread to drain and exit.
    private let stopEventLoop = Atomic<Bool>(false)

    public init(configuration: KafkaProducerConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        self.client = try makeRdKafkaHandle(
            type: RD_KAFKA_PRODUCER,
            properties: configuration.properties,
            events: Int32(RD_KAFKA_EVENT_DR | RD_KAFKA_EVENT_LOG | RD_KAFKA_EVENT_ERROR)
        ) { conf in try BrokerThreadPriority.install(niceness: configuration.brokerThreadNiceness, on: conf) }
        self.mainQueue = rd_kafka_queue_get_main(client)
    }

    deinit {
        // No send can be waiting here (each holds a strong reference), so nothing is left to report.
        rd_kafka_flush(client, 0)
        rd_kafka_queue_destroy(mainQueue)
        rd_kafka_destroy(client)
    }

    /// Records (and unserved delivery reports) librdkafka holds right now: `rd_kafka_outq_len`. A gauge for metrics.
    public var outstandingRecords: Int { Int(rd_kafka_outq_len(client)) }

    /// Produces `record` and returns where it was stored, or throws the delivery error.
    ///
    /// While librdkafka's local queue is full, backs off (1 ms doubling to 50 ms) and retries for up to
    /// `queueFullTimeout`, then throws a retriable ``KafkaError/Code/queueFull``. Throws
    /// ``KafkaError/Code/shutDown`` once graceful shutdown began.
    public func send(_ record: KafkaProducerRecord) async throws -> KafkaDeliveryReport {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: configuration.queueFullTimeout)
        var backoff = Duration.milliseconds(1)
        while true {
            do {
                return try await produceOnce(record)
            } catch let error as KafkaError where error.rdKafkaCode == RD_KAFKA_RESP_ERR__QUEUE_FULL {
                guard clock.now < deadline else {
                    throw KafkaError(
                        code: .queueFull,
                        reason: "the producer queue stayed full for \(configuration.queueFullTimeout); the broker is "
                            + "slower than the intake: retry later",
                        rdKafkaCode: RD_KAFKA_RESP_ERR__QUEUE_FULL, isRetriable: true
                    )
                }
                // Not cancellable on purpose: a record is either produced or reported as not produced.
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, .milliseconds(50))
            }
        }
    }

    /// One attempt: enqueue, then wait for the delivery report. A queue-full refusal resumes at once with the
    /// librdkafka error so `send` can back off.
    private func produceOnce(_ record: KafkaProducerRecord) async throws -> KafkaDeliveryReport {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<KafkaDeliveryReport, any Error>) in
            if let refusal = produce(record, completion: .continuation(continuation)) {
                continuation.resume(throwing: refusal)
            }
        }
    }

    /// Produces `record` without suspending and calls `onDelivery` exactly once with its delivery report.
    ///
    /// For callers that race the report against their own deadline (the receiver): no task is created and nothing
    /// waits. Unlike ``send(_:)`` a full local queue is not retried: `onDelivery` gets a retriable
    /// ``KafkaError/Code/queueFull`` at once (the caller decides whether to answer "retry later"). `onDelivery` runs
    /// on the producer's event thread, or on the caller's when the record is refused before librdkafka took it; keep
    /// it short and never block in it.
    public func send(_ record: KafkaProducerRecord,
                     onDelivery: @escaping @Sendable (Result<KafkaDeliveryReport, KafkaError>) -> Void) {
        if let refusal = produce(record, completion: .callback(onDelivery)) {
            onDelivery(.failure(refusal))
        }
    }

    /// Hands `record` to librdkafka with `completion` as its opaque; the delivery report completes it.
    /// - Returns: nil when librdkafka took the record, otherwise why not (`completion` is then not called).
    private func produce(_ record: KafkaProducerRecord, completion: DeliveryCompletion) -> KafkaError? {
        if let refusal = state.withLock({ $0.beginProduceCall() }) { return refusal }
        let context = DeliveryContext(topic: record.topic, completion: completion)
        let opaque = Unmanaged.passRetained(context).toOpaque()
        let err = enqueue(record, opaque: opaque)
        state.withLock { $0.endProduceCall() }
        guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        // librdkafka did not take the record: the retain is ours to release.
        Unmanaged<DeliveryContext>.fromOpaque(opaque).release()
        if err == RD_KAFKA_RESP_ERR__QUEUE_FULL {
            return KafkaError(
                code: .queueFull,
                reason: "the producer queue is full; the broker is slower than the intake: retry later",
                rdKafkaCode: err, isRetriable: true)
        }
        return KafkaError.rdKafka(.produce, err, "could not enqueue a record for topic '\(record.topic)'")
    }

    private func enqueue(_ record: KafkaProducerRecord, opaque: UnsafeMutableRawPointer) -> rd_kafka_resp_err_t {
        var headers: OpaquePointer? = nil
        if !record.headers.isEmpty {
            headers = rd_kafka_headers_new(record.headers.count)
            for header in record.headers {
                if let value = header.value {
                    _ = value.withUnsafeBytes { rd_kafka_header_add(headers, header.key, -1, $0.baseAddress, $0.count) }
                } else {
                    _ = rd_kafka_header_add(headers, header.key, -1, nil, 0)
                }
            }
        }
        let err = record.value.withUnsafeBytes { value in
            withOptionalBytes(record.key) { key in
                inlet_rd_kafka_produce(
                    client, record.topic, record.partition ?? -1,
                    value.baseAddress, value.count, key?.baseAddress, key?.count ?? 0,
                    headers, opaque
                )
            }
        }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR, let headers {
            rd_kafka_headers_destroy(headers)  // ownership passes to librdkafka only on success
        }
        return err
    }

    /// Serves the event queue on a dedicated thread until graceful shutdown (or cancellation), then stops accepting
    /// sends, flushes (bounded by `flushTimeout`, then purges: those sends throw) and returns.
    public func run() async throws {
        guard state.withLock({ $0.startRunning() }) else {
            throw KafkaError(code: .shutDown, reason: "run() was called twice; create a new producer")
        }
        // Cancellation is treated like graceful shutdown: the flush is bounded by `flushTimeout` anyway.
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await onDedicatedThread(name: "inlet-kafka-producer-events") { [self] in
                    eventLoop()
                }
            } onGracefulShutdown: { [self] in
                beginShutdown()
            }
        } onCancel: { [self] in
            beginShutdown()
        }
        state.withLock { $0.finish() }
    }

    /// Test seam: makes librdkafka raise a fatal error on this producer (`rd_kafka_test_fatal_error`), as a broker
    /// losing the idempotent producer's sequence would. Every later send throws ``KafkaError/Code/fatal``.
    public func testingRaiseFatalError() {
        _ = rd_kafka_test_fatal_error(client, RD_KAFKA_RESP_ERR_OUT_OF_ORDER_SEQUENCE_NUMBER, "raised by a test")
    }

    /// Starts the same shutdown as a graceful-shutdown signal: refuse new sends, flush, stop `run()`.
    public func triggerGracefulShutdown() {
        beginShutdown()
    }

    private func beginShutdown() {
        guard state.withLock({ $0.beginShutdown() }) else { return }
        let thread = Thread { [self] in
            // Wait for produce calls that passed the state check to hand their record to librdkafka.
            while state.withLock({ $0.produceCallsInProgress }) > 0 { usleep(100) }
            let flushResult = rd_kafka_flush(client, Int32(configuration.flushTimeout.milliseconds))
            if flushResult != RD_KAFKA_RESP_ERR_NO_ERROR {
                let left = rd_kafka_outq_len(client)
                logger.error("producer flush timed out; purging outstanding records", metadata: [KafkaLogKey.outstanding: "\(left)"])
                rd_kafka_purge(client, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
            }
            stopEventLoop.store(true, ordering: .releasing)
        }
        thread.name = "inlet-kafka-producer-flush"
        thread.start()
    }

    /// The dedicated event thread's loop. Exits after shutdown once every delivery report has been handed out.
    private func eventLoop() {
        var stopDeadline: ContinuousClock.Instant?
        while true {
            if let event = rd_kafka_queue_poll(mainQueue, 100) {
                handle(event)
                rd_kafka_event_destroy(event)
                continue
            }
            guard stopEventLoop.load(ordering: .acquiring) else { continue }
            let outstanding = rd_kafka_outq_len(client)
            if outstanding == 0 { break }
            // After the purge only delivery reports remain; never hang shutdown on anything else librdkafka counts.
            let deadline = stopDeadline ?? ContinuousClock.now.advanced(by: .seconds(5))
            stopDeadline = deadline
            if ContinuousClock.now >= deadline {
                logger.error("producer stopped with librdkafka work outstanding", metadata: [KafkaLogKey.outstanding: "\(outstanding)"])
                break
            }
        }
        // Drain anything that raced with the final check.
        while let event = rd_kafka_queue_poll(mainQueue, 0) {
            handle(event)
            rd_kafka_event_destroy(event)
        }
    }

    private func handle(_ event: OpaquePointer) {
        switch rd_kafka_event_type(event) {
        case RD_KAFKA_EVENT_DR:
            while let message = rd_kafka_event_message_next(event) {
                guard let opaque = message.pointee._private else { continue }
                let context = Unmanaged<DeliveryContext>.fromOpaque(opaque).takeRetainedValue()
                let err = message.pointee.err
                if err == RD_KAFKA_RESP_ERR_NO_ERROR {
                    context.completion.complete(.success(
                        KafkaDeliveryReport(topic: context.topic, partition: message.pointee.partition, offset: message.pointee.offset)))
                } else {
                    context.completion.complete(.failure(
                        KafkaError.rdKafka(.delivery, err, "record for topic '\(context.topic)' was not delivered")))
                }
            }
        case RD_KAFKA_EVENT_LOG:
            logRdKafkaEvent(event, logger: logger)
        case RD_KAFKA_EVENT_ERROR:
            let (_, fatal) = logRdKafkaErrorEvent(event, logger: logger)
            if fatal { state.withLock { $0.markFatal() } }
        default:
            break
        }
    }
}

/// Who learns a record's fate: an awaiting `send`, or a callback.
private enum DeliveryCompletion {
    case continuation(CheckedContinuation<KafkaDeliveryReport, any Error>)
    case callback(@Sendable (Result<KafkaDeliveryReport, KafkaError>) -> Void)

    func complete(_ result: Result<KafkaDeliveryReport, KafkaError>) {
        switch self {
        case .continuation(let continuation): continuation.resume(with: result.mapError { $0 as any Error })
        case .callback(let callback): callback(result)
        }
    }
}

/// Retained once when a record is handed to librdkafka and released once by its delivery report.
private final class DeliveryContext {
    let topic: String
    let completion: DeliveryCompletion

    init(topic: String, completion: DeliveryCompletion) {
        self.topic = topic
        self.completion = completion
    }
}

/// The producer's lifecycle: whether sends are accepted, and how many are inside `rd_kafka_producev` right now.
struct ProducerState {
    enum Phase { case idle, running, shuttingDown, finished, fatal }
    private(set) var phase: Phase = .idle
    private(set) var produceCallsInProgress = 0
    private var started = false

    /// False when `run()` was already called. A shutdown triggered before `run()` still lets it serve the flush.
    mutating func startRunning() -> Bool {
        guard !started, phase != .finished else { return false }
        started = true
        if phase == .idle { phase = .running }
        return true
    }

    /// Nil when the call may go ahead (and is counted); otherwise the error to throw.
    mutating func beginProduceCall() -> KafkaError? {
        switch phase {
        case .idle, .running:
            produceCallsInProgress += 1
            return nil
        case .fatal:
            return KafkaError(
                code: .fatal, reason: "the producer hit a fatal librdkafka error (see the log); restart the process",
                isRetriable: false
            )
        case .shuttingDown, .finished:
            return KafkaError(code: .shutDown, reason: "the producer is shutting down; no more records are accepted")
        }
    }

    mutating func endProduceCall() { produceCallsInProgress -= 1 }

    /// Returns false when shutdown already began.
    mutating func beginShutdown() -> Bool {
        switch phase {
        case .idle, .running, .fatal:
            phase = .shuttingDown
            return true
        case .shuttingDown, .finished:
            return false
        }
    }

    mutating func markFatal() { if phase == .running || phase == .idle { phase = .fatal } }
    mutating func finish() { phase = .finished }
}

private func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
    guard let bytes else { return body(nil) }
    return bytes.withUnsafeBytes { body($0) }
}
