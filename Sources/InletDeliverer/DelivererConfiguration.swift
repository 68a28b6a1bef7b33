import InletCore

/// Settings of the deliverer stage.
///
/// Build it in code (tests, embedding) or with ``init(environment:models:)``, which reads the `INLET_*` variables
/// listed in ``variables`` and loads the subscriptions file. Every bad value throws an error that names its key.
public struct DelivererConfiguration: Sendable {
    /// Kafka bootstrap servers, comma-separated. Default: `127.0.0.1:9092`.
    public var kafkaBrokers: String = "127.0.0.1:9092"
    /// The HTTP subscribers. Default: none (the stage then consumes nothing but its replay topic).
    public var subscriptions: [Subscription] = []
    /// Largest request body in bytes; at most ``BodyPacker/hardLimitBytes`` (300,000). Default: 300,000.
    public var maxBodyBytes: Int = BodyPacker.hardLimitBytes
    /// Most records in one batch body. Default: 1,000.
    public var maxRecordsPerBody: Int = 1000
    /// Backoff, attempts and `Retry-After` cap. Default: ``RetryPolicy/init()`` (0.5 s base, 30 s cap, 8 attempts,
    /// `Retry-After` honoured up to 60 s).
    public var retry = RetryPolicy()
    /// Time allowed for one HTTP exchange, connect included. Default: 10 s.
    public var requestTimeout: Duration = .seconds(10)
    /// After SIGTERM, how long the batch in flight may keep retrying before it is abandoned uncommitted (its
    /// records are then delivered again by the next instance). Default: 10 s.
    public var shutdownGracePeriod: Duration = .seconds(10)
    /// The Kafka consumer group. Default: `inlet-deliverer` (``Stage/consumerGroup``); tests use their own.
    public var consumerGroup: String = Stage.deliverer.consumerGroup
    /// Most records fetched into one batch (one commit). Default: 1,000.
    public var maxBatchRecords: Int = 1000
    /// `session.timeout.ms` of the consumer. Default: 6 s (Tansu joins in ~3 s with it, ~23 s at librdkafka's default).
    public var sessionTimeout: Duration = .seconds(6)
    /// Extra librdkafka properties for the consumer (e.g. `test.mock.num.brokers` in tests). Default: empty.
    public var consumerProperties: [String: String] = [:]
    /// Extra librdkafka properties for the dead-letter producer (`INLET_KAFKA_PRODUCER_PROPERTIES`). Default: empty.
    public var producerProperties: [String: String] = [:]
    /// `linger.ms` of the dead-letter producer (`INLET_KAFKA_LINGER_MS`, shared by every stage's producer).
    /// Default: 2 ms.
    public var producerLingerMilliseconds: Double = InletConfiguration().kafkaLingerMilliseconds

    public init(subscriptions: [Subscription] = [], kafkaBrokers: String = "127.0.0.1:9092") {
        self.subscriptions = subscriptions
        self.kafkaBrokers = kafkaBrokers
    }

    /// The variables ``init(environment:models:)`` reads (besides the shared ones of `InletConfiguration`:
    /// `INLET_KAFKA_BROKERS`, `INLET_SUBSCRIPTIONS_FILE`), with defaults and meaning.
    public static let variables: [(name: String, defaultValue: String, meaning: String)] = [
        ("INLET_DELIVERER_MAX_BODY_BYTES", "300000", "largest request body in bytes (16...300000)"),
        ("INLET_DELIVERER_MAX_RECORDS_PER_BODY", "1000", "most records in one batch body"),
        ("INLET_DELIVERER_RETRY_BASE_MS", "500", "backoff ceiling after the first failed attempt, milliseconds"),
        ("INLET_DELIVERER_RETRY_MAX_MS", "30000", "largest backoff ceiling, milliseconds"),
        ("INLET_DELIVERER_MAX_ATTEMPTS", "8", "attempts per request before its records are dead-lettered"),
        ("INLET_DELIVERER_MAX_RETRY_AFTER_S", "60", "longest Retry-After honoured, seconds"),
        ("INLET_DELIVERER_REQUEST_TIMEOUT_MS", "10000", "time allowed for one HTTP exchange, milliseconds"),
        ("INLET_DELIVERER_SHUTDOWN_GRACE_MS", "10000", "how long the in-flight batch may finish after SIGTERM"),
        ("INLET_DELIVERER_MAX_BATCH_RECORDS", "1000", "most records fetched per batch (one commit)"),
    ]

    /// Reads the shared and deliverer variables and loads the subscriptions file.
    /// - Throws: `InletCoreError` or ``DelivererError`` naming the bad variable, file key or subscription.
    public init(environment: EnvironmentReader, models: ModelRegistry) throws {
        let shared = try InletConfiguration(environment: environment)
        self.init(subscriptions: try ConfigurationFiles.subscriptions(at: shared.subscriptionsPath, models: models),
                  kafkaBrokers: shared.kafkaBrokers)
        producerProperties = shared.kafkaProducerProperties
        producerLingerMilliseconds = shared.kafkaLingerMilliseconds
        if let value = try environment.int("INLET_DELIVERER_MAX_BODY_BYTES", range: BodyPacker.minimumLimitBytes...BodyPacker.hardLimitBytes) {
            maxBodyBytes = value
        }
        if let value = try environment.int("INLET_DELIVERER_MAX_RECORDS_PER_BODY", range: 1...1_000_000) { maxRecordsPerBody = value }
        if let value = try environment.int("INLET_DELIVERER_RETRY_BASE_MS", range: 0...3_600_000) { retry.baseDelay = .milliseconds(value) }
        if let value = try environment.int("INLET_DELIVERER_RETRY_MAX_MS", range: 0...3_600_000) { retry.maxDelay = .milliseconds(value) }
        if let value = try environment.int("INLET_DELIVERER_MAX_ATTEMPTS", range: 1...1000) { retry.maxAttempts = value }
        if let value = try environment.int("INLET_DELIVERER_MAX_RETRY_AFTER_S", range: 0...86_400) { retry.maxRetryAfter = .seconds(value) }
        if let value = try environment.int("INLET_DELIVERER_REQUEST_TIMEOUT_MS", range: 1...600_000) { requestTimeout = .milliseconds(value) }
        if let value = try environment.int("INLET_DELIVERER_SHUTDOWN_GRACE_MS", range: 0...3_600_000) { shutdownGracePeriod = .milliseconds(value) }
        if let value = try environment.int("INLET_DELIVERER_MAX_BATCH_RECORDS", range: 1...1_000_000) { maxBatchRecords = value }
        try validate()
    }

    /// Checks limits and subscriptions (unique IDs, usable secrets).
    /// - Throws: ``DelivererError`` `.invalidConfiguration` / `.invalidSecret` naming the value.
    public func validate() throws(DelivererError) {
        _ = try BodyPacker(maxBodyBytes: maxBodyBytes, maxElementsPerBody: maxRecordsPerBody)
        guard retry.maxAttempts >= 1 else {
            throw DelivererError(.invalidConfiguration, "retry.maxAttempts is \(retry.maxAttempts); it must be at least 1")
        }
        var seen = Set<String>()
        for subscription in subscriptions {
            guard seen.insert(subscription.id).inserted else {
                throw DelivererError(.invalidConfiguration, "subscription id '\(subscription.id.prefix(80))' is used twice; ids must be unique")
            }
            do {
                _ = try WebhookSigner(secret: subscription.secret)
            } catch {
                throw DelivererError(error.code, "subscription '\(subscription.id.prefix(80))': \(error.reason)")
            }
        }
    }

    /// The topics the stage consumes: the model topic of every model some subscription wants, and its replay topic.
    public var topics: [TopicName] {
        Set(subscriptions.flatMap(\.models)).sorted().map(TopicName.model) + [.replay(.deliverer)]
    }
}
