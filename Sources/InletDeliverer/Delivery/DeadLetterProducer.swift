import InletKafka

/// Where dead letters go: ``KafkaProducer`` in production, a recorder in tests.
public protocol DeadLetterProducer: Sendable {
    /// Returns once the record is stored (acknowledged), or throws.
    func sendDeadLetter(_ record: KafkaProducerRecord) async throws
}

extension KafkaProducer: DeadLetterProducer {
    public func sendDeadLetter(_ record: KafkaProducerRecord) async throws {
        _ = try await send(record)
    }
}
