import InletKafka

/// Where dead letters go: ``KafkaProducer`` in production (it conforms as is), a recorder in tests.
public protocol DeadLetterProducer: Sendable {
    /// Returns once the record is stored (acknowledged), or throws.
    func send(_ record: KafkaProducerRecord) async throws -> KafkaDeliveryReport
}

extension KafkaProducer: DeadLetterProducer {}
