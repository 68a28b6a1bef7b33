import Foundation
import InletCore
import InletKafka
import InletSink
import Logging
import ServiceLifecycle
import Testing
@testable import InletDeliverer

@Suite("DelivererConfiguration")
struct DelivererConfigurationTests {
    static let subscriptionsFile: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("deliverer-subscriptions-\(UUID().uuidString).yaml").path
        let yaml = """
            subscriptions:
              - id: local
                url: http://127.0.0.1:8090/inlet
                secret: \(DelivererFixtures.secret)
                models: [PullRequest]
            """
        _ = FileManager.default.createFile(atPath: path, contents: Data(yaml.utf8))
        return path
    }()

    @Test("reads the subscriptions file and every INLET_DELIVERER_ variable, keeping defaults for absent ones")
    func environment() throws {
        let configuration = try DelivererConfiguration(environment: EnvironmentReader([
            "INLET_KAFKA_BROKERS": "k:1", "INLET_SUBSCRIPTIONS_FILE": Self.subscriptionsFile,
            "INLET_DELIVERER_MAX_BODY_BYTES": "100000", "INLET_DELIVERER_MAX_ATTEMPTS": "3",
            "INLET_DELIVERER_RETRY_BASE_MS": "10", "INLET_DELIVERER_MAX_RETRY_AFTER_S": "5",
            "INLET_KAFKA_LINGER_MS": "7", "INLET_KAFKA_PRODUCER_PROPERTIES": "compression.type=lz4",
        ]), models: try ModelRegistry())
        #expect(configuration.kafkaBrokers == "k:1")
        // The shared producer settings reach the dead-letter producer, as for every other stage.
        #expect(configuration.producerLingerMilliseconds == 7)
        #expect(configuration.producerProperties == ["compression.type": "lz4"])
        #expect(configuration.subscriptions.map(\.id) == ["local"])
        #expect(configuration.maxBodyBytes == 100_000)
        #expect(configuration.retry.maxAttempts == 3)
        #expect(configuration.retry.baseDelay == .milliseconds(10))
        #expect(configuration.retry.maxDelay == .seconds(30))
        #expect(configuration.retry.maxRetryAfter == .seconds(5))
        #expect(configuration.consumerGroup == "inlet-deliverer")
        #expect(configuration.topics.map(\.rawValue) == ["inlet.model.pull_request", "inlet.replay.deliverer"])
    }

    @Test("a body limit above 300,000 bytes is refused, naming the variable")
    func limitAboveHardLimit() {
        do {
            _ = try DelivererConfiguration(environment: EnvironmentReader([
                "INLET_SUBSCRIPTIONS_FILE": Self.subscriptionsFile, "INLET_DELIVERER_MAX_BODY_BYTES": "300001",
            ]), models: try ModelRegistry())
            Issue.record("accepted a body limit above the hard limit")
        } catch {
            #expect("\(error)".contains("INLET_DELIVERER_MAX_BODY_BYTES"))
        }
    }
}

/// The whole stage against the real broker at INLET_KAFKA_BROKERS (the local Tansu) and two in-process sinks.
@Suite("DelivererService", .enabled(if: ProcessInfo.processInfo.environment["INLET_KAFKA_BROKERS"] != nil,
                                     "needs the local stack: source deploy/local/env.sh"))
struct DelivererServiceTests {
    static var brokers: String { ProcessInfo.processInfo.environment["INLET_KAFKA_BROKERS"] ?? "127.0.0.1:9092" }
    static var logger: Logger { WebhookSinkTests.logger }

    @Test("consumes a model topic, delivers to one subscriber, dead-letters for a gone one, commits, shuts down")
    func endToEnd() async throws {
        let run = "\(UUID().uuidString.prefix(8).lowercased())"
        let model = try ModelName("DelivererTest\(run.filter { $0.isLetter || $0.isNumber })")
        let topic = TopicName.model(model)
        let admin = try KafkaAdmin(configuration: KafkaAdminConfiguration(brokers: Self.brokers), logger: Self.logger)
        _ = try await admin.createTopics([topic, .replay(.deliverer), .deadLetter(.deliverer)].map {
            KafkaTopicSpecification(name: $0.rawValue, partitions: 1)
        })

        // 40 small records and one of ~700 KB (over the body limit, under the broker's message limit).
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(brokers: Self.brokers), logger: Self.logger)
        let producerTask = Task { try await producer.run() }
        var values: [[UInt8]] = (0..<40).map { Array(#"{"integration_id":"acme","n":\#($0)}"#.utf8) }
        values.insert(Array(#"{"integration_id":"acme","blob":""#.utf8) + [UInt8](repeating: 0x61, count: 700_000) + Array(#""}"#.utf8), at: 20)
        for (index, value) in values.enumerated() {
            var record = DelivererFixtures.record(offset: Int64(index), value: value, topic: topic.rawValue)
            record.headers = record.headers.map { $0.key == Envelope.Header.id ? KafkaHeader(key: $0.key, string: "\(run)-\(index)") : $0 }
            _ = try await producer.send(KafkaProducerRecord(topic: topic.rawValue, key: record.key, value: record.value, headers: record.headers))
        }
        producer.triggerGracefulShutdown()
        try await producerTask.value

        let good = try WebhookSink(configuration: WebhookSinkConfiguration(secret: DelivererFixtures.secret, port: 0), logger: Self.logger)
        var goneConfiguration = WebhookSinkConfiguration(secret: DelivererFixtures.secret, port: 0)
        goneConfiguration.statusScript = Array(repeating: 410, count: 1000)
        let gone = try WebhookSink(configuration: goneConfiguration, logger: Self.logger)
        let sinks = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await good.run() }
                group.addTask { try await gone.run() }
                try await group.waitForAll()
            }
        }
        defer { sinks.cancel() }

        var configuration = DelivererFixtures.configuration(subscriptions: [
            Subscription(id: "good-\(run)", url: await good.url(), secret: DelivererFixtures.secret, models: [model]),
            Subscription(id: "gone-\(run)", url: await gone.url(), secret: DelivererFixtures.secret, models: [model]),
        ])
        configuration.kafkaBrokers = Self.brokers
        configuration.consumerGroup = "inlet-deliverer-\(run)"
        let service = try DelivererService(configuration: configuration, logger: Self.logger)
        #expect(service.topics.contains(topic))
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [service], logger: Self.logger))
        let serviceTask = Task { try await group.run() }

        let deadline = ContinuousClock.now.advanced(by: .seconds(60))
        while (good.snapshot().records.count < values.count || service.statistics.recordsDeadLettered < values.count)
                && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        await group.triggerGracefulShutdown()
        try await serviceTask.value

        let received = good.snapshot()
        #expect(received.records.map(\.id) == (0..<values.count).map { "\(run)-\($0)" })
        #expect(received.records[20].wasChunked)
        #expect(received.records[20].element.count > 700_000)
        #expect(received.largestBody <= BodyPacker.hardLimitBytes)
        #expect(received.signatureFailures == 0)
        #expect(gone.snapshot().records.isEmpty)
        #expect(service.statistics.recordsDeadLettered == values.count)

        let offsets = try await admin.groupOffsets(groupID: configuration.consumerGroup, topics: [topic.rawValue])
        #expect(offsets.map(\.committed) == [Int64(values.count)])

        let letters = try await Self.collectDeadLetters(originalTopic: topic.rawValue, count: values.count)
        #expect(letters.count == values.count)
        #expect(letters.allSatisfy { $0.headers.first(DeadLetter.Header.errorCode) == "subscriber_gone" })
        #expect(letters.allSatisfy { $0.headers.first(BatchDeliverer.subscriptionHeader) == "gone-\(run)" })
        #expect(Set(letters.compactMap { $0.headers.first(DeadLetter.Header.originalOffset) }) == Set((0..<values.count).map { String($0) }))
    }

    /// Reads `inlet.dlq.deliverer` from the beginning until `count` dead letters of `originalTopic` are there.
    static func collectDeadLetters(originalTopic: String, count: Int) async throws -> [KafkaRecord] {
        var configuration = KafkaConsumerConfiguration(
            groupID: "inlet-deliverer-test-reader-\(UUID().uuidString.prefix(8))",
            topics: [TopicName.deadLetter(.deliverer).rawValue], brokers: brokers)
        configuration.autoOffsetReset = .earliest
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        let consumerTask = Task { try await consumer.run() }
        let result = try await withThrowingTaskGroup(of: [KafkaRecord].self) { group in
            group.addTask {
                var found: [KafkaRecord] = []
                for try await batch in consumer.batches {
                    found += batch.records.filter { $0.headers.first(DeadLetter.Header.originalTopic) == originalTopic }
                    if found.count >= count { break }
                }
                return found
            }
            group.addTask {
                try await Task.sleep(for: .seconds(60))
                return []
            }
            let first = try await group.next()!
            group.cancelAll()
            return first
        }
        consumer.triggerGracefulShutdown()
        try await consumerTask.value
        return result
    }
}
