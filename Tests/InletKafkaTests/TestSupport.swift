import Foundation
import InletKafka
import Logging
import Testing

/// Where the integration tests find Tansu (started by `deploy/local/start.sh`; env.sh exports the variable).
enum TestBroker {
    static var brokers: String { ProcessInfo.processInfo.environment["INLET_KAFKA_BROKERS"] ?? "127.0.0.1:9092" }

    /// Integration tests run when the environment names a broker (as `source deploy/local/env.sh` does).
    static var isConfigured: Bool { ProcessInfo.processInfo.environment["INLET_KAFKA_BROKERS"] != nil }

    static func uniqueName(_ prefix: String) -> String {
        "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())"
    }

    static var logger: Logger {
        var logger = Logger(label: "inlet.kafka.tests")
        logger.logLevel = ProcessInfo.processInfo.environment["INLET_TEST_LOG"] == nil ? .error : .debug
        return logger
    }

    static func createTopic(_ name: String, partitions: Int = 1) async throws {
        let admin = try KafkaAdmin(configuration: KafkaAdminConfiguration(brokers: brokers), logger: logger)
        try await admin.createTopics([KafkaTopicSpecification(name: name, partitions: partitions)])
    }

    /// Produces `records` one after another (so offsets follow the array order within a partition) and returns
    /// their delivery reports.
    @discardableResult
    static func produce(_ records: [KafkaProducerRecord]) async throws -> [KafkaDeliveryReport] {
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(brokers: brokers), logger: logger)
        return try await withRunning(producer) {
            var reports: [KafkaDeliveryReport] = []
            for record in records { reports.append(try await producer.send(record)) }
            return reports
        }
    }

    static func consumerConfiguration(topic: String, group: String) -> KafkaConsumerConfiguration {
        KafkaConsumerConfiguration(groupID: group, topics: [topic], brokers: brokers)
    }
}

/// A producer on librdkafka's built-in mock cluster (no broker needed).
func mockProducerConfiguration() -> KafkaProducerConfiguration {
    var configuration = KafkaProducerConfiguration()
    configuration.extraProperties["test.mock.num.brokers"] = "1"
    configuration.lingerMilliseconds = 0
    return configuration
}

/// Runs `service` while `body` runs, then shuts it down through `stop` and waits for `run()` to return.
func withRunning<Result: Sendable>(
    _ run: @escaping @Sendable () async throws -> Void,
    stop: @escaping @Sendable () -> Void,
    _ body: () async throws -> Result
) async throws -> Result {
    let task = Task { try await run() }
    do {
        let result = try await body()
        stop()
        try await task.value
        return result
    } catch {
        stop()
        _ = try? await task.value
        throw error
    }
}

func withRunning<Result: Sendable>(_ producer: KafkaProducer, _ body: () async throws -> Result) async throws -> Result {
    try await withRunning({ try await producer.run() }, stop: { producer.triggerGracefulShutdown() }, body)
}

func withRunning<Result: Sendable>(_ consumer: KafkaConsumer, _ body: () async throws -> Result) async throws -> Result {
    try await withRunning({ try await consumer.run() }, stop: { consumer.triggerGracefulShutdown() }, body)
}

struct TimedOut: Error, CustomStringConvertible {
    var description: String
}

/// Collects batches until `predicate` holds for everything received, or throws after `timeout`.
func collect(
    from consumer: KafkaConsumer,
    timeout: Duration = .seconds(30),
    commit: Bool = false,
    until predicate: @escaping @Sendable ([KafkaRecord]) -> Bool
) async throws -> [KafkaRecord] {
    try await withThrowingTaskGroup(of: [KafkaRecord]?.self) { group in
        group.addTask {
            var records: [KafkaRecord] = []
            for try await batch in consumer.batches {
                records += batch.records
                if commit { try await consumer.commit(batch) }
                if predicate(records) { return records }
            }
            return records
        }
        group.addTask {
            try await Task.sleep(for: timeout)
            return nil
        }
        let first = try await group.next()!
        group.cancelAll()
        guard let records = first else {
            throw TimedOut(description: "no matching records within \(timeout)")
        }
        return records
    }
}

/// Polls `condition` every 20 ms until it holds, or fails after `timeout`.
func waitUntil(timeout: Duration = .seconds(10), _ what: String, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw TimedOut(description: "timed out waiting for \(what)") }
        try await Task.sleep(for: .milliseconds(20))
    }
}
