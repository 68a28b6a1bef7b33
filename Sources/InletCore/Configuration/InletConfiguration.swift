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

    public init() {}

    /// The variables ``init(environment:)`` reads, with their defaults and meaning.
    public static let variables: [(name: String, defaultValue: String, meaning: String)] = [
        ("INLET_KAFKA_BROKERS", "127.0.0.1:9092", "Kafka bootstrap servers, comma-separated"),
        ("INLET_POSTGRES_URL", "postgresql://inlet@127.0.0.1:55432/inlet", "PostgreSQL connection URL (libpq syntax)"),
        ("INLET_INTEGRATIONS_FILE", "deploy/local/integrations.yaml", "integrations and their webhook secrets"),
        ("INLET_SUBSCRIPTIONS_FILE", "deploy/local/subscriptions.yaml", "HTTP subscribers the deliverer sends to"),
        ("INLET_MAPPINGS_DIR", "mappings", "directory of mapping files <definition>/<event>.yaml"),
        ("INLET_TOPIC_PARTITIONS", "4", "partitions per topic when Inlet creates topics"),
    ]

    public init(environment: EnvironmentReader) throws(InletCoreError) {
        self.init()
        if let value = environment.string("INLET_KAFKA_BROKERS") { kafkaBrokers = value }
        if let value = environment.string("INLET_POSTGRES_URL") { postgresURL = value }
        if let value = environment.string("INLET_INTEGRATIONS_FILE") { integrationsPath = value }
        if let value = environment.string("INLET_SUBSCRIPTIONS_FILE") { subscriptionsPath = value }
        if let value = environment.string("INLET_MAPPINGS_DIR") { mappingsDirectory = value }
        if let value = try environment.int("INLET_TOPIC_PARTITIONS", range: 1...1024) { topics.partitions = value }
    }
}
