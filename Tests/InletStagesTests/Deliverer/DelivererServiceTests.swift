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
            "INLET_KAFKA_CONSUMER_PROPERTIES": "fetch.wait.max.ms=100", "INLET_KAFKA_PRODUCER_THREAD_NICE": "0",
        ]), models: try ModelRegistry())
        #expect(configuration.kafkaBrokers == "k:1")
        #expect(configuration.producerBrokerThreadNiceness == 0)
        // The shared producer settings reach the dead-letter producer, as for every other stage.
        #expect(configuration.producerLingerMilliseconds == 7)
        #expect(configuration.producerProperties == ["compression.type": "lz4"])
        #expect(configuration.consumerProperties == ["fetch.wait.max.ms": "100"], "each subscription's consumer gets them")
        #expect(configuration.subscriptions.map(\.id) == ["local"])
        #expect(configuration.maxBodyBytes == 100_000)
        #expect(configuration.retry.maxAttempts == 3)
        #expect(configuration.retry.baseDelay == .milliseconds(10))
        #expect(configuration.retry.maxDelay == .seconds(30))
        #expect(configuration.retry.maxRetryAfter == .seconds(5))
        #expect(configuration.consumerGroup == "inlet-deliverer")
        #expect(configuration.consumerGroup(for: configuration.subscriptions[0]) == "inlet-deliverer.local")
        #expect(configuration.topics.map(\.rawValue) == ["inlet.model.pull_request", "inlet.replay.deliverer"])
        #expect(configuration.servedSubscriptions.map(\.id) == ["local"], "every subscription is served by default")
    }

    static let threeSubscriptionsFile: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("deliverer-three-\(UUID().uuidString).yaml").path
        let entries = [("alpha", "PullRequest"), ("beta", "Order"), ("gamma", "PullRequest")].map { id, model in
            "  - id: \(id)\n    url: http://127.0.0.1:8090/\(id)\n    secret: \(DelivererFixtures.secret)\n    models: [\(model)]"
        }
        _ = FileManager.default.createFile(atPath: path, contents: Data(("subscriptions:\n" + entries.joined(separator: "\n") + "\n").utf8))
        return path
    }()

    static func selecting(_ variables: [String: String]) throws -> DelivererConfiguration {
        try DelivererConfiguration(environment: EnvironmentReader(variables.merging(["INLET_SUBSCRIPTIONS_FILE": threeSubscriptionsFile]) { a, _ in a }),
                                   models: try ModelRegistry())
    }

    @Test("INLET_DELIVERER_SUBSCRIPTIONS selects the subscriptions this process serves, and only their topics")
    func selection() throws {
        let only = try Self.selecting(["INLET_DELIVERER_SUBSCRIPTIONS": " beta, gamma "])
        #expect(only.servedSubscriptions.map(\.id) == ["beta", "gamma"])
        #expect(only.subscriptions.count == 3, "the file's other subscriptions stay known")
        #expect(Set(only.topics.map(\.rawValue)) == ["inlet.model.order", "inlet.model.pull_request", "inlet.replay.deliverer"])
        #expect(DelivererConfiguration.topics(for: only.servedSubscriptions[0]).map(\.rawValue) == ["inlet.model.order", "inlet.replay.deliverer"])

        let excluded = try Self.selecting(["INLET_DELIVERER_EXCLUDED_SUBSCRIPTIONS": "gamma"])
        #expect(excluded.servedSubscriptions.map(\.id) == ["alpha", "beta"])
        let both = try Self.selecting(["INLET_DELIVERER_SUBSCRIPTIONS": "alpha,gamma", "INLET_DELIVERER_EXCLUDED_SUBSCRIPTIONS": "gamma"])
        #expect(both.servedSubscriptions.map(\.id) == ["alpha"])
        #expect(try Self.selecting(["INLET_DELIVERER_SUBSCRIPTIONS": ""]).servedSubscriptions.count == 3, "empty means all")
    }

    @Test("a selection naming an unknown subscription, or leaving none, is refused naming the variable", arguments: [
        ["INLET_DELIVERER_SUBSCRIPTIONS": "alpha,typo"], ["INLET_DELIVERER_EXCLUDED_SUBSCRIPTIONS": "nope"],
        ["INLET_DELIVERER_SUBSCRIPTIONS": "alpha", "INLET_DELIVERER_EXCLUDED_SUBSCRIPTIONS": "alpha"],
    ])
    func badSelection(variables: [String: String]) {
        do {
            _ = try Self.selecting(variables)
            Issue.record("accepted \(variables)")
        } catch {
            #expect("\(error)".contains("INLET_DELIVERER_"))
        }
    }

    @Test("the service runs one consumer group per selected subscription, named in one place")
    func oneGroupPerSubscription() throws {
        var configuration = try Self.selecting(["INLET_DELIVERER_EXCLUDED_SUBSCRIPTIONS": "beta"])
        configuration.kafkaBrokers = "127.0.0.1:1"
        let service = try DelivererService(configuration: configuration, transport: ScriptedTransport(), logger: Logger(label: "test"))
        #expect(service.consumerGroups == ["alpha": "inlet-deliverer.alpha", "gamma": "inlet-deliverer.gamma"])
        #expect(service.loops.map { $0.topics.map(\.rawValue) } == [["inlet.model.pull_request", "inlet.replay.deliverer"],
                                                                 ["inlet.model.pull_request", "inlet.replay.deliverer"]])
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
        let (run, model, topic) = try await DelivererFixtures.freshModelTopic("DelivererTest", brokers: Self.brokers, logger: Self.logger)
        let admin = try KafkaAdmin(configuration: KafkaAdminConfiguration(brokers: Self.brokers), logger: Self.logger)

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
        #expect(Set(service.consumerGroups.values) == ["inlet-deliverer-\(run).good-\(run)", "inlet-deliverer-\(run).gone-\(run)"])
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

        for group in service.consumerGroups.values {
            let offsets = try await admin.groupOffsets(groupID: group, topics: [topic.rawValue])
            #expect(offsets.map(\.committed) == [Int64(values.count)], "group \(group)")
        }

        let letters = try await Self.collectDeadLetters(originalTopic: topic.rawValue, count: values.count)
        #expect(letters.count == values.count)
        #expect(letters.allSatisfy { $0.headers.first(DeadLetter.Header.errorCode) == "subscriber_gone" })
        #expect(letters.allSatisfy { $0.headers.first(BatchDeliverer.subscriptionHeader) == "gone-\(run)" })
        #expect(Set(letters.compactMap { $0.headers.first(DeadLetter.Header.originalOffset) }) == Set((0..<values.count).map { String($0) }))
    }

    @Test("a subscriber that keeps failing delays only itself: another subscription of the same records gets them all meanwhile")
    func failingSubscriberDelaysOnlyItself() async throws {
        let (run, model, topic) = try await DelivererFixtures.freshModelTopic("DelivererIsolation", brokers: Self.brokers, logger: Self.logger)
        let admin = try KafkaAdmin(configuration: KafkaAdminConfiguration(brokers: Self.brokers), logger: Self.logger)
        let count = 30
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(brokers: Self.brokers), logger: Self.logger)
        let producerTask = Task { try await producer.run() }
        for index in 0..<count {
            var record = DelivererFixtures.record(offset: Int64(index), value: Array(#"{"integration_id":"acme","n":\#(index)}"#.utf8),
                                                  topic: topic.rawValue)
            record.headers = record.headers.map { $0.key == Envelope.Header.id ? KafkaHeader(key: $0.key, string: "\(run)-\(index)") : $0 }
            _ = try await producer.send(KafkaProducerRecord(topic: topic.rawValue, key: record.key, value: record.value, headers: record.headers))
        }
        producer.triggerGracefulShutdown()
        try await producerTask.value

        // A answers 503 to everything and would be retried for minutes; B answers 200.
        var failingConfiguration = WebhookSinkConfiguration(secret: DelivererFixtures.secret, port: 0)
        failingConfiguration.statusScript = Array(repeating: 503, count: 100_000)
        let failing = try WebhookSink(configuration: failingConfiguration, logger: Self.logger)
        let healthy = try WebhookSink(configuration: WebhookSinkConfiguration(secret: DelivererFixtures.secret, port: 0), logger: Self.logger)
        let sinks = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await failing.run() }
                group.addTask { try await healthy.run() }
                try await group.waitForAll()
            }
        }
        defer { sinks.cancel() }

        var configuration = DelivererFixtures.configuration(subscriptions: [
            Subscription(id: "failing-\(run)", url: await failing.url(), secret: DelivererFixtures.secret, models: [model]),
            Subscription(id: "healthy-\(run)", url: await healthy.url(), secret: DelivererFixtures.secret, models: [model]),
        ])
        configuration.retry = RetryPolicy(baseDelay: .milliseconds(20), maxDelay: .milliseconds(50), maxAttempts: 1000,
                                          maxRetryAfter: .milliseconds(50))
        configuration.maxRecordsPerBody = 4  // several bodies per batch, so B's order across requests is checked too
        configuration.maxBatchRecords = 8  // several batches: with one shared group, B would wait for A after the first
        configuration.shutdownGracePeriod = .milliseconds(200)
        configuration.kafkaBrokers = Self.brokers
        configuration.consumerGroup = "inlet-deliverer-\(run)"
        let service = try DelivererService(configuration: configuration, logger: Self.logger)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [service], logger: Self.logger))
        let serviceTask = Task { try await group.run() }

        let deadline = ContinuousClock.now.advanced(by: .seconds(60))
        // The deliverer counts a body once its response arrived, a moment after the sink stored it: wait for both.
        while (healthy.snapshot().records.count < count
                || (service.statistics(subscription: "healthy-\(run)")?.recordsDelivered ?? 0) < count
                || (service.statistics(subscription: "failing-\(run)")?.retries ?? 0) < 2)
                && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        // B has everything, in several batches, while A is still retrying its first body and has committed nothing.
        let failingStatistics = try #require(service.statistics(subscription: "failing-\(run)"))
        let healthyStatistics = try #require(service.statistics(subscription: "healthy-\(run)"))
        #expect(healthy.snapshot().records.map(\.id) == (0..<count).map { "\(run)-\($0)" })
        #expect(healthy.snapshot().signatureFailures == 0)
        #expect(healthyStatistics.recordsDelivered == count)
        #expect(healthyStatistics.batches >= count / configuration.maxBatchRecords)
        #expect(failingStatistics.retries > 0)
        #expect(failingStatistics.batches == 0 && failingStatistics.recordsDelivered == 0 && failingStatistics.recordsDeadLettered == 0)
        #expect(failing.snapshot().records.isEmpty)

        // B's group commits; A's does not (its batch is abandoned after the grace period, to be delivered again).
        let healthyGroup = try #require(service.consumerGroups["healthy-\(run)"])
        let failingGroup = try #require(service.consumerGroups["failing-\(run)"])
        var committed: Int64?
        while committed != Int64(count) && ContinuousClock.now < deadline {
            committed = try await admin.groupOffsets(groupID: healthyGroup, topics: [topic.rawValue]).first?.committed
            if committed != Int64(count) { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(committed == Int64(count))
        await group.triggerGracefulShutdown()
        try await serviceTask.value
        let failingOffsets = try await admin.groupOffsets(groupID: failingGroup, topics: [topic.rawValue])
        #expect(failingOffsets.allSatisfy { ($0.committed ?? 0) <= 0 }, "the failing subscription committed \(failingOffsets)")
        #expect(service.statistics(subscription: "failing-\(run)")?.recordsDeadLettered == 0, "abandoned at shutdown, not dead-lettered")
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
