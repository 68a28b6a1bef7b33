import Foundation
import InletCore
import InletKafka
import InletPostgres
import Logging

/// What every stage command builds first: configuration from the environment, the registries, logging, and the
/// clients for the broker and the database. Building it validates everything a stage needs before it starts.
struct Stack {
    let configuration: InletConfiguration
    let environment: EnvironmentReader
    let definitions: DefinitionRegistry
    let models: ModelRegistry
    let logger: Logger

    static func load(label: String) throws -> Stack {
        bootstrapLogging()
        let environment = EnvironmentReader()
        return Stack(configuration: try InletConfiguration(environment: environment), environment: environment,
                     definitions: try DefinitionRegistry(), models: try ModelRegistry(),
                     logger: Logger(label: "inlet.\(label)"))
    }

    /// - Parameters:
    ///   - lingerMilliseconds: `linger.ms`; default `INLET_KAFKA_LINGER_MS`.
    ///   - properties: extra librdkafka properties; default `INLET_KAFKA_PRODUCER_PROPERTIES`.
    ///   - brokerThreadNiceness: nice value of librdkafka's broker threads; default `INLET_KAFKA_PRODUCER_THREAD_NICE`.
    func producer(
        clientID: String, lingerMilliseconds: Double? = nil, properties: [String: String]? = nil,
        brokerThreadNiceness: Int32? = nil
    ) throws -> KafkaProducer {
        try KafkaLibrary.checkVersion()
        var settings = KafkaProducerConfiguration(brokers: configuration.kafkaBrokers)
        settings.clientID = clientID
        settings.lingerMilliseconds = lingerMilliseconds ?? configuration.kafkaLingerMilliseconds
        settings.extraProperties = properties ?? configuration.kafkaProducerProperties
        settings.brokerThreadNiceness = brokerThreadNiceness ?? configuration.kafkaProducerBrokerThreadNiceness
        return try KafkaProducer(configuration: settings, logger: logger)
    }

    /// Broker settings for a stage's consumer; the stage sets its group and topics.
    var consumer: KafkaConsumerConfiguration {
        var settings = KafkaConsumerConfiguration(groupID: "unset", topics: [], brokers: configuration.kafkaBrokers)
        settings.clientID = "inlet-consumer"
        settings.extraProperties = configuration.kafkaConsumerProperties
        return settings
    }

    func postgres() throws -> PostgresClient {
        var settings = try PostgresConfiguration(environment: ProcessInfo.processInfo.environment)
        settings.url = configuration.postgresURL
        return PostgresClient(configuration: settings, logger: logger)
    }

    func admin() throws -> KafkaAdmin {
        try KafkaLibrary.checkVersion()
        return try KafkaAdmin(configuration: KafkaAdminConfiguration(brokers: configuration.kafkaBrokers), logger: logger)
    }

    var catalog: TopicCatalog { TopicCatalog(definitions: definitions, models: models, settings: configuration.topics) }
}

/// Logs go to standard error; the level comes from `INLET_LOG_LEVEL` (trace … critical, default info).
private let loggingBootstrapped: Void = {
    let level = ProcessInfo.processInfo.environment["INLET_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .info
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return handler
    }
}()

func bootstrapLogging() { _ = loggingBootstrapped }
