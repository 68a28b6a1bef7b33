import InletCore

/// Settings of the deliverer stage.
///
/// Build it in code (tests, embedding) or with ``init(environment:models:)``, which reads the `INLET_*` variables
/// listed in ``variables`` and loads the subscriptions file. Every bad value throws an error that names its key.
public struct DelivererConfiguration: Sendable {
    /// Kafka bootstrap servers, comma-separated. Default: `127.0.0.1:9092`.
    public var kafkaBrokers: String = "127.0.0.1:9092"
    /// The HTTP subscribers, every one in the subscriptions file. Default: none (the stage then consumes nothing).
    public var subscriptions: [Subscription] = []
    /// Which of ``subscriptions`` this process serves (``servedSubscriptions``): nil for all of them. Default: nil
    /// (`INLET_DELIVERER_SUBSCRIPTIONS`, comma-separated IDs).
    public var onlySubscriptionIDs: [String]?
    /// Subscriptions this process leaves to another one, taken out of the selection. Default: none
    /// (`INLET_DELIVERER_EXCLUDED_SUBSCRIPTIONS`, comma-separated IDs).
    public var excludedSubscriptionIDs: [String] = []
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
    /// The stem of the consumer groups: each subscription consumes in a group of its own,
    /// `<consumerGroup>.<subscription-id>` (``consumerGroup(for:)``). Default: `inlet-deliverer`
    /// (``Stage/consumerGroup``); tests use their own.
    public var consumerGroup: String = Stage.deliverer.consumerGroup
    /// Most records fetched into one batch (one commit). Default: 1,000.
    public var maxBatchRecords: Int = 1000
    /// `session.timeout.ms` of the consumer. Default: 6 s (Tansu joins in ~3 s with it, ~23 s at librdkafka's default).
    public var sessionTimeout: Duration = .seconds(6)
    /// Extra librdkafka properties for the consumer (e.g. `test.mock.num.brokers` in tests). Default: empty.
    public var consumerProperties: [String: String] = [:]
    /// Extra librdkafka properties for the dead-letter producer (`INLET_KAFKA_PRODUCER_PROPERTIES`). Default: empty.
    public var producerProperties: [String: String] = [:]
    /// Nice value of the producer's librdkafka broker threads (`INLET_KAFKA_PRODUCER_THREAD_NICE`, shared by every
    /// stage; docs/kafka.md). Default: 19.
    public var producerBrokerThreadNiceness: Int32 = 19
    /// How often the gone marks (410 Gone) are read back from PostgreSQL, so a mark made by another replica or
    /// deleted by `inlet subscriptions enable` applies within this interval. Default: 10 s.
    public var goneMarksRefreshInterval: Duration = .seconds(10)
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
        ("INLET_DELIVERER_GONE_REFRESH_MS", "10000", "how often gone marks (410 Gone) are re-read from PostgreSQL, milliseconds"),
        ("INLET_DELIVERER_SUBSCRIPTIONS", "", "IDs of the subscriptions this process serves, comma-separated; empty: all"),
        ("INLET_DELIVERER_EXCLUDED_SUBSCRIPTIONS", "", "IDs of subscriptions this process does not serve, comma-separated"),
    ]

    /// Reads the shared and deliverer variables and loads the subscriptions file.
    /// - Throws: `InletCoreError` or ``DelivererError`` naming the bad variable, file key or subscription.
    public init(environment: EnvironmentReader, models: ModelRegistry) throws {
        let shared = try InletConfiguration(environment: environment)
        self.init(subscriptions: try ConfigurationFiles.subscriptions(at: shared.subscriptionsPath, models: models),
                  kafkaBrokers: shared.kafkaBrokers)
        producerProperties = shared.kafkaProducerProperties
        producerBrokerThreadNiceness = shared.kafkaProducerBrokerThreadNiceness
        consumerProperties = shared.kafkaConsumerProperties
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
        if let value = try environment.int("INLET_DELIVERER_GONE_REFRESH_MS", range: 100...86_400_000) {
            goneMarksRefreshInterval = .milliseconds(value)
        }
        let only = Self.idList(environment.string("INLET_DELIVERER_SUBSCRIPTIONS"))
        onlySubscriptionIDs = only.isEmpty ? nil : only
        excludedSubscriptionIDs = Self.idList(environment.string("INLET_DELIVERER_EXCLUDED_SUBSCRIPTIONS"))
        try validate()
    }

    /// `a, b,,c` → `[a, b, c]`.
    private static func idList(_ text: String?) -> [String] {
        (text ?? "").split(separator: ",").map { $0.filter { !$0.isWhitespace } }.filter { !$0.isEmpty }
    }

    /// Checks limits, subscriptions (unique IDs that make clean group names, usable secrets) and the selection.
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
            try Self.checkGroupSafe(subscription.id)
            do {
                _ = try WebhookSigner(secret: subscription.secret)
            } catch {
                throw DelivererError(error.code, "subscription '\(subscription.id.prefix(80))': \(error.reason)")
            }
        }
        for (variable, ids) in [("INLET_DELIVERER_SUBSCRIPTIONS", onlySubscriptionIDs ?? []),
                                ("INLET_DELIVERER_EXCLUDED_SUBSCRIPTIONS", excludedSubscriptionIDs)] {
            let unknown = ids.filter { !seen.contains($0) }
            guard unknown.isEmpty else {
                throw DelivererError(.invalidConfiguration, "\(variable) names \(unknown.map { "'\($0.prefix(80))'" }.joined(separator: ", ")), which the subscriptions file does not declare; use IDs from it (declared: \(subscriptions.map(\.id).joined(separator: ", ").prefix(400)))")
            }
        }
        if !subscriptions.isEmpty, servedSubscriptions.isEmpty {
            throw DelivererError(.invalidConfiguration, "INLET_DELIVERER_SUBSCRIPTIONS and INLET_DELIVERER_EXCLUDED_SUBSCRIPTIONS leave this process no subscription to serve; select at least one")
        }
    }

    /// Longest subscription ID: with the group stem it stays well inside what brokers and exporters handle.
    public static let maximumSubscriptionIDLength = 200

    /// A subscription ID becomes part of a consumer group name, a metric label and a dead-letter header, so it must
    /// be plain: ASCII letters, digits, `.`, `_`, `-`, starting with a letter or digit, at most 200 characters.
    /// Distinct IDs then give distinct groups (``Stage/consumerGroup(subscription:base:)`` adds nothing lossy).
    static func checkGroupSafe(_ id: String) throws(DelivererError) {
        let bytes = Array(id.utf8)
        let plain = bytes.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
        let startsWell = bytes.first.map { $0 != UInt8(ascii: ".") && $0 != UInt8(ascii: "_") && $0 != UInt8(ascii: "-") } ?? false
        guard plain, startsWell, bytes.count <= maximumSubscriptionIDLength else {
            throw DelivererError(.invalidConfiguration, "subscription id '\(id.prefix(80))' cannot name its consumer group: use ASCII letters, digits, '.', '_' and '-', starting with a letter or digit, at most \(maximumSubscriptionIDLength) characters. A renamed subscription gets a new group, which starts at the oldest record the topics still hold (docs/deliverer.md, \"Consumer groups\")")
        }
    }

    /// The subscriptions this process serves: all of ``subscriptions``, or those ``onlySubscriptionIDs`` names,
    /// minus ``excludedSubscriptionIDs``, in file order.
    public var servedSubscriptions: [Subscription] {
        let excluded = Set(excludedSubscriptionIDs)
        let only = onlySubscriptionIDs.map(Set.init)
        return subscriptions.filter { !excluded.contains($0.id) && (only?.contains($0.id) ?? true) }
    }

    /// The consumer group of one subscription: `<consumerGroup>.<id>` (`inlet-deliverer.<id>` by default).
    public func consumerGroup(for subscription: Subscription) -> String {
        Stage.deliverer.consumerGroup(subscription: subscription.id, base: consumerGroup)
    }

    /// What one subscription's consumer reads: the model topic of each model it wants, and the replay topic.
    public static func topics(for subscription: Subscription) -> [TopicName] {
        Set(subscription.models).sorted().map(TopicName.model) + [.replay(.deliverer)]
    }

    /// Every topic this process consumes (in some subscription's group): the model topics the served subscriptions
    /// want, and the replay topic.
    public var topics: [TopicName] {
        Set(servedSubscriptions.flatMap(\.models)).sorted().map(TopicName.model) + [.replay(.deliverer)]
    }
}
