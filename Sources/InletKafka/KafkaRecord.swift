import CRdKafka
/// A topic and partition.
public struct KafkaTopicPartition: Hashable, Sendable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public var description: String { "\(topic)[\(partition)]" }
}

/// One record header. Kafka headers are ordered and may repeat; values may be absent (null).
public struct KafkaHeader: Hashable, Sendable {
    public var key: String
    public var value: [UInt8]?

    public init(key: String, value: [UInt8]?) {
        self.key = key
        self.value = value
    }

    /// A header with a UTF-8 string value (CloudEvents binary-mode headers such as `ce_id`).
    public init(key: String, string: String) {
        self.key = key
        self.value = Array(string.utf8)
    }

    /// The value decoded as UTF-8, or nil when absent.
    public var stringValue: String? { value.map { String(decoding: $0, as: UTF8.self) } }
}

extension Array where Element == KafkaHeader {
    /// The value of the first header named `key`, decoded as UTF-8.
    public func first(_ key: String) -> String? {
        first(where: { $0.key == key })?.stringValue
    }
}

/// A record to produce.
public struct KafkaProducerRecord: Sendable {
    public var topic: String
    /// An explicit partition, or nil to let the partitioner choose (by key hash when a key is set).
    public var partition: Int32?
    public var key: [UInt8]?
    public var value: [UInt8]
    public var headers: [KafkaHeader]

    public init(topic: String, partition: Int32? = nil, key: [UInt8]? = nil, value: [UInt8], headers: [KafkaHeader] = []) {
        self.topic = topic
        self.partition = partition
        self.key = key
        self.value = value
        self.headers = headers
    }
}

/// Where an acknowledged record was stored.
public struct KafkaDeliveryReport: Hashable, Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64

    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }
}

/// Something that produces records and awaits their acknowledgement: ``KafkaProducer``, or a fake in a stage's
/// unit tests.
public protocol KafkaRecordSending: Sendable {
    /// Returns once the record is stored, or throws ``KafkaError``.
    func send(_ record: KafkaProducerRecord) async throws -> KafkaDeliveryReport
}

/// A consumed record, copied out of librdkafka's memory.
public struct KafkaRecord: Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    public var value: [UInt8]
    public var headers: [KafkaHeader]
    /// Milliseconds since the epoch (create or log-append time), when the broker reported one.
    public var timestampMilliseconds: Int64?

    public init(
        topic: String, partition: Int32, offset: Int64, key: [UInt8]? = nil, value: [UInt8],
        headers: [KafkaHeader] = [], timestampMilliseconds: Int64? = nil
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
        self.timestampMilliseconds = timestampMilliseconds
    }

    public var topicPartition: KafkaTopicPartition { KafkaTopicPartition(topic: topic, partition: partition) }

    /// Roughly the memory this record holds: its value, key and header bytes, plus 64 bytes per header and 128 per
    /// record for the allocations that carry them (array and string storage, the record itself).
    public var approximateByteCount: Int {
        var total = 128 + value.count + (key?.count ?? 0)
        for header in headers { total += 64 + header.key.utf8.count + (header.value?.count ?? 0) }
        return total
    }
}

/// Records fetched together, in offset order within each partition. Commit it with ``KafkaConsumer/commit(_:)``
/// after it has been processed.
public struct KafkaRecordBatch: Sendable {
    public var records: [KafkaRecord]

    public init(records: [KafkaRecord]) { self.records = records }

    /// Roughly the memory these records hold: value, key and header bytes plus a fixed allowance per record and per
    /// header for the allocations that carry them. What the consumer's buffer bound counts.
    public var approximateByteCount: Int {
        records.reduce(0) { $0 + $1.approximateByteCount }
    }

    /// For each partition in the batch, the offset to commit: the highest offset plus one.
    public var nextOffsets: [KafkaTopicPartition: Int64] {
        var result: [KafkaTopicPartition: Int64] = [:]
        for record in records {
            let key = record.topicPartition
            result[key] = Swift.max(result[key] ?? 0, record.offset + 1)
        }
        return result
    }

    /// The partitions this batch holds records of.
    public var partitions: Set<KafkaTopicPartition> { Set(records.map(\.topicPartition)) }
}

extension KafkaRecord {
    /// Copies a consumed message out of librdkafka's memory (value, key, headers, timestamp); the caller still
    /// destroys the message. Shared by the group consumer and the partition reader.
    init(copying message: UnsafeMutablePointer<rd_kafka_message_t>, topic: String) {
        let m = message.pointee
        let value = m.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: m.len)) } ?? []
        let key = m.key.map { Array(UnsafeRawBufferPointer(start: $0, count: m.key_len)) }
        var headers: [KafkaHeader] = []
        var cHeaders: OpaquePointer?
        if rd_kafka_message_headers(message, &cHeaders) == RD_KAFKA_RESP_ERR_NO_ERROR, let cHeaders {
            var index = 0
            var name: UnsafePointer<CChar>?
            var valuePointer: UnsafeRawPointer?
            var size = 0
            while rd_kafka_header_get_all(cHeaders, index, &name, &valuePointer, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                headers.append(
                    KafkaHeader(
                        key: name.map { String(cString: $0) } ?? "",
                        value: valuePointer.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }
                    )
                )
                index += 1
            }
        }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(message, &timestampType)
        self.init(
            topic: topic, partition: m.partition, offset: m.offset, key: key, value: value, headers: headers,
            timestampMilliseconds: timestamp >= 0 ? timestamp : nil
        )
    }
}
