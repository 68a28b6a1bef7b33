import InletKafka
import Logging

/// The broker clients an operator command uses: a consumer-group admin, a partition reader, and on demand a
/// producer that runs only while the command needs it.
public struct OperatorClients: Sendable {
    public let brokers: String
    public let admin: KafkaConsumerGroupAdmin
    public let reader: KafkaPartitionReader
    let logger: Logger

    public init(brokers: String, logger: Logger) throws {
        self.brokers = brokers
        self.logger = logger
        var configuration = KafkaAdminConfiguration(brokers: brokers)
        configuration.clientID = "inlet-operator"
        self.admin = try KafkaConsumerGroupAdmin(configuration: configuration, logger: logger)
        self.reader = try KafkaPartitionReader(configuration: configuration, logger: logger)
    }

    /// Runs `producer` (default: one with client ID `inlet-operator` and default settings) for the duration of
    /// `body`, then flushes and stops it.
    /// - Parameter producer: a producer that has not run yet, built from the deployment's settings
    ///   (`INLET_KAFKA_PRODUCER_PROPERTIES`, linger) as the stages build theirs.
    public func withProducer<R: Sendable>(_ producer: KafkaProducer? = nil, _ body: (KafkaProducer) async throws -> R) async throws -> R {
        let producer = try producer ?? {
            var configuration = KafkaProducerConfiguration(brokers: brokers)
            configuration.clientID = "inlet-operator"
            return try KafkaProducer(configuration: configuration, logger: logger)
        }()
        // Detached: a graceful-shutdown signal must not stop it before the last batch is acknowledged.
        let running = Task.detached { try await producer.run() }
        do {
            let result = try await body(producer)
            producer.triggerGracefulShutdown()
            try await running.value
            return result
        } catch {
            producer.triggerGracefulShutdown()
            _ = try? await running.value
            throw error
        }
    }

    public var resolver: OffsetResolver { OffsetResolver(admin: admin, reader: reader) }
}
