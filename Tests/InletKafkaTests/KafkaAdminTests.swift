import InletKafka
import Testing

/// Admin calls against the real Tansu broker at INLET_KAFKA_BROKERS.
@Suite(.enabled(if: TestBroker.isConfigured, "needs the local stack: source deploy/local/env.sh"))
struct KafkaAdminTests {
    @Test func creatingTopicsIsIdempotentAndListingShowsTheirPartitionCounts() async throws {
        let admin = try KafkaAdmin(configuration: KafkaAdminConfiguration(brokers: TestBroker.brokers), logger: TestBroker.logger)
        let first = TestBroker.uniqueName("admin")
        let second = TestBroker.uniqueName("admin")
        let specifications = [
            KafkaTopicSpecification(name: first, partitions: 3, configs: ["retention.ms": "3600000"]),
            KafkaTopicSpecification(name: second, partitions: 1),
        ]
        let created = try await admin.createTopics(specifications)
        #expect(Set(created) == [first, second])
        let again = try await admin.createTopics(specifications)
        #expect(again.isEmpty)
        let topics = try await admin.listTopics()
        #expect(topics.first { $0.name == first }?.partitionCount == 3)
        #expect(topics.first { $0.name == second }?.partitionCount == 1)
    }

    @Test func groupOffsetsOfAGroupThatNeverCommittedHaveNoCommittedOffset() async throws {
        let admin = try KafkaAdmin(configuration: KafkaAdminConfiguration(brokers: TestBroker.brokers), logger: TestBroker.logger)
        let topic = TestBroker.uniqueName("offsets")
        try await admin.createTopics([KafkaTopicSpecification(name: topic, partitions: 2)])
        let offsets = try await admin.groupOffsets(groupID: TestBroker.uniqueName("g"), topics: [topic])
        #expect(offsets.count == 2)
        #expect(offsets.allSatisfy { $0.committed == nil && $0.lag == 0 })
    }

    @Test func anUnreachableBrokerFailsWithARetriableErrorInsteadOfHanging() async throws {
        var configuration = KafkaAdminConfiguration(brokers: "127.0.0.1:1")
        configuration.requestTimeout = .seconds(1)
        let admin = try KafkaAdmin(configuration: configuration, logger: TestBroker.logger)
        let error = await #expect(throws: KafkaError.self) { _ = try await admin.listTopics() }
        #expect(error?.code == .metadata)
        #expect(error?.isRetriable == true)
    }
}
