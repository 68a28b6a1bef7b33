import Foundation

/// Settings every stage shares: where the broker, the database and the configuration files are.
///
/// ``init(environment:)`` lists every environment variable it reads; ``variables`` documents them for
/// `docs/operations.md` and `inlet --help`.
public struct InletConfiguration: Sendable, Equatable {
    /// Kafka bootstrap servers, comma-separated. Default: `127.0.0.1:9092` (the local Tansu broker).
    public var kafkaBrokers = "127.0.0.1:9092"
    /// libpq connection URL. Default: `postgresql://inlet@127.0.0.1:55432/inlet` (the local cluster).
    public var postgresURL = "postgresql://inlet@127.0.0.1:55432/inlet"
    /// Integrations and their secrets. Default: `deploy/local/integrations.yaml`.
    public var integrationsPath = "deploy/local/integrations.yaml"
    /// HTTP subscribers of model records. Default: `deploy/local/subscriptions.yaml`.
    public var subscriptionsPath = "deploy/local/subscriptions.yaml"
    /// Mapping files, `<definition>/<event>.yaml`. Default: `mappings`.
    public var mappingsDirectory = "mappings"
    /// Topic provisioning defaults.
    public var topics = TopicCatalog.Settings()
    /// librdkafka `linger.ms` for every producer of the process: how long a record may wait for its batch to fill.
    /// Larger batches cost the broker and the client less CPU per record; a lone record pays the wait in full.
    /// Default: 2 ms (see docs/kafka.md for the measurement behind it).
    public var kafkaLingerMilliseconds: Double = 2
    /// Extra librdkafka producer properties (`key=value,key=value`), applied before Inlet's own. Default: none.
    public var kafkaProducerProperties: [String: String] = [:]
    /// Nice value (0…19) of every producer's librdkafka broker threads, which busy-wait while an idempotent
    /// producer's requests in flight await the broker; 0 leaves them alone. Default: 19 (docs/kafka.md).
    public var kafkaProducerBrokerThreadNiceness: Int32 = 19
    /// Extra librdkafka consumer properties of every stage's consumer (`key=value,key=value`), applied before
    /// Inlet's own (group, session, offsets and commits stay Inlet's). Default: none.
    public var kafkaConsumerProperties: [String: String] = [:]

    public init() {}

    /// The variables ``init(environment:)`` reads, with their defaults and meaning.
    public static let variables: [(name: String, defaultValue: String, meaning: String)] = [
        ("INLET_KAFKA_BROKERS", "127.0.0.1:9092", "Kafka bootstrap servers, comma-separated"),
        ("INLET_POSTGRES_URL", "postgresql://inlet@127.0.0.1:55432/inlet", "PostgreSQL connection URL (libpq syntax)"),
        ("INLET_INTEGRATIONS_FILE", "deploy/local/integrations.yaml", "integrations and their webhook secrets"),
        ("INLET_SUBSCRIPTIONS_FILE", "deploy/local/subscriptions.yaml", "HTTP subscribers the deliverer sends to"),
        ("INLET_MAPPINGS_DIR", "mappings", "directory of mapping files <definition>/<event>.yaml"),
        ("INLET_TOPIC_PARTITIONS", "4", "partitions per topic when Inlet creates topics"),
        ("INLET_KAFKA_LINGER_MS", "2", "librdkafka linger.ms of every producer (batching wait, milliseconds)"),
        ("INLET_KAFKA_PRODUCER_PROPERTIES", "", "extra librdkafka producer properties, key=value,key=value"),
        ("INLET_KAFKA_CONSUMER_PROPERTIES", "", "extra librdkafka consumer properties, key=value,key=value"),
        ("INLET_KAFKA_PRODUCER_THREAD_NICE", "19", "nice value (0-19) of every producer's librdkafka broker threads"),
    ]

    public init(environment: EnvironmentReader) throws(InletCoreError) {
        self.init()
        if let value = environment.string("INLET_KAFKA_BROKERS") { kafkaBrokers = value }
        if let value = environment.string("INLET_POSTGRES_URL") { postgresURL = value }
        if let value = environment.string("INLET_INTEGRATIONS_FILE") { integrationsPath = value }
        if let value = environment.string("INLET_SUBSCRIPTIONS_FILE") { subscriptionsPath = value }
        if let value = environment.string("INLET_MAPPINGS_DIR") { mappingsDirectory = value }
        if let value = try environment.int("INLET_TOPIC_PARTITIONS", range: 1...1024) { topics.partitions = value }
        if let value = try environment.int("INLET_KAFKA_LINGER_MS", range: 0...1000) { kafkaLingerMilliseconds = Double(value) }
        if let value = environment.string("INLET_KAFKA_PRODUCER_PROPERTIES") {
            kafkaProducerProperties = try Self.properties(value, variable: "INLET_KAFKA_PRODUCER_PROPERTIES")
        }
        if let value = try environment.int("INLET_KAFKA_PRODUCER_THREAD_NICE", range: 0...19) {
            kafkaProducerBrokerThreadNiceness = Int32(value)
        }
        if let value = environment.string("INLET_KAFKA_CONSUMER_PROPERTIES") {
            kafkaConsumerProperties = try Self.properties(value, variable: "INLET_KAFKA_CONSUMER_PROPERTIES",
                                                          example: "fetch.wait.max.ms=100,fetch.min.bytes=65536")
        }
    }

    /// Parses `key=value,key=value` (spaces around items ignored).
    static func properties(_ text: String, variable: String,
                           example: String = "compression.type=lz4,batch.size=1000000") throws(InletCoreError) -> [String: String] {
        var result: [String: String] = [:]
        for item in text.split(separator: ",") {
            let pair = item.split(separator: "=", maxSplits: 1)
            let key = pair.first.map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
            guard pair.count == 2, !key.isEmpty else {
                throw InletCoreError(.invalidConfiguration, "\(variable): '\(item.prefix(80))' is not key=value; write e.g. \(example)")
            }
            result[key] = String(pair[1]).trimmingCharacters(in: .whitespaces)
        }
        return result
    }
}
