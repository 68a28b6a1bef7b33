import Foundation
import InletCore
import InletKafka
import InletStageRuntime
import Testing

@testable import InletOperations

/// KafkaConsumerGroupAdmin and KafkaPartitionReader against the real broker.
@Suite(.enabled(if: OpsTestEnvironment.isConfigured, "needs the local stack: source deploy/local/env.sh"))
struct OpsGroupAdminTests {
    @Test func altersAndReadsCommittedOffsetsOfAnEmptyGroup() async throws {
        let topic = OpsTestEnvironment.uniqueName("ops-admin")
        try await OpsTestEnvironment.createTopic(topic, partitions: 2)
        try await OpsTestEnvironment.produce((0..<6).map { KafkaProducerRecord(topic: topic, partition: Int32($0 % 2), value: [UInt8($0)]) })
        let admin = try OpsTestEnvironment.groupAdmin()
        let group = OpsTestEnvironment.uniqueName("ops-admin-group")
        let described = try await admin.describeConsumerGroup(group)
        #expect(!described.hasLiveMembers)
        #expect(try await admin.committedOffsets(groupID: group).isEmpty)
        let p0 = KafkaTopicPartition(topic: topic, partition: 0)
        let p1 = KafkaTopicPartition(topic: topic, partition: 1)
        try await admin.alterCommittedOffsets(groupID: group, offsets: [p0: 1, p1: 3])
        #expect(try await admin.committedOffsets(groupID: group) == [p0: 1, p1: 3])
        #expect(try await admin.watermarks(of: [p0, p1]) == [p0: KafkaWatermarks(low: 0, high: 3), p1: KafkaWatermarks(low: 0, high: 3)])
        #expect(try await admin.partitions(of: [topic]) == [p0, p1])
        await #expect(throws: KafkaError.self) { try await admin.partitions(of: [OpsTestEnvironment.uniqueName("ops-missing")]) }
    }

    @Test func aGroupIsLiveWhileAMemberIsSubscribedAndEmptyAfter() async throws {
        let topic = OpsTestEnvironment.uniqueName("ops-members")
        try await OpsTestEnvironment.createTopic(topic, partitions: 2)
        let group = OpsTestEnvironment.uniqueName("ops-members-group")
        let admin = try OpsTestEnvironment.groupAdmin()
        try await withLiveMember(group: group, topic: topic) {
            try await opsWaitUntil(timeout: .seconds(30), "the group to become Stable") {
                try await admin.describeConsumerGroup(group).state == "Stable"
            }
            let description = try await admin.describeConsumerGroup(group)
            #expect(description.hasLiveMembers)
            // Kafka lists the member; Tansu lists none (its state says the group is in use).
            #expect(description.members.allSatisfy { $0.clientID == "ops-live-member" })
        }
        try await opsWaitUntil(timeout: .seconds(20), "the group to be empty after its member left") {
            try await !admin.describeConsumerGroup(group).hasLiveMembers
        }
    }

    @Test func readerReadsFromAnOffsetAndResolverFindsTimes() async throws {
        let topic = OpsTestEnvironment.uniqueName("ops-reader")
        try await OpsTestEnvironment.createTopic(topic, partitions: 1)
        try await OpsTestEnvironment.produce((0..<5).map { KafkaProducerRecord(topic: topic, partition: 0, value: [UInt8($0)]) })
        try await Task.sleep(for: .milliseconds(50))  // a time strictly between the two batches
        let middle = Int64(Date().timeIntervalSince1970 * 1000)
        try await Task.sleep(for: .milliseconds(50))
        try await OpsTestEnvironment.produce((5..<8).map { KafkaProducerRecord(topic: topic, partition: 0, value: [UInt8($0)]) })

        let clients = try OpsTestEnvironment.clients()
        let partition = KafkaTopicPartition(topic: topic, partition: 0)
        let ranges = PartitionRangeReader(reader: clients.reader, ranges: [partition: (start: 2, end: 6)])
        var read: [KafkaRecord] = []
        while let batch = try await ranges.nextBatch() { read += batch }
        #expect(read.map(\.offset) == [2, 3, 4, 5])
        #expect(read.map(\.value) == [[2], [3], [4], [5]])

        let resolver = clients.resolver
        #expect(try await resolver.resolve(.time(milliseconds: middle), on: [partition]) == [partition: 5])
        #expect(try await resolver.resolve(.time(milliseconds: 0), on: [partition]) == [partition: 0])
        // After the last record: the end (Tansu answers 0 here; the resolver checks and corrects it).
        #expect(try await resolver.resolve(.time(milliseconds: middle + 3_600_000), on: [partition]) == [partition: 8])
        #expect(try await resolver.resolve(.offset(100), on: [partition]) == [partition: 8])
        #expect(try await resolver.resolve(.beginning, on: [partition]) == [partition: 0])
    }

    @Test func logEndsCountRecordsWhenProduceBatchesHoldMany() async throws {
        let topic = OpsTestEnvironment.uniqueName("ops-log-end")
        try await OpsTestEnvironment.createTopic(topic, partitions: 2)
        let clients = try OpsTestEnvironment.clients()
        // Concurrent sends share produce batches; Tansu's high watermark then counts batches, not records.
        let reports = try await clients.withProducer { producer in
            try await OrderedRecordSender(sender: producer).send((0..<40).map {
                KafkaProducerRecord(topic: topic, key: Array("k\($0)".utf8), value: [UInt8($0)])
            })
        }
        var expected: [KafkaTopicPartition: Int64] = [:]
        for report in reports {
            let partition = KafkaTopicPartition(topic: report.topic, partition: report.partition)
            expected[partition] = max(expected[partition] ?? 0, report.offset + 1)
        }
        let partitions = try await clients.admin.partitions(of: [topic])
        var ends: [KafkaTopicPartition: Int64] = [:]
        try await opsWaitUntil(timeout: .seconds(10), "the log ends to show every acknowledged record") {
            ends = try await clients.resolver.logEnds(of: partitions)
            return ends.values.reduce(0, +) == 40
        }
        #expect(ends.filter { $0.value > 0 } == expected)
        #expect(try await clients.resolver.resolve(.end, on: partitions) == ends)
    }

    @Test func clientsAreFreedAfterUse() async throws {
        weak var admin: KafkaConsumerGroupAdmin?
        weak var reader: KafkaPartitionReader?
        do {
            let clients = try OpsTestEnvironment.clients()
            admin = clients.admin
            reader = clients.reader
            _ = try await clients.admin.ping()
            try clients.reader.assign([:])
            _ = try await clients.reader.poll(maxRecords: 1, timeout: .milliseconds(10))
        }
        #expect(admin == nil)
        #expect(reader == nil)
    }
}

/// Runs `body` while a consumer of `group` is subscribed to `topic` (client ID `ops-live-member`).
func withLiveMember(group: String, topic: String, _ body: () async throws -> Void) async throws {
    var configuration = KafkaConsumerConfiguration(groupID: group, topics: [topic], brokers: OpsTestEnvironment.brokers)
    configuration.clientID = "ops-live-member"
    let consumer = try KafkaConsumer(configuration: configuration, logger: OpsTestEnvironment.logger)
    let running = Task { try await consumer.run() }
    do {
        try await body()
    } catch {
        consumer.triggerGracefulShutdown()
        _ = try? await running.value
        throw error
    }
    consumer.triggerGracefulShutdown()
    try await running.value
}
