import Foundation
import InletCore
import InletDeduplicator
import InletHTTPClient
import InletKafka
import InletMapper
import InletPersister
import InletPostgres
import InletReceiver
import Logging
import ServiceLifecycle

/// All five stages in this process against the real broker and PostgreSQL that `make test` starts, isolated from
/// other runs: a PostgreSQL schema, consumer groups and an integration ID of their own.
/// (Topics are shared, as in production; records of other runs are processed too but never asserted on.)
final class PipelineHarness: Sendable {
    static var brokers: String { ProcessInfo.processInfo.environment["INLET_KAFKA_BROKERS"] ?? "127.0.0.1:9092" }
    static var postgresURL: String {
        ProcessInfo.processInfo.environment["INLET_POSTGRES_URL"] ?? "postgresql://inlet@127.0.0.1:55432/inlet"
    }
    static var repositoryRoot: String {
        URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path
    }

    let runID: String
    let integrationID: String
    let secret = "e2e-secret-\(UUID().uuidString)"
    let schema: String
    let definitions: DefinitionRegistry
    let models: ModelRegistry
    let logger: Logger
    let admin: PostgresClient
    /// Queries in the run's schema.
    let database: PostgresClient

    init() throws {
        runID = UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(10).lowercased()
        integrationID = "e2e-\(runID)"
        schema = "e2e_\(runID)"
        definitions = try DefinitionRegistry()
        models = try ModelRegistry()
        var logger = Logger(label: "e2e")
        logger.logLevel = ProcessInfo.processInfo.environment["INLET_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
        self.logger = logger
        admin = PostgresClient(configuration: PostgresConfiguration(url: Self.postgresURL, poolSize: 1))
        database = PostgresClient(configuration: PostgresConfiguration(url: schemaURL(Self.postgresURL, schema), poolSize: 2))
    }

    var integration: Integration { Integration(id: integrationID, definition: WebhookDefinition.github.name, secrets: [secret]) }

    /// Creates the schema and every catalog topic.
    func prepare() async throws {
        _ = try await admin.query("CREATE SCHEMA IF NOT EXISTS \(schema)")
        let kafkaAdmin = try KafkaAdmin(configuration: KafkaAdminConfiguration(brokers: Self.brokers), logger: logger)
        let catalog = TopicCatalog(definitions: definitions, models: models)
        try await kafkaAdmin.createTopics(catalog.entries.map {
            KafkaTopicSpecification(name: $0.topic.rawValue, partitions: $0.partitions)
        })
    }

    func tearDown() async {
        await database.close()
        _ = try? await admin.query("DROP SCHEMA IF EXISTS \(schema) CASCADE")
        await admin.close()
    }

    func consumerSettings() -> KafkaConsumerConfiguration {
        KafkaConsumerConfiguration(groupID: "unset", topics: [], brokers: Self.brokers)
    }

    /// The services of all five stages, in start order (the shared producer first, so it stops last).
    func makeServices(receiverPort: Int = 0) throws -> (services: [any Service], receiver: ReceiverService,
                                                      deduplicator: DeduplicatorService, mapper: MapperService,
                                                      persister: PersisterService) {
        var producerSettings = KafkaProducerConfiguration(brokers: Self.brokers)
        producerSettings.clientID = "e2e-\(runID)"
        let producer = try KafkaProducer(configuration: producerSettings, logger: logger)

        var receiverSettings = ReceiverConfiguration()
        receiverSettings.port = receiverPort
        let receiver = try ReceiverService(configuration: receiverSettings, producer: producer, registry: definitions,
                                           integrations: [integration], logger: logger, runsProducer: false)

        var deduplicatorSettings = DeduplicatorConfiguration()
        deduplicatorSettings.consumerGroup = "e2e-\(runID)-deduplicator"
        let deduplicator = try DeduplicatorService(configuration: deduplicatorSettings, consumer: consumerSettings(),
                                                   producer: producer, postgres: database, registry: definitions, logger: logger)

        var mapperSettings = MapperConfiguration()
        mapperSettings.brokers = Self.brokers
        mapperSettings.consumerGroup = "e2e-\(runID)-mapper"
        mapperSettings.mappingsDirectory = Self.repositoryRoot + "/mappings"
        let mapper = try MapperService(configuration: mapperSettings, definitions: definitions, models: models, logger: logger)

        var persisterSettings = PersisterConfiguration()
        persisterSettings.consumerGroup = "e2e-\(runID)-persister"
        let persister = try PersisterService(configuration: persisterSettings, consumer: consumerSettings(),
                                             producer: producer, postgres: database, models: models, logger: logger)
        return ([producer, receiver, deduplicator, mapper, persister], receiver, deduplicator, mapper, persister)
    }

    /// A GitHub `pull_request` body for pull request `id`, based on the real sample payload.
    func pullRequestBody(id: Int, title: String, updatedAt: String = "2026-11-21T10:00:00Z") throws -> [UInt8] {
        let sample = try Data(contentsOf: URL(fileURLWithPath: Self.repositoryRoot + "/deploy/local/samples/github/pull_request.json"))
        var object = try JSONSerialization.jsonObject(with: sample) as! [String: Any]
        var pullRequest = object["pull_request"] as! [String: Any]
        pullRequest["id"] = id
        pullRequest["title"] = title
        pullRequest["updated_at"] = updatedAt
        object["pull_request"] = pullRequest
        object["number"] = id % 10_000
        return Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]))
    }
}

func schemaURL(_ url: String, _ schema: String) -> String {
    url + (url.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)"
}

/// Waits until `condition` holds, polling; fails with `message` after `timeout`.
func eventually(timeout: Duration = .seconds(90), _ message: String, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(200))
    }
    throw TimeoutError(message: message)
}

struct TimeoutError: Error, CustomStringConvertible {
    let message: String
    var description: String { "timed out: \(message)" }
}
