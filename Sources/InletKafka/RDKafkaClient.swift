import CRdKafka
import Foundation
import Logging

/// Creates an `rd_kafka_t` from key/value properties. The configuration object is consumed by `rd_kafka_new` on
/// success and destroyed here on failure.
///
/// - Parameter configure: sets callbacks or the opaque on the `rd_kafka_conf_t` before the handle is created.
func makeRdKafkaHandle(
    type: rd_kafka_type_t,
    properties: [(String, String)],
    events: Int32,
    configure: (OpaquePointer) throws -> Void = { _ in }
) throws -> OpaquePointer {
    try KafkaLibrary.checkVersion()
    guard let conf = rd_kafka_conf_new() else {
        throw KafkaError(code: .clientCreation, reason: "rd_kafka_conf_new returned NULL (out of memory?)")
    }
    var errorBuffer = [CChar](repeating: 0, count: 512)
    // Logs go to the main event queue so they are logged by our event thread, not librdkafka's internal threads.
    for (key, value) in properties + [("log.queue", "true")] {
        let result = rd_kafka_conf_set(conf, key, value, &errorBuffer, errorBuffer.count)
        guard result == RD_KAFKA_CONF_OK else {
            rd_kafka_conf_destroy(conf)
            // The value may be a secret: name only the key.
            throw KafkaError(
                code: .configuration,
                reason: "librdkafka rejected property '\(key)': \(string(fromNulTerminated: errorBuffer)); fix the value"
            )
        }
    }
    rd_kafka_conf_set_events(conf, events)
    do {
        try configure(conf)
    } catch {
        rd_kafka_conf_destroy(conf)
        throw error
    }
    guard let handle = rd_kafka_new(type, conf, &errorBuffer, errorBuffer.count) else {
        rd_kafka_conf_destroy(conf)
        throw KafkaError(code: .clientCreation, reason: "rd_kafka_new failed: \(string(fromNulTerminated: errorBuffer))")
    }
    rd_kafka_set_log_queue(handle, nil)  // NULL: the main queue
    return handle
}

/// Logs a librdkafka LOG event and returns; other event types are ignored.
func logRdKafkaEvent(_ event: OpaquePointer, logger: Logger) {
    var facility: UnsafePointer<CChar>?
    var message: UnsafePointer<CChar>?
    var level: Int32 = 0
    guard rd_kafka_event_log(event, &facility, &message, &level) == 0 else { return }
    let text = message.map { String(cString: $0) } ?? ""
    let fac = facility.map { String(cString: $0) } ?? ""
    let swiftLevel: Logger.Level =
        switch level {
        case ...2: .critical
        // librdkafka logs transient failures (connection refused) at LOG_ERR and also reports them as ERROR
        // events; both are warnings for us.
        case 3, 4: .warning
        case 5, 6: .info
        default: .debug
        }
    logger.log(level: swiftLevel, "\(text)", metadata: [KafkaLogKey.rdKafkaFacility: "\(fac)"])
}

/// Logs a librdkafka ERROR event; returns the error code and whether it is fatal.
@discardableResult
func logRdKafkaErrorEvent(_ event: OpaquePointer, logger: Logger) -> (rd_kafka_resp_err_t, Bool) {
    let err = rd_kafka_event_error(event)
    let fatal = rd_kafka_event_error_is_fatal(event) != 0
    let text = rd_kafka_event_error_string(event).map { String(cString: $0) } ?? ""
    logger.log(
        level: fatal ? .critical : .warning,
        "librdkafka error: \(text)",
        metadata: [KafkaLogKey.rdKafkaError: "\(String(cString: rd_kafka_err2name(err)))", KafkaLogKey.rdKafkaFatal: "\(fatal)"]
    )
    return (err, fatal)
}

/// Runs `body` on a new dedicated thread and awaits its result, so blocking C calls never occupy the cooperative
/// pool.
func onDedicatedThread<T: Sendable>(name: String, _ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
        let work = OneShotWork(body)
        let thread = Thread {
            // The body (and what it captures) is released before the caller resumes, so an owner that waits for
            // this call and then drops its last reference is freed at once.
            continuation.resume(returning: work.run())
        }
        thread.name = name
        thread.start()
    }
}

/// Throwing form of ``onDedicatedThread(name:_:)``.
func onDedicatedThread<T: Sendable>(name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
    let result: Result<T, any Error> = await onDedicatedThread(name: name) { Result { try body() } }
    return try result.get()
}

/// Builds a `rd_kafka_topic_partition_list_t` with offsets; the caller destroys it.
func makePartitionList(_ offsets: [(KafkaTopicPartition, Int64)]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
    let list = rd_kafka_topic_partition_list_new(Int32(max(1, offsets.count)))!
    for (tp, offset) in offsets {
        let element = rd_kafka_topic_partition_list_add(list, tp.topic, tp.partition)!
        element.pointee.offset = offset
    }
    return list
}

/// Copies a C topic-partition list into Swift values.
func readPartitionList(
    _ list: UnsafePointer<rd_kafka_topic_partition_list_t>?
) -> [(partition: KafkaTopicPartition, offset: Int64, err: rd_kafka_resp_err_t)] {
    guard let list, list.pointee.cnt > 0, let elements = list.pointee.elems else { return [] }
    return (0..<Int(list.pointee.cnt)).map { index in
        let element = elements[index]
        return (
            KafkaTopicPartition(topic: String(cString: element.topic), partition: element.partition),
            element.offset, element.err
        )
    }
}

/// Decodes a NUL-terminated C string held in a Swift buffer.
func string(fromNulTerminated buffer: [CChar]) -> String {
    let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
}

/// Holds a closure until it has run once, then lets it go.
private final class OneShotWork<T>: @unchecked Sendable {
    // Only touched by the one thread that runs it.
    private var body: (() -> T)?

    init(_ body: @escaping () -> T) { self.body = body }

    func run() -> T {
        let body = self.body!
        self.body = nil
        return body()
    }
}

/// Logs and destroys every log and error event waiting on `queue`, without blocking: for clients that have no event
/// thread of their own (the admin clients, the partition reader) and drain their queue after each call.
func drainQueuedLogEvents(_ queue: OpaquePointer, logger: Logger) {
    while let event = rd_kafka_queue_poll(queue, 0) {
        switch rd_kafka_event_type(event) {
        case RD_KAFKA_EVENT_LOG: logRdKafkaEvent(event, logger: logger)
        case RD_KAFKA_EVENT_ERROR: logRdKafkaErrorEvent(event, logger: logger)
        default: break
        }
        rd_kafka_event_destroy(event)
    }
}
