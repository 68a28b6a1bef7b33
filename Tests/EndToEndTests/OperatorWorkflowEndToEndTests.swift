import Foundation
import InletCore
import InletKafka
import InletMapper
import InletOperations
import InletPersister
import InletPostgres
import Logging
import ServiceLifecycle
import Testing

/// The operator workflows of docs/operations-tools.md, end to end: a private Tansu broker, a PostgreSQL schema of the
/// test's own, the mapper and the persister in this process, and the `InletOperations` API the `inlet` commands use.
/// Input records are produced straight to the unique topic (what the deduplicator forwards), so each test starts
/// only the stages it exercises.
@Suite(.serialized) struct OperatorWorkflowEndToEndTests {
    /// (a) A mapping changes; a selective replay re-maps exactly the filtered records: their rows are updated, no row
    /// is duplicated, the others are untouched.
    @Test(.timeLimit(.minutes(2)))
    func aSelectiveReplayRemapsOnlyTheFilteredRecords() async throws {
        let pipeline = try await OperatorWorkflowPipeline()
        do {
            let persister = try pipeline.startPersister()
            var mapper = try pipeline.startMapper(mappings: pipeline.mappings(.original))
            try await pipeline.produce((1...6).map { (id: $0, title: "PR \($0)") })
            try await pipeline.waitForTitles((1...6).map { (String($0), "PR \($0)") })
            await mapper.stop()

            // The fixed mapping, then a replay of PR 2 and PR 4 only.
            mapper = try pipeline.startMapper(mappings: pipeline.mappings(.prefixedTitles))
            let report = try await pipeline.clients.withProducer { producer in
                try await pipeline.replayer(producer).start(ReplayRequest(
                    stage: .mapper, topics: [pipeline.uniqueTopic], from: .beginning, to: .end,
                    filter: try RecordFilter("payload.pull_request.title in ['PR 2', 'PR 4']")))
            }
            #expect(report.status == .completed)
            #expect(report.progress.scanned == 6)
            #expect(report.progress.matched == 2)
            #expect(report.progress.produced == 2)

            var expected = (1...6).map { (String($0), "PR \($0)") }
            expected[1].1 = "remapped: PR 2"
            expected[3].1 = "remapped: PR 4"
            try await pipeline.waitForTitles(expected)
            #expect(try await pipeline.rowCount() == 6, "a replay updates rows, it never adds any")
            #expect(mapper.service.metrics.recordsConsumed == 2, "the new mapper read the two replayed records only")
            await mapper.stop()
            await persister.stop()
        } catch {
            await pipeline.tearDown()
            throw error
        }
        await pipeline.tearDown()
    }

    /// (b) Rewinding the mapper's group to a time re-processes every record from that time on, and none before it.
    @Test(.timeLimit(.minutes(2)))
    func aRewindToATimeReprocessesFromThatTime() async throws {
        let pipeline = try await OperatorWorkflowPipeline()
        do {
            let persister = try pipeline.startPersister()
            var mapper = try pipeline.startMapper(mappings: pipeline.mappings(.original))
            try await pipeline.produce((1...3).map { (id: $0, title: "early \($0)") })
            try await pipeline.waitForTitles((1...3).map { (String($0), "early \($0)") })
            // Record timestamps have millisecond resolution; leave a clear gap on both sides of the rewind point.
            try await Task.sleep(for: .milliseconds(1_100))
            let rewindPoint = Int64(Date().timeIntervalSince1970 * 1000)
            try await Task.sleep(for: .milliseconds(1_100))
            try await pipeline.produce((4...6).map { (id: $0, title: "late \($0)") })
            let all = (1...3).map { (String($0), "early \($0)") } + (4...6).map { (String($0), "late \($0)") }
            try await pipeline.waitForTitles(all)
            await mapper.stop()

            let rewinder = ConsumerGroupRewinder(admin: pipeline.clients.admin, resolver: pipeline.clients.resolver)
            let plan = try await rewinder.plan(groupID: pipeline.mapperGroup, topics: [pipeline.uniqueTopic],
                                               to: .time(milliseconds: rewindPoint))
            #expect(plan.moves.reduce(0) { $0 + ($1.delta ?? 0) } == -3, "the group moves back over the three late records")
            try await rewinder.apply(plan, force: false)

            mapper = try pipeline.startMapper(mappings: pipeline.mappings(.prefixedTitles))
            try await pipeline.waitForTitles((1...3).map { (String($0), "early \($0)") }
                + (4...6).map { (String($0), "remapped: late \($0)") })
            #expect(mapper.service.metrics.recordsConsumed == 3, "only the records from the rewind point on are read again")
            #expect(try await pipeline.rowCount() == 6)
            await mapper.stop()
            await persister.stop()
        } catch {
            await pipeline.tearDown()
            throw error
        }
        await pipeline.tearDown()
    }

    /// (c) A mapping that fails for some payloads fills `inlet.dlq.mapper`; with the mapping fixed, a redrive drains it
    /// through `inlet.replay.mapper` and the rows appear; a second redrive sends nothing.
    @Test(.timeLimit(.minutes(2)))
    func aRedriveAfterAFixDrainsTheDeadLettersOnce() async throws {
        let pipeline = try await OperatorWorkflowPipeline()
        do {
            let persister = try pipeline.startPersister()
            var mapper = try pipeline.startMapper(mappings: pipeline.mappings(.failingOnBoom))
            let titles = ["fine 1", "BOOM 2", "fine 3", "BOOM 4", "BOOM 5"]
            try await pipeline.produce(titles.enumerated().map { (id: $0.offset + 1, title: $0.element) })
            try await pipeline.waitForTitles([("1", "fine 1"), ("3", "fine 3")])
            let inspector = DeadLetterInspector(admin: pipeline.clients.admin, reader: pipeline.clients.reader)
            var summaries: [DeadLetterErrorSummary] = []
            try await eventually(timeout: .seconds(30), "three mapper dead letters") {
                summaries = try await inspector.summarize(topics: [pipeline.mapperTopology.deadLetterTopic])
                return summaries.reduce(0) { $0 + $1.count } == 3
            }
            await mapper.stop()

            mapper = try pipeline.startMapper(mappings: pipeline.mappings(.original))
            let store = RedriveStore(client: pipeline.database, tables: pipeline.operationsTables)
            let first = try await pipeline.clients.withProducer { producer in
                try await DeadLetterRedriver(inspector: inspector, producer: producer, store: store, logger: pipeline.logger)
                    .redrive(RedriveRequest(topology: pipeline.mapperTopology))
            }
            #expect(first.sent == 3)
            #expect(first.targetTopic == TopicName.replay(.mapper).rawValue)
            try await pipeline.waitForTitles(titles.enumerated().map { (String($0.offset + 1), $0.element) })
            #expect(try await pipeline.rowCount() == 5)

            let second = try await pipeline.clients.withProducer { producer in
                try await DeadLetterRedriver(inspector: inspector, producer: producer, store: store, logger: pipeline.logger)
                    .redrive(RedriveRequest(topology: pipeline.mapperTopology))
            }
            #expect(second.sent == 0, "a dead letter is redriven once")
            #expect(second.alreadySent == 3)
            await mapper.stop()
            await persister.stop()
        } catch {
            await pipeline.tearDown()
            throw error
        }
        await pipeline.tearDown()
    }

    /// (d) `inlet status`'s collector reports the mapper's lag on records it has not read, and zero once it has.
    @Test(.timeLimit(.minutes(2)))
    func statusReportsLagThatFallsToZero() async throws {
        let pipeline = try await OperatorWorkflowPipeline()
        do {
            try await pipeline.produce((1...8).map { (id: $0, title: "PR \($0)") })
            let collector = StatusCollector(clients: pipeline.clients, postgres: pipeline.database)
            let before = try #require(await collector.collect(stages: [pipeline.mapperTopology]).stages.first)
            #expect(before.error == nil)
            #expect(before.totalLag == 8, "no commit yet: lag = log end - low watermark")

            let mapper = try pipeline.startMapper(mappings: pipeline.mappings(.original))
            var after: StageStatus?
            try await eventually(timeout: .seconds(45), "the mapper's lag falls to zero") {
                after = await collector.collect(stages: [pipeline.mapperTopology]).stages.first
                return after?.totalLag == 0 && after?.partitions.contains { $0.committed != nil } == true
            }
            #expect(after?.totalLag == 0)
            #expect(mapper.service.metrics.recordsConsumed == 8)
            await mapper.stop()
        } catch {
            await pipeline.tearDown()
            throw error
        }
        await pipeline.tearDown()
    }
}

/// A private broker, a schema and the stages the operator tests start and stop.
final class OperatorWorkflowPipeline: Sendable {
    /// Variants of the GitHub `pull_request` mapping, written to a temporary copy of `mappings/`.
    enum MappingVariant: String {
        case original
        /// The fix a replay rolls out: titles are prefixed.
        case prefixedTitles = "prefixed"
        /// A broken mapping: divides by zero for titles starting with BOOM.
        case failingOnBoom = "failing"

        func apply(to mapping: String) -> String {
            let title = "'title': payload.pull_request.title,"
            let number = "'number': payload.number,"
            switch self {
            case .original: return mapping
            case .prefixedTitles: return mapping.replacingOccurrences(of: title, with: "'title': 'remapped: ' + payload.pull_request.title,")
            case .failingOnBoom:
                return mapping.replacingOccurrences(
                    of: number, with: "'number': payload.pull_request.title.startsWith('BOOM') ? payload.number / 0 : payload.number,")
            }
        }
    }

    /// A stage running in its own `ServiceGroup`, stopped gracefully by ``stop()``.
    struct RunningStage<S: Service>: Sendable {
        let service: S
        let group: ServiceGroup
        let task: Task<Void, any Error>

        func stop() async {
            await group.triggerGracefulShutdown()
            do { try await task.value } catch { Issue.record("a stage did not stop gracefully: \(error)") }
        }
    }

    static var repositoryRoot: String {
        URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().path
    }

    let runID = UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(10).lowercased()
    let schema: String
    let logger: Logger
    let broker: PrivateBroker
    let admin: PostgresClient
    /// Queries in the run's schema.
    let database: PostgresClient
    let clients: OperatorClients
    let producer: KafkaProducer
    let producing: Task<Void, any Error>
    let definitions: DefinitionRegistry
    let models: ModelRegistry
    let workDirectory: URL
    let uniqueTopic = TopicName.unique(definition: WebhookDefinition.github.name, event: EventName("pull_request")).rawValue
    var mapperGroup: String { "e2e-\(runID)-mapper" }
    var operationsTables: OperationsTables { OperationsTables(schema: schema) }
    var mapperTopology: StageTopology {
        StageTopology(stage: .mapper, consumerGroup: mapperGroup, inputTopics: [uniqueTopic, TopicName.replay(.mapper).rawValue],
                      replayTopic: TopicName.replay(.mapper).rawValue, deadLetterTopic: TopicName.deadLetter(.mapper).rawValue)
    }

    init() async throws {
        schema = "e2e_ops_\(runID)"
        var logger = Logger(label: "e2e-operations")
        // Error by default: the failing mapping's dead letters and the operator clients' "brokers down" once the
        // private broker is stopped are expected warnings here.
        logger.logLevel = ProcessInfo.processInfo.environment["INLET_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .error
        self.logger = logger
        definitions = try DefinitionRegistry()
        models = try ModelRegistry()
        let postgresURL = ProcessInfo.processInfo.environment["INLET_POSTGRES_URL"] ?? "postgresql://inlet@127.0.0.1:55432/inlet"
        admin = PostgresClient(configuration: PostgresConfiguration(url: postgresURL, poolSize: 1))
        database = PostgresClient(configuration: PostgresConfiguration(url: schemaURL(postgresURL, schema), poolSize: 2))
        broker = try PrivateBroker(repositoryRoot: Self.repositoryRoot)
        try await broker.waitUntilListening()
        _ = try await admin.query("CREATE SCHEMA IF NOT EXISTS \(schema)")
        let kafkaAdmin = try KafkaAdmin(configuration: KafkaAdminConfiguration(brokers: broker.brokers), logger: logger)
        try await kafkaAdmin.createTopics(TopicCatalog(definitions: definitions, models: models).entries.map {
            KafkaTopicSpecification(name: $0.topic.rawValue, partitions: $0.partitions)
        })
        clients = try OperatorClients(brokers: broker.brokers, logger: logger)
        var producerSettings = KafkaProducerConfiguration(brokers: broker.brokers)
        producerSettings.clientID = "e2e-ops-\(runID)"
        let producer = try KafkaProducer(configuration: producerSettings, logger: logger)
        self.producer = producer
        producing = Task.detached { try await producer.run() }
        workDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("inlet-e2e-ops-\(runID)")
        try FileManager.default.createDirectory(at: workDirectory, withIntermediateDirectories: true)
    }

    func tearDown() async {
        producer.triggerGracefulShutdown()
        _ = try? await producing.value
        await database.close()
        _ = try? await admin.query("SET client_min_messages = warning")  // no NOTICE listing every dropped table
        _ = try? await admin.query("DROP SCHEMA IF EXISTS \(schema) CASCADE")
        await admin.close()
        broker.stop()
        try? FileManager.default.removeItem(at: workDirectory)
    }

    /// A copy of the repository's `mappings/` with the GitHub `pull_request` mapping changed as `variant` says.
    func mappings(_ variant: MappingVariant) throws -> String {
        let directory = workDirectory.appendingPathComponent("mappings-\(variant.rawValue)")
        if !FileManager.default.fileExists(atPath: directory.path) {
            try FileManager.default.copyItem(at: URL(fileURLWithPath: Self.repositoryRoot + "/mappings"), to: directory)
            let file = directory.appendingPathComponent("github/pull_request.yaml")
            let original = try String(contentsOf: file, encoding: .utf8)
            let changed = variant.apply(to: original)
            if variant != .original, changed == original {
                throw BrokerError(message: "mappings/github/pull_request.yaml no longer has the line the \(variant) variant changes")
            }
            try changed.write(to: file, atomically: true, encoding: .utf8)
        }
        return directory.path
    }

    func startMapper(mappings: String) throws -> RunningStage<MapperService> {
        var settings = MapperConfiguration()
        settings.brokers = broker.brokers
        settings.consumerGroup = mapperGroup
        settings.mappingsDirectory = mappings
        return start(try MapperService(configuration: settings, definitions: definitions, models: models, logger: logger))
    }

    func startPersister() throws -> RunningStage<PersisterService> {
        var settings = PersisterConfiguration()
        settings.consumerGroup = "e2e-\(runID)-persister"
        return start(try PersisterService(
            configuration: settings, consumer: KafkaConsumerConfiguration(groupID: "unset", topics: [], brokers: broker.brokers),
            producer: producer, postgres: database, models: models, logger: logger))
    }

    private func start<S: Service>(_ service: S) -> RunningStage<S> {
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [.init(service: service)], logger: logger))
        return RunningStage(service: service, group: group, task: Task { try await group.run() })
    }

    /// Produces GitHub `pull_request` deliveries to the unique topic, as the deduplicator forwards them.
    func produce(_ pullRequests: [(id: Int, title: String)]) async throws {
        let sample = try Data(contentsOf: URL(fileURLWithPath: Self.repositoryRoot + "/deploy/local/samples/github/pull_request.json"))
        for pullRequest in pullRequests {
            var object = try JSONSerialization.jsonObject(with: sample) as! [String: Any]
            var body = object["pull_request"] as! [String: Any]
            body["id"] = pullRequest.id
            body["title"] = pullRequest.title
            body["updated_at"] = "2026-11-21T10:00:00Z"
            object["pull_request"] = body
            object["number"] = pullRequest.id
            let deliveryID = "ops-\(runID)-\(pullRequest.id)-\(UUID().uuidString.prefix(8))"
            let envelope = Envelope.received(
                deliveryID: deliveryID, definition: WebhookDefinition.github.name, event: "pull_request",
                integration: "acme", variant: nil, receivedAt: RFC3339.now())
            _ = try await producer.send(KafkaProducerRecord(
                topic: uniqueTopic, key: Array("acme/\(deliveryID)".utf8),
                value: Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])),
                headers: envelope.kafkaHeaders))
        }
    }

    /// Waits until the `pull_request` table holds exactly these `(id, title)` rows.
    func waitForTitles(_ expected: [(String, String)]) async throws {
        let wanted = Dictionary(uniqueKeysWithValues: expected)
        var rows: [String: String] = [:]
        do {
            try await eventually(timeout: .seconds(45), "the pull_request rows") {
                // The persister creates the table when it starts; until then the query fails.
                guard let result = try? await database.query("SELECT id, title FROM pull_request") else { return false }
                rows = [:]
                for row in result { rows[try row.string(0) ?? ""] = try row.string(1) ?? "" }
                return rows == wanted
            }
        } catch {
            throw TimeoutError(message: "expected rows \(wanted.sorted { $0.key < $1.key }), found \(rows.sorted { $0.key < $1.key })")
        }
    }

    func rowCount() async throws -> Int {
        try await database.query("SELECT count(*) FROM pull_request").first?.int(0) ?? -1
    }

    func replayer(_ producer: KafkaProducer) -> Replayer {
        Replayer(admin: clients.admin, reader: clients.reader, producer: producer,
                 store: ReplayStore(client: database, tables: operationsTables), logger: logger)
    }
}
