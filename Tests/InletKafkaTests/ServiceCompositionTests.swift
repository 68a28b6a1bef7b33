import InletKafka
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// A minimal stage as the five stages compose InletKafka: read a batch, produce results, commit, repeat.
/// Its loop ends when the consumer finishes `batches` during shutdown; then it waits for its own turn.
private final class ForwardingStage: Service, Sendable {
    let consumer: KafkaConsumer
    let producer: KafkaProducer
    let target: String
    let forwarded = Mutex(0)

    init(consumer: KafkaConsumer, producer: KafkaProducer, target: String) {
        self.consumer = consumer
        self.producer = producer
        self.target = target
    }

    func run() async throws {
        for try await batch in consumer.batches {
            let producer = self.producer
            let target = self.target
            try await withThrowingTaskGroup(of: Void.self) { group in
                for record in batch.records {
                    group.addTask {
                        _ = try await producer.send(KafkaProducerRecord(topic: target, key: record.key, value: record.value, headers: record.headers))
                    }
                }
                try await group.waitForAll()
            }
            try await consumer.commit(batch)
            forwarded.withLock { $0 += batch.records.count }
        }
        // The consumer ended `batches` because shutdown reached it; ServiceGroup expects this service to return
        // only when its own turn comes.
        try? await gracefulShutdown()
    }
}

@Suite(.enabled(if: TestBroker.isConfigured, "needs the local stack: source deploy/local/env.sh"))
struct ServiceCompositionTests {
    @Test func aServiceGroupShutsDownConsumerThenStageThenProducerWithEverythingCommitted() async throws {
        let source = TestBroker.uniqueName("source")
        let target = TestBroker.uniqueName("target")
        let group = TestBroker.uniqueName("g")
        let admin = try KafkaAdmin(configuration: KafkaAdminConfiguration(brokers: TestBroker.brokers), logger: TestBroker.logger)
        try await admin.createTopics([KafkaTopicSpecification(name: source, partitions: 2), KafkaTopicSpecification(name: target, partitions: 2)])
        try await TestBroker.produce((0..<100).map { KafkaProducerRecord(topic: source, partition: Int32($0 % 2), value: [UInt8($0)]) })

        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(brokers: TestBroker.brokers), logger: TestBroker.logger)
        let consumer = try KafkaConsumer(configuration: TestBroker.consumerConfiguration(topic: source, group: group), logger: TestBroker.logger)
        let stage = ForwardingStage(consumer: consumer, producer: producer, target: target)
        // Start order producer → stage → consumer; graceful shutdown runs in reverse: the consumer stops fetching and
        // ends `batches`, the stage finishes and commits its last batch, then the producer flushes.
        let serviceGroup = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: producer),
                    .init(service: stage, successTerminationBehavior: .gracefullyShutdownGroup),
                    .init(service: consumer),
                ],
                logger: TestBroker.logger
            )
        )
        let running = Task { try await serviceGroup.run() }
        try await waitUntil(timeout: .seconds(30), "the stage to forward every record") { stage.forwarded.withLock { $0 } >= 100 }
        await serviceGroup.triggerGracefulShutdown()
        try await running.value

        #expect(stage.forwarded.withLock { $0 } == 100)
        let offsets = try await admin.groupOffsets(groupID: group, topics: [source])
        #expect(offsets.compactMap(\.committed).reduce(0, +) == 100)
    }
}
