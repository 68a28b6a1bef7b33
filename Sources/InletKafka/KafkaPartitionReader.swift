import CRdKafka
import Logging
import Synchronization

/// Where a ``KafkaPartitionReader`` starts reading a partition.
public enum KafkaStartOffset: Hashable, Sendable {
    /// The first record still stored (the low watermark).
    case beginning
    /// After the last record: only records appended from now on.
    case end
    /// This offset; the first record read is the one stored at it (or the next one after a gap).
    case offset(Int64)

    var rawOffset: Int64 {
        switch self {
        case .beginning: Int64(RD_KAFKA_OFFSET_BEGINNING)
        case .end: Int64(RD_KAFKA_OFFSET_END)
        case .offset(let offset): offset
        }
    }
}

/// Reads chosen partitions from chosen offsets outside any consumer group: no join, no rebalance, no commits.
/// For operator tools that read a range of a topic (`inlet tail`, `inlet replay run`, `inlet dlq`), where the
/// three-second group join on Tansu and a throw-away group in the broker would be waste.
///
/// Offset gaps (the Tansu defect described in docs/kafka.md) are healed as in ``KafkaConsumer``: a jump past the
/// next expected offset seeks back and re-reads, counted in ``offsetGapsDetected``.
///
/// - Important: call ``poll(maxRecords:timeout:)`` from one task at a time; records of one partition come back in
///   offset order.
///
/// `@unchecked Sendable`: librdkafka's consumer calls are thread-safe; the gap detector is behind a `Mutex`.
public final class KafkaPartitionReader: @unchecked Sendable {
    private let client: OpaquePointer
    private let mainQueue: OpaquePointer
    private let logger: Logger
    private let detector = Mutex(OffsetGapDetector(maxRetries: 20))
    private let gapsDetected = Atomic<Int>(0)

    /// Offset jumps that made the reader seek back and re-read.
    public var offsetGapsDetected: Int { gapsDetected.load(ordering: .relaxed) }

    /// - Parameter configuration: the broker list and client ID; `requestTimeout` is not used.
    public init(configuration: KafkaAdminConfiguration, logger: Logger) throws {
        self.logger = logger
        self.client = try makeRdKafkaHandle(
            type: RD_KAFKA_CONSUMER,
            properties: configuration.properties + [
                // librdkafka refuses rd_kafka_assign without a group.id; the reader never joins or commits with it.
                ("group.id", "inlet-partition-reader"),
                ("enable.auto.commit", "false"), ("enable.auto.offset.store", "false"),
                ("enable.partition.eof", "false"), ("auto.offset.reset", "earliest"),
            ],
            events: Int32(RD_KAFKA_EVENT_LOG | RD_KAFKA_EVENT_ERROR))
        self.mainQueue = rd_kafka_queue_get_main(client)
    }

    deinit {
        // Never joined a group: closing only stops the fetchers.
        rd_kafka_consumer_close(client)
        drainEvents()
        rd_kafka_queue_destroy(mainQueue)
        rd_kafka_destroy(client)
    }

    /// Starts reading exactly `starts` (replacing any earlier assignment).
    public func assign(_ starts: [KafkaTopicPartition: KafkaStartOffset]) throws {
        let sorted = starts.sorted { partitionOrder($0.key, $1.key) }
        let list = makePartitionList(sorted.map { ($0.key, $0.value.rawOffset) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = rd_kafka_assign(client, list)
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError.rdKafka(.subscription, err, "could not assign \(starts.count) partition(s) to the reader")
        }
        detector.withLock { detector in
            for (partition, start) in sorted {
                if case .offset(let offset) = start { detector.seed(partition, nextOffset: offset) } else { detector.seed(partition, nextOffset: nil) }
            }
        }
    }

    /// Waits up to `timeout` for a record, then takes whatever else is ready without waiting, up to `maxRecords`.
    /// Returns an empty array when nothing arrived in time.
    public func poll(maxRecords: Int = 500, timeout: Duration = .milliseconds(500)) async throws -> [KafkaRecord] {
        let limit = max(1, maxRecords)
        let wait = Int32(max(1, timeout.milliseconds))
        return try await onDedicatedThread(name: "inlet-kafka-reader") { [self] in
            defer { drainEvents() }
            var records: [KafkaRecord] = []
            var seeks: [(KafkaTopicPartition, Int64)] = []
            var healing: Set<KafkaTopicPartition> = []
            var firstError: KafkaError?
            var timeoutForNext = wait
            while records.count < limit, let message = rd_kafka_consumer_poll(client, timeoutForNext) {
                defer { rd_kafka_message_destroy(message) }
                timeoutForNext = 0
                let m = message.pointee
                guard m.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                    if m.err != RD_KAFKA_RESP_ERR__PARTITION_EOF, firstError == nil, !KafkaError.isRetriable(m.err) {
                        firstError = KafkaError.rdKafka(.subscription, m.err, "reading failed")
                    }
                    continue
                }
                guard let rkt = m.rkt else { continue }
                let topic = String(cString: rd_kafka_topic_name(rkt))
                let partition = KafkaTopicPartition(topic: topic, partition: m.partition)
                if healing.contains(partition) { continue }
                switch detector.withLock({ $0.observe(partition, offset: m.offset) }) {
                case .deliver, .acceptGap:
                    records.append(KafkaRecord(copying: message, topic: topic))
                case .dropDuplicate:
                    continue
                case .seekBack(let offset, let attempt):
                    healing.insert(partition)
                    seeks.append((partition, offset))
                    gapsDetected.add(1, ordering: .relaxed)
                    logger.warning("offset gap: seeking back to re-read missing records", metadata: [
                        KafkaLogKey.topic: "\(topic)", KafkaLogKey.partition: "\(m.partition)",
                        KafkaLogKey.expectedOffset: "\(offset)", KafkaLogKey.gotOffset: "\(m.offset)",
                        KafkaLogKey.attempt: "\(attempt)",
                    ])
                }
            }
            if !seeks.isEmpty {
                let list = makePartitionList(seeks)
                defer { rd_kafka_topic_partition_list_destroy(list) }
                if let error = rd_kafka_seek_partitions(client, list, 5000) {
                    defer { rd_kafka_error_destroy(error) }
                    throw KafkaError(code: .subscription, reason: "seek for offset-gap healing failed: \(String(cString: rd_kafka_error_string(error)))")
                }
            }
            if records.isEmpty, let firstError { throw firstError }
            return records
        }
    }

    private func drainEvents() { drainQueuedLogEvents(mainQueue, logger: logger) }
}
