import InletCore
import InletKafka
import Testing

@testable import InletOperations

@Suite(.enabled(if: OpsTestEnvironment.isConfigured, "needs the local stack: source deploy/local/env.sh"))
struct OpsRewindTests {
    @Test func rewindMovesCommittedOffsetsToAnOffsetAndToTheBeginning() async throws {
        let topic = OpsTestEnvironment.uniqueName("ops-rewind")
        try await OpsTestEnvironment.createTopic(topic, partitions: 2)
        try await OpsTestEnvironment.produce((0..<10).map { KafkaProducerRecord(topic: topic, partition: Int32($0 % 2), value: [UInt8($0)]) })
        let group = OpsTestEnvironment.uniqueName("ops-rewind-group")
        let clients = try OpsTestEnvironment.clients()
        let p0 = KafkaTopicPartition(topic: topic, partition: 0)
        let p1 = KafkaTopicPartition(topic: topic, partition: 1)
        try await clients.admin.alterCommittedOffsets(groupID: group, offsets: [p0: 5, p1: 4])

        let rewinder = ConsumerGroupRewinder(admin: clients.admin, resolver: clients.resolver)
        let plan = try await rewinder.plan(groupID: group, topics: [topic], to: .offset(2))
        #expect(plan.moves.map(\.from) == [5, 4])
        #expect(plan.moves.map(\.to) == [2, 2])
        #expect(plan.moves.map(\.delta) == [-3, -2])
        try await rewinder.apply(plan, force: false)
        #expect(try await clients.admin.committedOffsets(groupID: group) == [p0: 2, p1: 2])

        try await rewinder.apply(try await rewinder.plan(groupID: group, topics: [topic], to: .beginning), force: false)
        #expect(try await clients.admin.committedOffsets(groupID: group) == [p0: 0, p1: 0])
    }

    @Test func rewindRefusesWhileTheGroupHasLiveMembersAndSaysWhatToDo() async throws {
        let topic = OpsTestEnvironment.uniqueName("ops-rewind-live")
        try await OpsTestEnvironment.createTopic(topic, partitions: 1)
        try await OpsTestEnvironment.produce((0..<3).map { KafkaProducerRecord(topic: topic, partition: 0, value: [UInt8($0)]) })
        let group = OpsTestEnvironment.uniqueName("ops-rewind-live-group")
        let clients = try OpsTestEnvironment.clients()
        let partition = KafkaTopicPartition(topic: topic, partition: 0)
        try await clients.admin.alterCommittedOffsets(groupID: group, offsets: [partition: 3])
        let rewinder = ConsumerGroupRewinder(admin: clients.admin, resolver: clients.resolver)
        try await withLiveMember(group: group, topic: topic) {
            try await opsWaitUntil(timeout: .seconds(30), "the member to join") {
                try await clients.admin.describeConsumerGroup(group).state == "Stable"
            }
            let plan = try await rewinder.plan(groupID: group, topics: [topic], to: .beginning)
            await #expect {
                try await rewinder.apply(plan, force: false)
            } throws: { error in
                guard let error = error as? OperationsError, error.code == .groupActive else { return false }
                return error.reason.contains(group) && error.reason.contains("Stop every instance") && error.reason.contains("--force")
            }
            #expect(try await clients.admin.committedOffsets(groupID: group) == [partition: 3])
        }
    }
}
