import InletCore

/// Settings of the mapper stage. ``init(environment:)`` lists every environment variable it reads.
public struct MapperConfiguration: Sendable {
    /// Directory of mapping files, `<definition>/<event>.yaml`. Default: `mappings`.
    public var mappingsDirectory: String = "mappings"
    /// The integrations file whose `filter:` expressions the mapper applies (``IntegrationFilters``); `inlet mapper`
    /// sets it from `INLET_INTEGRATIONS_FILE`. Not read by ``init(environment:)``: the path belongs to the shared
    /// configuration. Default: nil (no integration filters).
    public var integrationsFile: String?
    /// Kafka bootstrap servers, comma-separated. Default: `127.0.0.1:9092`.
    public var brokers: String = "127.0.0.1:9092"
    /// Consumer group. Default: `Stage.mapper.consumerGroup` (`inlet-mapper`).
    public var consumerGroup: String = Stage.mapper.consumerGroup
    /// Most input records evaluated, produced and committed together. Default: 1,000.
    public var maxBatchSize: Int = 1000
    /// `session.timeout.ms` of the consumer (Tansu joins in ~3 s at 6 s, ~23 s at librdkafka's default).
    /// Default: 6 s.
    public var sessionTimeout: Duration = .seconds(6)
    /// How many times one batch's outputs are produced before the mapper gives up and stops without committing
    /// (the batch is re-read after a restart). Default: 10.
    public var produceAttempts: Int = 10
    /// First back-off between produce attempts; it doubles up to ``retryMaxBackoff``. Default: 100 ms.
    public var retryInitialBackoff: Duration = .milliseconds(100)
    /// Longest back-off between produce attempts. Default: 5 s.
    public var retryMaxBackoff: Duration = .seconds(5)
    /// The producer's `linger.ms`. A batch is handed to librdkafka at once (versions of one record in order) and
    /// awaited together, so records queued while a request is in flight leave together in the next one. Measured when
    /// versions of one record were still produced one after the other: with distinct records 6,100 records/s at 0 and
    /// 5,300 at 1 (docs/mapper.md). Default: 0.
    public var producerLingerMilliseconds: Double = 0
    /// Extra librdkafka consumer properties (tests use `test.mock.num.brokers`). Default: empty.
    public var consumerProperties: [String: String] = [:]
    /// Extra librdkafka producer properties (`INLET_KAFKA_PRODUCER_PROPERTIES`, shared by every stage; the mapper's
    /// own `linger.ms`, above, is applied after them). Default: empty.
    public var producerProperties: [String: String] = [:]
    /// Nice value of the producer's librdkafka broker threads (`INLET_KAFKA_PRODUCER_THREAD_NICE`, shared by every
    /// stage; docs/kafka.md). Default: 19.
    public var producerBrokerThreadNiceness: Int32 = 19

    public init() {}

    /// The variables ``init(environment:)`` reads, with their defaults and meaning.
    public static let variables: [(name: String, defaultValue: String, meaning: String)] = [
        ("INLET_KAFKA_BROKERS", "127.0.0.1:9092", "Kafka bootstrap servers, comma-separated"),
        ("INLET_MAPPINGS_DIR", "mappings", "directory of mapping files <definition>/<event>.yaml"),
        ("INLET_KAFKA_PRODUCER_PROPERTIES", "", "extra librdkafka producer properties, key=value,key=value"),
        ("INLET_MAPPER_BATCH_SIZE", "1000", "most records the mapper processes and commits together (1...100000)"),
        ("INLET_MAPPER_PRODUCE_ATTEMPTS", "10", "produce attempts per batch before the mapper stops (1...1000)"),
        ("INLET_MAPPER_RETRY_MAX_BACKOFF_MS", "5000", "longest back-off between produce attempts, ms (1...600000)"),
        ("INLET_MAPPER_SESSION_TIMEOUT_MS", "6000", "consumer group session timeout, ms (1000...300000)"),
    ]

    /// Reads the variables in ``variables``; absent ones keep their defaults.
    /// - Throws: ``MapperError`` `.configuration` naming the malformed variable.
    public init(environment: EnvironmentReader) throws(MapperError) {
        self.init()
        do {
            if let value = environment.string("INLET_KAFKA_BROKERS") { brokers = value }
            let shared = try InletConfiguration(environment: environment)
            producerProperties = shared.kafkaProducerProperties
            producerBrokerThreadNiceness = shared.kafkaProducerBrokerThreadNiceness
            consumerProperties = shared.kafkaConsumerProperties
            if let value = environment.string("INLET_MAPPINGS_DIR") { mappingsDirectory = value }
            if let value = try environment.int("INLET_MAPPER_BATCH_SIZE", range: 1...100_000) { maxBatchSize = value }
            if let value = try environment.int("INLET_MAPPER_PRODUCE_ATTEMPTS", range: 1...1000) { produceAttempts = value }
            if let value = try environment.int("INLET_MAPPER_RETRY_MAX_BACKOFF_MS", range: 1...600_000) {
                retryMaxBackoff = .milliseconds(value)
            }
            if let value = try environment.int("INLET_MAPPER_SESSION_TIMEOUT_MS", range: 1000...300_000) {
                sessionTimeout = .milliseconds(value)
            }
        } catch {
            throw MapperError(.configuration, error.reason)
        }
    }
}
