import Foundation
import InletCEL
import InletCore
import InletKafka
import Logging
import ServiceLifecycle
import Testing
@testable import InletMapper

@Suite("MapperConfiguration")
struct MapperConfigurationTests {
    @Test("reads every INLET_ variable and keeps defaults for absent ones")
    func environment() throws {
        let configuration = try MapperConfiguration(environment: EnvironmentReader([
            "INLET_KAFKA_BROKERS": "k:1", "INLET_MAPPINGS_DIR": "/m", "INLET_MAPPER_BATCH_SIZE": "50",
            "INLET_MAPPER_RETRY_MAX_BACKOFF_MS": "250", "INLET_KAFKA_PRODUCER_PROPERTIES": "compression.type=lz4",
            "INLET_KAFKA_LINGER_MS": "9", "INLET_KAFKA_CONSUMER_PROPERTIES": "fetch.wait.max.ms=100, fetch.min.bytes=65536",
            "INLET_KAFKA_PRODUCER_THREAD_NICE": "5",
        ]))
        #expect(configuration.brokers == "k:1")
        #expect(configuration.producerBrokerThreadNiceness == 5)
        #expect(configuration.producerProperties == ["compression.type": "lz4"])
        #expect(configuration.consumerProperties == ["fetch.wait.max.ms": "100", "fetch.min.bytes": "65536"])
        // The mapper keeps linger 0 whatever the shared setting says (it awaits each version of a record in turn).
        #expect(configuration.producerLingerMilliseconds == 0)
        #expect(configuration.mappingsDirectory == "/m")
        #expect(configuration.maxBatchSize == 50)
        #expect(configuration.retryMaxBackoff == .milliseconds(250))
        #expect(configuration.produceAttempts == 10)
        #expect(configuration.consumerGroup == "inlet-mapper")
    }

    @Test("a malformed variable is named in the error")
    func badVariable() {
        do {
            _ = try MapperConfiguration(environment: EnvironmentReader(["INLET_MAPPER_BATCH_SIZE": "lots"]))
            Issue.record("accepted a malformed batch size")
        } catch {
            #expect(error.code == .configuration)
            #expect(error.reason.contains("INLET_MAPPER_BATCH_SIZE"))
        }
    }
}

@Suite("MappingPreview")
struct MappingPreviewTests {
    @Test("renders the GitHub pull_request record as pretty JSON for `inlet map`")
    func preview() throws {
        let text = try MappingPreview.run(
            definition: "github", event: "pull_request", payloadPath: MapperFixtures.fixtures + "/github/pull_request/opened.json",
            variant: "repository", mappingsDirectory: MapperFixtures.mappingsDirectory,
            definitions: MapperFixtures.definitions, models: MapperFixtures.models, integration: "acme")
        #expect(text.contains("\n  \"outputs\": [\n"))
        #expect(text.contains("\"kind\": \"record\""))
        #expect(text.contains("\"key\": \"acme/1850295720\""))
        #expect(text.contains("\"labels\": [\n"))
        // It is one valid JSON document.
        guard case .map(let document) = try CELValue(json: text) else { Issue.record("not a JSON object"); return }
        #expect(document["mapping"] == .string("github/pull_request.yaml"))
    }

    @Test("says why nothing was produced: no mapping")
    func noMapping() throws {
        let engine = try MapperFixtures.engine("- model: PullRequest\n")
        let text = MappingPreview.render(engine: engine, definition: "github", event: "issues", payload: Array("{}".utf8))
        #expect(text.contains("\"mapping\": null"))
        #expect(text.contains("\"code\": \"no_mapping\""))
    }
}


/// The Kafka shell against the real broker at INLET_KAFKA_BROKERS (the local Tansu).
@Suite("MapperService", .enabled(if: ProcessInfo.processInfo.environment["INLET_KAFKA_BROKERS"] != nil,
                                  "needs the local stack: source deploy/local/env.sh"))
struct MapperServiceTests {
    static var brokers: String { ProcessInfo.processInfo.environment["INLET_KAFKA_BROKERS"] ?? "127.0.0.1:9092" }
    static var logger: Logger {
        var logger = Logger(label: "inlet.mapper.tests")
        logger.logLevel = ProcessInfo.processInfo.environment["INLET_TEST_LOG"] == nil ? .critical : .debug
        return logger
    }

    @Test("consumes a unique topic, produces the model record and the dead letter, commits, and shuts down gracefully")
    func endToEnd() async throws {
        let run = "maptest-\(UUID().uuidString.prefix(8).lowercased())"
        let input = TopicName.unique(definition: try DefinitionName("github"), event: EventName(run))
        let model = TopicName.model(try ModelName("PullRequest"))
        let deadLetters = TopicName.deadLetter(.mapper)
        let admin = try KafkaAdmin(configuration: KafkaAdminConfiguration(brokers: Self.brokers), logger: Self.logger)
        try await admin.createTopics([input, model, deadLetters].map { KafkaTopicSpecification(name: $0.rawValue, partitions: 1) })

        // Two deliveries: one valid pull request, one whose record is invalid (→ DLQ).
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(brokers: Self.brokers), logger: Self.logger)
        let producerTask = Task { try await producer.run() }
        for (index, payload) in [MapperFixtures.pullRequestJSON(["id": "\"\(run)\""]), #"{"title":"no id"}"#].enumerated() {
            let envelope = MapperFixtures.envelope(id: "\(run)-\(index)")
            _ = try await producer.send(KafkaProducerRecord(
                topic: input.rawValue, key: Array("acme/\(run)-\(index)".utf8), value: Array(payload.utf8),
                headers: envelope.headers.map { KafkaHeader(key: $0.key, string: $0.value) }))
        }
        producer.triggerGracefulShutdown()
        try await producerTask.value

        var configuration = MapperConfiguration()
        configuration.brokers = Self.brokers
        configuration.consumerGroup = "inlet-mapper-\(run)"
        // The payloads are flat PullRequest objects: an entry without filter and map takes them as they are.
        let catalog = try MapperFixtures.engine("- model: PullRequest\n").catalog
        let service = try MapperService(configuration: configuration, catalog: catalog, topics: [input], logger: Self.logger)
        // Read the output topics from their current end (they hold other runs' records), then start the mapper.
        let reader = try await MapperTopicReader(topics: [model, deadLetters], keep: { record in
            record.headers.first(Envelope.Header.id)?.hasPrefix(run) == true
        })
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [service], logger: Self.logger))
        let serviceTask = Task { try await group.run() }

        let found: [KafkaRecord]
        do {
            found = try await reader.collect(timeout: .seconds(60)) { records in
                records.contains { $0.headers.first(Envelope.Header.id) == "\(run)-0/PullRequest/0" }
                    && records.contains { $0.headers.first(Envelope.Header.id) == "\(run)-1" && $0.topic == deadLetters.rawValue }
            }
        } catch {
            await group.triggerGracefulShutdown()
            _ = try? await serviceTask.value
            throw error
        }
        let record = try #require(found.first { $0.headers.first(Envelope.Header.id) == "\(run)-0/PullRequest/0" })
        #expect(record.key == Array("acme/\(run)".utf8))
        #expect(String(decoding: record.value, as: UTF8.self).contains("\"id\":\"\(run)\""))
        let letter = try #require(found.first { $0.headers.first(Envelope.Header.id) == "\(run)-1" })
        #expect(letter.headers.first(DeadLetter.Header.errorCode) == "invalid_record")
        #expect(letter.headers.first(DeadLetter.Header.originalTopic) == input.rawValue)
        #expect(letter.value == Array(#"{"title":"no id"}"#.utf8))

        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        while service.metrics.batches < 1 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(service.metrics.batches >= 1)
        await group.triggerGracefulShutdown()
        try await serviceTask.value
        #expect(service.metrics.recordsConsumed == 2)
        #expect(service.metrics.recordsProduced == 1)
        #expect(service.metrics.deadLetters == ["invalid_record": 1])

        let offsets = try await admin.groupOffsets(groupID: configuration.consumerGroup, topics: [input.rawValue])
        #expect(offsets.map(\.committed) == [2])
    }

    @Test("graceful shutdown during consumption finishes and commits the batch in flight")
    func shutdownFinishesInFlightBatch() async throws {
        let run = "mapstop-\(UUID().uuidString.prefix(8).lowercased())"
        let input = TopicName.unique(definition: try DefinitionName("github"), event: EventName(run))
        let admin = try KafkaAdmin(configuration: KafkaAdminConfiguration(brokers: Self.brokers), logger: Self.logger)
        try await admin.createTopics([input, .model(try ModelName("PullRequest")), .deadLetter(.mapper)]
            .map { KafkaTopicSpecification(name: $0.rawValue, partitions: 1) })
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(brokers: Self.brokers), logger: Self.logger)
        let producerTask = Task { try await producer.run() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<2000 {
                let envelope = MapperFixtures.envelope(id: "\(run)-\(index)")
                let record = KafkaProducerRecord(
                    topic: input.rawValue, partition: 0, value: Array(MapperFixtures.pullRequestJSON(["id": "\"\(run)-\(index)\""]).utf8),
                    headers: envelope.headers.map { KafkaHeader(key: $0.key, string: $0.value) })
                group.addTask { _ = try await producer.send(record) }
            }
            try await group.waitForAll()
        }
        producer.triggerGracefulShutdown()
        try await producerTask.value

        var configuration = MapperConfiguration()
        configuration.brokers = Self.brokers
        configuration.consumerGroup = "inlet-mapper-\(run)"
        configuration.maxBatchSize = 100
        let service = try MapperService(
            configuration: configuration, catalog: try MapperFixtures.engine("- model: PullRequest\n").catalog,
            topics: [input], logger: Self.logger)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [service], logger: Self.logger))
        let serviceTask = Task { try await group.run() }
        let deadline = ContinuousClock.now.advanced(by: .seconds(60))
        while service.metrics.recordsConsumed == 0 && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(1)) }
        await group.triggerGracefulShutdown()
        try await serviceTask.value

        // Every record evaluated was produced and committed: nothing half-done, nothing failed on shutdown.
        let consumed = service.metrics.recordsConsumed
        #expect(consumed > 0)
        #expect(consumed < 2000, "shutdown came after everything was consumed; the test proved nothing")
        #expect(service.metrics.recordsProduced == consumed)
        #expect(service.metrics.deadLettersTotal == 0)
        let offsets = try await admin.groupOffsets(groupID: configuration.consumerGroup, topics: [input.rawValue])
        #expect(offsets.map(\.committed) == [Int64(consumed)])
    }

    @Test("the service and its Kafka clients are freed after a graceful shutdown")
    func freedAfterShutdown() async throws {
        weak var weakService: MapperService?
        do {
            var configuration = MapperConfiguration()
            configuration.brokers = Self.brokers
            configuration.consumerGroup = "inlet-mapper-free-\(UUID().uuidString.prefix(8))"
            let input = TopicName.unique(definition: try DefinitionName("github"), event: EventName("free-\(UUID().uuidString.prefix(8).lowercased())"))
            let service = try MapperService(
                configuration: configuration, catalog: try MapperFixtures.engine("- model: PullRequest\n").catalog,
                topics: [input], logger: Self.logger)
            weakService = service
            let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [service], logger: Self.logger))
            let task = Task { try await group.run() }
            await group.triggerGracefulShutdown()
            try await task.value
        }
        #expect(weakService == nil)
    }

}

/// Reads topics from their end (as of when it was assigned) with a fresh consumer group, keeping matching records.
final class MapperTopicReader: Sendable {
    let consumer: KafkaConsumer
    let runTask: Task<Void, any Error>
    let keep: @Sendable (KafkaRecord) -> Bool

    /// Starts the consumer and returns once it has been assigned partitions.
    init(topics: [TopicName], keep: @escaping @Sendable (KafkaRecord) -> Bool) async throws {
        var configuration = KafkaConsumerConfiguration(
            groupID: "inlet-mapper-test-reader-\(UUID().uuidString.prefix(8))", topics: topics.map(\.rawValue),
            brokers: MapperServiceTests.brokers)
        configuration.autoOffsetReset = .latest
        let consumer = try KafkaConsumer(configuration: configuration, logger: MapperServiceTests.logger)
        self.consumer = consumer
        self.keep = keep
        self.runTask = Task { try await consumer.run() }
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        while (try? consumer.assignment())?.isEmpty != false {
            guard ContinuousClock.now < deadline else {
                consumer.triggerGracefulShutdown()
                throw CollectTimedOut(what: "the reader's partition assignment", timeout: .seconds(30))
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Collects kept records until `predicate` holds, or throws after `timeout`; stops the consumer either way.
    func collect(timeout: Duration, until predicate: @escaping @Sendable ([KafkaRecord]) -> Bool) async throws -> [KafkaRecord] {
        let consumer = self.consumer
        let keep = self.keep
        let result = try await withThrowingTaskGroup(of: [KafkaRecord]?.self) { group in
            group.addTask {
                var records: [KafkaRecord] = []
                for try await batch in consumer.batches {
                    records += batch.records.filter(keep)
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
            return first
        }
        consumer.triggerGracefulShutdown()
        try await runTask.value
        guard let result, predicate(result) else { throw CollectTimedOut(what: "the expected records", timeout: timeout) }
        return result
    }

    struct CollectTimedOut: Error, CustomStringConvertible {
        let what: String
        let timeout: Duration
        var description: String { "\(what) did not arrive within \(timeout)" }
    }
}
