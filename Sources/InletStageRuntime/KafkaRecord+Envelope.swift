import InletCore
import InletKafka

extension KafkaRecord {
    /// The record's headers as text pairs (headers without a value are left out).
    public var textHeaders: [(key: String, value: String)] {
        var text: [(key: String, value: String)] = []
        text.reserveCapacity(headers.count)
        for header in headers {
            if let value = header.stringValue { text.append((key: header.key, value: value)) }
        }
        return text
    }

    /// The CloudEvents envelope carried in the record's headers.
    /// - Throws: ``InletCoreError`` `.invalidEnvelope` naming the missing header.
    public func envelope() throws(InletCoreError) -> Envelope { try Envelope(headers: textHeaders) }
}

extension Envelope {
    /// The envelope as Kafka record headers.
    public var kafkaHeaders: [KafkaHeader] { headers.map { KafkaHeader(key: $0.key, string: $0.value) } }
}

extension DeadLetter {
    /// The dead-letter record for `original`: same key, value and headers, plus the dead-letter headers
    /// (any earlier dead-letter headers are replaced, so a redriven record that fails again says why this time).
    public func record(for original: KafkaRecord) -> KafkaProducerRecord {
        var headers = original.headers.filter { !$0.key.hasPrefix("inlet-dlq-") }
        headers += self.headers.map { KafkaHeader(key: $0.key, string: $0.value) }
        return KafkaProducerRecord(topic: TopicName.deadLetter(stage).rawValue, key: original.key,
                                   value: original.value, headers: headers)
    }

    /// A dead letter describing why `original` could not be processed by `stage`.
    public init(stage: Stage, errorCode: String, errorMessage: String, attempts: Int = 1, original: KafkaRecord) {
        self.init(stage: stage, errorCode: errorCode, errorMessage: errorMessage, attempts: attempts,
                  originalTopic: original.topic, originalPartition: original.partition, originalOffset: original.offset)
    }
}
