import Foundation
import InletCore
import InletKafka
import InletOperations
import InletStageRuntime
import InletPostgres
import Logging
import Testing

/// The broker and database `deploy/local/start.sh` runs (`source deploy/local/env.sh` exports both URLs).
enum OpsTestEnvironment {
    static var brokers: String { ProcessInfo.processInfo.environment["INLET_KAFKA_BROKERS"] ?? "127.0.0.1:9092" }
    static var postgresURL: String {
        ProcessInfo.processInfo.environment["INLET_POSTGRES_URL"] ?? "postgresql://inlet@127.0.0.1:55432/inlet"
    }

    /// Broker and database tests run when the environment names both (as `source deploy/local/env.sh` does).
    static var isConfigured: Bool {
        let environment = ProcessInfo.processInfo.environment
        return environment["INLET_KAFKA_BROKERS"] != nil && environment["INLET_POSTGRES_URL"] != nil
    }

    /// A name no other test (or test run) uses: `<prefix>-<8 hex>`.
    static func uniqueName(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    static var logger: Logger {
        var logger = Logger(label: "inlet.operations.tests")
        logger.logLevel = ProcessInfo.processInfo.environment["INLET_TEST_LOG"] == nil ? .error : .debug
        return logger
    }

    static var adminConfiguration: KafkaAdminConfiguration { KafkaAdminConfiguration(brokers: brokers) }

    static func groupAdmin() throws -> KafkaConsumerGroupAdmin {
        try KafkaConsumerGroupAdmin(configuration: adminConfiguration, logger: logger)
    }

    static func createTopic(_ name: String, partitions: Int) async throws {
        let admin = try KafkaAdmin(configuration: adminConfiguration, logger: logger)
        try await admin.createTopics([KafkaTopicSpecification(name: name, partitions: partitions)])
    }

    /// A replay's topics: a fresh source filled by `seed`, and an empty scratch target of `targetPartitions`
    /// partitions, both named after `name`.
    static func replayTopics(_ name: String, targetPartitions: Int,
                             seed: (String) async throws -> Void) async throws -> (source: String, target: String) {
        let source = uniqueName(name)
        let target = TopicName.scratch(uniqueName(name + "-dst")).rawValue
        try await seed(source)
        try await createTopic(target, partitions: targetPartitions)
        return (source, target)
    }

    /// Produces `records` one after another (offsets follow the array order within a partition), then waits until
    /// they are readable.
    @discardableResult
    static func produce(_ records: [KafkaProducerRecord]) async throws -> [KafkaDeliveryReport] {
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(brokers: brokers), logger: logger)
        let task = Task { try await producer.run() }
        var reports: [KafkaDeliveryReport] = []
        do {
            for record in records { reports.append(try await producer.send(record)) }
        } catch {
            producer.triggerGracefulShutdown()
            _ = try? await task.value
            throw error
        }
        producer.triggerGracefulShutdown()
        try await task.value
        try await waitForLogEnds(covering: reports)
        return reports
    }

    /// Waits until every partition's log end (as the operator tools find it) is past the highest reported offset.
    static func waitForLogEnds(covering reports: [KafkaDeliveryReport]) async throws {
        var highest: [KafkaTopicPartition: Int64] = [:]
        for report in reports {
            let partition = KafkaTopicPartition(topic: report.topic, partition: report.partition)
            highest[partition] = max(highest[partition] ?? -1, report.offset)
        }
        let resolver = try clients().resolver
        try await opsWaitUntil(timeout: .seconds(20), "the log ends to cover the produced records") {
            let ends = try await resolver.logEnds(of: Array(highest.keys))
            return highest.allSatisfy { partition, offset in (ends[partition] ?? 0) > offset }
        }
    }

    /// A client on a schema of its own, dropped (with everything in it) after `body`.
    static func withSchema<R>(_ body: (PostgresClient, String) async throws -> R) async throws -> R {
        let client = PostgresClient(configuration: PostgresConfiguration(url: postgresURL, poolSize: 2, connectTimeout: .seconds(5)))
        let schema = "ops_test_\(UUID().uuidString.prefix(8).lowercased())"
        do {
            _ = try await client.query("CREATE SCHEMA \(schema)")
            let result = try await body(client, schema)
            _ = try await client.query("DROP SCHEMA IF EXISTS \(schema) CASCADE")
            await client.close()
            return result
        } catch {
            _ = try? await client.query("DROP SCHEMA IF EXISTS \(schema) CASCADE")
            await client.close()
            throw error
        }
    }
}

struct OpsTimedOut: Error, CustomStringConvertible {
    var description: String
}

/// Polls `condition` every 50 ms until it holds, or fails after `timeout`.
func opsWaitUntil(timeout: Duration = .seconds(10), _ what: String, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw OpsTimedOut(description: "timed out waiting for \(what)") }
        try await Task.sleep(for: .milliseconds(50))
    }
}

extension OpsTestEnvironment {
    static func clients() throws -> OperatorClients {
        try OperatorClients(brokers: brokers, logger: logger)
    }

    /// Every record of `topic`, in partition then offset order, once the high watermarks count at least
    /// `atLeast` records (Tansu reports them late, see docs/kafka.md).
    static func readAll(_ topic: String, atLeast: Int = 0) async throws -> [KafkaRecord] {
        let clients = try clients()
        let partitions = try await clients.admin.partitions(of: [topic])
        try await opsWaitUntil(timeout: .seconds(20), "\(topic) to hold \(atLeast) records") {
            try await clients.resolver.logEnds(of: partitions).values.reduce(0, +) >= atLeast
        }
        var records: [KafkaRecord] = []
        _ = try await TopicTail(admin: clients.admin, reader: clients.reader).run(topic: topic, from: .beginning) { records.append($0) }
        return records.sorted { ($0.partition, $0.offset) < ($1.partition, $1.offset) }
    }

    /// An Inlet envelope for test records.
    static func envelope(id: String, integration: String, event: String = "pull_request") -> Envelope {
        Envelope.received(deliveryID: id, definition: try! DefinitionName("github"), event: event, integration: integration,
                          variant: nil, receivedAt: "2026-11-21T09:00:00.000Z")
    }

    /// A record on `topic` with an Inlet envelope and a JSON payload `{"n": n}`.
    static func inletRecord(topic: String, partition: Int32? = nil, n: Int, integration: String) -> KafkaProducerRecord {
        KafkaProducerRecord(topic: topic, partition: partition, key: Array("\(integration)/d\(n)".utf8),
                            value: Array("{\"n\":\(n)}".utf8),
                            headers: envelope(id: "d\(n)", integration: integration).kafkaHeaders)
    }
}
