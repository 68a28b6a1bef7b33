import Foundation
import InletCore
import InletCrypto
import InletDeduplicator
import InletDeliverer
import InletHTTPClient
import InletKafka
import InletMapper
import InletPersister
import InletPostgres
import InletReceiver
import InletSink
import Logging
import ServiceLifecycle

/// All five stages in this process against a real Tansu broker of the test's own and the PostgreSQL that
/// `make test` starts, isolated from other runs: a broker, a PostgreSQL schema and an integration ID of their own.
final class PipelineHarness: Sendable {
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
    let broker: PrivateBroker
    var brokers: String { broker.brokers }
    /// The subscriber the deliverer sends to: it verifies every signature and keeps what it received.
    let sink: WebhookSink
    let sinkSecret: String

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
        broker = try PrivateBroker(repositoryRoot: Self.repositoryRoot)
        sinkSecret = "whsec_" + Base64.encode(try SecureRandom.bytes(count: 32))
        var sinkSettings = WebhookSinkConfiguration(secret: sinkSecret, port: try PrivateBroker.freePort())
        sinkSettings.printsRecords = false
        sink = try WebhookSink(configuration: sinkSettings, logger: logger)
    }

    var integration: Integration { Integration(id: integrationID, definition: WebhookDefinition.github.name, secrets: [secret]) }

    /// Starts the broker, creates the schema and every catalog topic.
    func prepare() async throws {
        try await broker.waitUntilListening()
        _ = try await admin.query("CREATE SCHEMA IF NOT EXISTS \(schema)")
        let kafkaAdmin = try KafkaAdmin(configuration: KafkaAdminConfiguration(brokers: brokers), logger: logger)
        let catalog = TopicCatalog(definitions: definitions, models: models)
        try await kafkaAdmin.createTopics(catalog.entries.map {
            KafkaTopicSpecification(name: $0.topic.rawValue, partitions: $0.partitions)
        })
    }

    func tearDown() async {
        await database.close()
        _ = try? await admin.query("DROP SCHEMA IF EXISTS \(schema) CASCADE")
        await admin.close()
        broker.stop()
    }

    func consumerSettings() -> KafkaConsumerConfiguration {
        KafkaConsumerConfiguration(groupID: "unset", topics: [], brokers: brokers)
    }

    /// The services of all five stages, in start order (the shared producer first, so it stops last).
    func makeServices(receiverPort: Int = 0) throws -> (services: [any Service], receiver: ReceiverService,
                                                      deduplicator: DeduplicatorService, mapper: MapperService,
                                                      persister: PersisterService, deliverer: DelivererService) {
        var producerSettings = KafkaProducerConfiguration(brokers: brokers)
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
        mapperSettings.brokers = brokers
        mapperSettings.consumerGroup = "e2e-\(runID)-mapper"
        mapperSettings.mappingsDirectory = Self.repositoryRoot + "/mappings"
        let mapper = try MapperService(configuration: mapperSettings, definitions: definitions, models: models, logger: logger)

        var persisterSettings = PersisterConfiguration()
        persisterSettings.consumerGroup = "e2e-\(runID)-persister"
        let persister = try PersisterService(configuration: persisterSettings, consumer: consumerSettings(),
                                             producer: producer, postgres: database, models: models, logger: logger)
        let subscription = Subscription(
            id: "e2e-sink", url: "http://127.0.0.1:\(sink.configuration.port)\(sink.configuration.path)",
            secret: sinkSecret, models: [ModelDeclaration.pullRequest.name])
        var delivererSettings = DelivererConfiguration(subscriptions: [subscription], kafkaBrokers: brokers)
        delivererSettings.consumerGroup = "e2e-\(runID)-deliverer"
        let deliverer = try DelivererService(configuration: delivererSettings, logger: logger)
        // Start order; shutdown runs in reverse, so the receiver stops taking requests first and the shared producer
        // flushes last.
        return ([producer, sink, deliverer, persister, mapper, deduplicator, receiver],
                receiver, deduplicator, mapper, persister, deliverer)
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
