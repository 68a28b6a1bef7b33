import Foundation
import InletCore
import InletKafka
import InletPersister
import InletPostgres
import Logging
import ServiceLifecycle
import Testing

/// A graceful shutdown while the persister retries a batch it cannot store: the overlapped loop has already decoded
/// the next batch, and neither may be written or committed; a restart stores both.
@Suite("Persister shutdown while retrying", .enabled(if: ProcessInfo.processInfo.environment["INLET_KAFKA_BROKERS"] != nil,
                                                      "needs the local stack: source deploy/local/env.sh"))
struct PersisterShutdownWhileRetryingTests {
    static var brokers: String { ProcessInfo.processInfo.environment["INLET_KAFKA_BROKERS"] ?? "127.0.0.1:9092" }
    static var logger: Logger {
        var logger = Logger(label: "inlet.persister.tests")
        logger.logLevel = ProcessInfo.processInfo.environment["INLET_TEST_LOG"] == nil ? .critical : .debug
        return logger
    }

    @Test(.timeLimit(.minutes(2)))
    func neitherTheStuckBatchNorTheOneDecodedAfterItIsStoredOrCommitted() async throws {
        try await PersisterTestSchema.with { client, _ in
            let run = UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(10).lowercased()
            // A model of the run's own, so its topic holds only this test's records.
            let model = ModelDeclaration(name: try ModelName("Stuck\(run)"), fields: GadgetModel.base, upsertKey: ["id"],
                                         versionField: "updated_at")
            let topic = model.topic.rawValue
            let table = try ModelTable(model).tableName
            let group = "inlet-persister-\(run)"
            let admin = try KafkaAdmin(configuration: KafkaAdminConfiguration(brokers: Self.brokers), logger: Self.logger)
            _ = try await admin.createTopics([topic, TopicName.replay(.persister).rawValue, TopicName.deadLetter(.persister).rawValue]
                .map { KafkaTopicSpecification(name: $0, partitions: 1) })
            let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(brokers: Self.brokers), logger: Self.logger)
            let producing = Task { try await producer.run() }
            defer { producer.triggerGracefulShutdown() }

            func persister() throws -> PersisterService {
                var configuration = PersisterConfiguration()
                configuration.consumerGroup = group
                configuration.retryDelay = .milliseconds(100)
                return try PersisterService(
                    configuration: configuration, consumer: KafkaConsumerConfiguration(groupID: "unset", topics: [], brokers: Self.brokers),
                    producer: producer, postgres: client, models: try ModelRegistry([model]), logger: Self.logger)
            }
            func send(id: String) async throws {
                let row = #"{"integration_id":"acme","definition":"test","id":"\#(id)","name":"n","updated_at":"2026-01-01T00:00:00Z"}"#
                _ = try await producer.send(KafkaProducerRecord(topic: topic, key: Array("acme/\(id)".utf8), value: Array(row.utf8)))
            }
            func start(_ service: PersisterService) -> (ServiceGroup, Task<Void, any Error>) {
                let serviceGroup = ServiceGroup(configuration: ServiceGroupConfiguration(services: [service], logger: Self.logger))
                return (serviceGroup, Task { try await serviceGroup.run() })
            }
            func storedIDs() async throws -> [String] {
                try await client.query("SELECT id FROM \(table) ORDER BY id").map { try $0.string(0) ?? "" }
            }
            func committed() async throws -> Int64? {
                try await admin.groupOffsets(groupID: group, topics: [topic]).first?.committed
            }
            func waitUntil(_ what: String, _ condition: () async throws -> Bool) async throws {
                let deadline = ContinuousClock.now.advanced(by: .seconds(60))
                while try await !condition() {
                    guard ContinuousClock.now < deadline else { throw PersisterTestFailure(what: what) }
                    try await Task.sleep(for: .milliseconds(20))
                }
            }

            let first = try persister()
            try await first.prepareTables()
            // The database refuses the first batch's row every time, as a broken constraint or a full disk would.
            _ = try await client.query("""
                CREATE FUNCTION refuse_stuck() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN IF NEW.id LIKE 'stuck%' THEN RAISE EXCEPTION 'refused by the test'; END IF; RETURN NEW; END $$
                """)
            _ = try await client.query("CREATE TRIGGER refuse_stuck BEFORE INSERT OR UPDATE ON \(table) FOR EACH ROW EXECUTE FUNCTION refuse_stuck()")

            try await send(id: "stuck-1")
            let (firstGroup, firstRun) = start(first)
            try await waitUntil("the first batch failing") { first.counters[.failedAttempts] >= 1 }
            // Sent only now, so it is a batch of its own, taken and decoded while the first one retries.
            try await send(id: "later-1")
            try await waitUntil("the second batch taken") { first.counters[.consumed] == 2 }
            let attempts = first.counters[.failedAttempts]
            try await waitUntil("another retry after the second batch was taken") { first.counters[.failedAttempts] > attempts }

            await firstGroup.triggerGracefulShutdown()
            try await firstRun.value
            #expect(first.counters[.committedBatches] == 0)
            #expect(first.counters[.forwarded] == 0)
            #expect(try await storedIDs() == [], "the batch after the stuck one was not written")
            #expect(try await committed() == nil, "no offset was committed")

            // Once the database takes the row again, a restart (same group) stores both, in order, and commits both.
            _ = try await client.query("DROP TRIGGER refuse_stuck ON \(table)")
            let second = try persister()
            let (secondGroup, secondRun) = start(second)
            try await waitUntil("both rows stored after the restart") { try await storedIDs() == ["later-1", "stuck-1"] }
            try await waitUntil("both records committed") { try await committed() == 2 }
            await secondGroup.triggerGracefulShutdown()
            try await secondRun.value
            #expect(second.counters[.failedAttempts] == 0)
            #expect(second.counters[.forwarded] == 2)
            producer.triggerGracefulShutdown()
            try await producing.value
        }
    }
}

struct PersisterTestFailure: Error, CustomStringConvertible {
    let what: String
    var description: String { "timed out waiting for \(what)" }
}
