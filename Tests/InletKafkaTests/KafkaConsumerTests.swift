@testable import InletKafka
import Foundation
import Synchronization
import Testing

/// Consumer behaviour against the real Tansu broker at INLET_KAFKA_BROKERS.
@Suite(.enabled(if: TestBroker.isConfigured, "needs the local stack: source deploy/local/env.sh"))
struct KafkaConsumerTests {
    @Test func recordsRoundTripWithKeysAndHeadersInOffsetOrder() async throws {
        let topic = TestBroker.uniqueName("roundtrip")
        try await TestBroker.createTopic(topic)
        try await TestBroker.produce(
            (0..<20).map { index in
                KafkaProducerRecord(
                    topic: topic, key: Array("key-\(index)".utf8), value: Array("value-\(index)".utf8),
                    headers: [
                        KafkaHeader(key: "ce_id", string: "id-\(index)"),
                        KafkaHeader(key: "ce_type", string: "com.github.push"),
                        KafkaHeader(key: "empty", value: nil),
                    ]
                )
            }
        )
        let consumer = try KafkaConsumer(configuration: TestBroker.consumerConfiguration(topic: topic, group: TestBroker.uniqueName("g")), logger: TestBroker.logger)
        let records = try await withRunning(consumer) {
            try await collect(from: consumer) { $0.count >= 20 }
        }
        #expect(records.count == 20)
        #expect(records.map(\.offset) == Array(0..<20))
        #expect(records.map { String(decoding: $0.value, as: UTF8.self) } == (0..<20).map { "value-\($0)" })
        #expect(records.map { $0.key.map { String(decoding: $0, as: UTF8.self) } } == (0..<20).map { "key-\($0)" })
        #expect(records[7].headers.first("ce_id") == "id-7")
        #expect(records[7].headers.first("ce_type") == "com.github.push")
        #expect(records[7].headers.last == KafkaHeader(key: "empty", value: nil))
        #expect(consumer.offsetGapsAccepted == 0)
    }

    @Test func aNewConsumerInTheGroupResumesAfterTheCommittedOffset() async throws {
        let topic = TestBroker.uniqueName("resume")
        let group = TestBroker.uniqueName("g")
        try await TestBroker.createTopic(topic)
        try await TestBroker.produce((0..<10).map { KafkaProducerRecord(topic: topic, partition: 0, value: [UInt8($0)]) })
        let first = try KafkaConsumer(configuration: TestBroker.consumerConfiguration(topic: topic, group: group), logger: TestBroker.logger)
        try await withRunning(first) {
            let records = try await collect(from: first) { $0.count >= 10 }
            let upTo = records.first { $0.offset == 5 }!
            try await first.commit(offsets: [upTo.topicPartition: 6])
        }
        let admin = try KafkaAdmin(configuration: KafkaAdminConfiguration(brokers: TestBroker.brokers), logger: TestBroker.logger)
        let offsets = try await admin.groupOffsets(groupID: group, topics: [topic])
        #expect(offsets.map(\.committed) == [6])

        try await TestBroker.produce([KafkaProducerRecord(topic: topic, partition: 0, value: [99])])
        let second = try KafkaConsumer(configuration: TestBroker.consumerConfiguration(topic: topic, group: group), logger: TestBroker.logger)
        let resumed = try await withRunning(second) {
            try await collect(from: second) { $0.contains { $0.value == [99] } }
        }
        #expect(resumed.first?.offset == 6)
        #expect(resumed.map(\.offset) == Array(6...10))
    }

    @Test func closingCallsTheRevokeHookAfterTheStageFinishedItsBatchAndTheHookCanCommit() async throws {
        let topic = TestBroker.uniqueName("revoke")
        let group = TestBroker.uniqueName("g")
        try await TestBroker.createTopic(topic, partitions: 2)
        try await TestBroker.produce((0..<10).map { KafkaProducerRecord(topic: topic, partition: Int32($0 % 2), value: [UInt8($0)]) })

        let revoked = Mutex<[KafkaTopicPartition]>([])
        let pending = Mutex<[KafkaTopicPartition: Int64]>([:])
        let hookCommitted = Mutex(false)
        let consumerRef = Mutex<KafkaConsumer?>(nil)
        let consumer = try KafkaConsumer(
            configuration: TestBroker.consumerConfiguration(topic: topic, group: group), logger: TestBroker.logger
        ) { partitions in
            revoked.withLock { $0 += partitions }
            // The stage commits work it processed but has not committed yet.
            let offsets = pending.withLock { $0 }
            if let consumer = consumerRef.withLock({ $0 }), (try? await consumer.commit(offsets: offsets)) != nil {
                hookCommitted.withLock { $0 = true }
            }
        }
        consumerRef.withLock { $0 = consumer }
        try await withRunning(consumer) {
            let records = try await collect(from: consumer) { $0.count >= 10 }
            pending.withLock { $0 = KafkaRecordBatch(records: records).nextOffsets }
        }
        consumerRef.withLock { $0 = nil }
        #expect(Set(revoked.withLock { $0 }) == [KafkaTopicPartition(topic: topic, partition: 0), KafkaTopicPartition(topic: topic, partition: 1)])
        #expect(hookCommitted.withLock { $0 })
        let admin = try KafkaAdmin(configuration: KafkaAdminConfiguration(brokers: TestBroker.brokers), logger: TestBroker.logger)
        let offsets = try await admin.groupOffsets(groupID: group, topics: [topic])
        #expect(offsets.map(\.committed) == [5, 5])
    }

    @Test func aSlowStageGetsEveryRecordOnceThroughBackPressure() async throws {
        let topic = TestBroker.uniqueName("slow")
        try await TestBroker.createTopic(topic)
        try await TestBroker.produce((0..<300).map { KafkaProducerRecord(topic: topic, partition: 0, value: Array("\($0)".utf8)) })
        var configuration = TestBroker.consumerConfiguration(topic: topic, group: TestBroker.uniqueName("g"))
        configuration.maxBatchSize = 10
        configuration.bufferedBatches = 2
        let consumer = try KafkaConsumer(configuration: configuration, logger: TestBroker.logger)
        let records = try await withRunning(consumer) {
            var records: [KafkaRecord] = []
            for try await batch in consumer.batches {
                #expect(batch.records.count <= 10)
                records += batch.records
                try await consumer.commit(batch)
                try await Task.sleep(for: .milliseconds(5))
                if records.count >= 300 { break }
            }
            return records
        }
        #expect(records.map(\.offset) == Array(0..<300))
    }

    /// 200 records of 500 bytes (628 counted each) in batches of five, consumed by a stage that takes 5 ms a batch
    /// and notes, after each batch, whether fetching is paused and how many bytes wait.
    private func consumeSlowly(bound: Int, pauseAfter: Duration) async throws -> (offsets: [Int64], sawPause: Bool, mostBuffered: Int) {
        let topic = TestBroker.uniqueName("bytes")
        try await TestBroker.createTopic(topic)
        let value = [UInt8](repeating: 42, count: 500)
        try await TestBroker.produce((0..<200).map { _ in KafkaProducerRecord(topic: topic, partition: 0, value: value) })
        var configuration = TestBroker.consumerConfiguration(topic: topic, group: TestBroker.uniqueName("g"))
        configuration.maxBatchSize = 5
        configuration.bufferedBatches = 1000  // only the byte bound can stop fetching
        configuration.bufferedBytes = bound
        configuration.pauseAfter = pauseAfter
        let consumer = try KafkaConsumer(configuration: configuration, logger: TestBroker.logger)
        return try await withRunning(consumer) {
            var offsets: [Int64] = []
            var sawPause = false
            var mostBuffered = 0
            for try await batch in consumer.batches {
                offsets += batch.records.map(\.offset)
                try await consumer.commit(batch)
                sawPause = sawPause || consumer.isBackPressured
                mostBuffered = max(mostBuffered, consumer.bufferedByteCount)
                try await Task.sleep(for: .milliseconds(5))
                if offsets.count >= 200 { break }
            }
            return (offsets, sawPause, mostBuffered)
        }
    }

    @Test func aFullByteBoundStopsFetchingWithoutPausingWhileTheStageKeepsUp() async throws {
        let bound = 6 * 640  // six batches of five 628-byte records
        let (offsets, sawPause, mostBuffered) = try await consumeSlowly(bound: bound, pauseAfter: .seconds(30))
        #expect(offsets == Array(0..<200))
        #expect(!sawPause, "a stage that takes half the buffer within pauseAfter must not cost a pause")
        // The poll thread stops once the bound is reached, so at most one more batch than the bound waits.
        #expect(mostBuffered > 0 && mostBuffered < bound + 5 * 628, "buffered \(mostBuffered) bytes against a bound of \(bound)")
    }

    @Test func aByteBoundPausesFetchingWhenTheStageTakesLongerThanPauseAfter() async throws {
        let (offsets, sawPause, _) = try await consumeSlowly(bound: 6 * 640, pauseAfter: .milliseconds(1))
        #expect(offsets == Array(0..<200))
        #expect(sawPause, "a stage slower than pauseAfter must see the partitions paused, and every record once after resume")
    }

    @Test func theConsumerIsFreedAfterShutdown() async throws {
        let topic = TestBroker.uniqueName("free")
        try await TestBroker.createTopic(topic)
        try await TestBroker.produce([KafkaProducerRecord(topic: topic, value: [1])])
        weak var weakConsumer: KafkaConsumer?
        do {
            let consumer = try KafkaConsumer(configuration: TestBroker.consumerConfiguration(topic: topic, group: TestBroker.uniqueName("g")), logger: TestBroker.logger)
            weakConsumer = consumer
            let records = try await withRunning(consumer) { try await collect(from: consumer) { !$0.isEmpty } }
            #expect(records.count == 1)
        }
        #expect(weakConsumer == nil)
    }

    @Test func theAssignmentOfAClosedConsumerIsEmptyInsteadOfBlocking() async throws {
        let topic = TestBroker.uniqueName("closed")
        try await TestBroker.createTopic(topic)
        let consumer = try KafkaConsumer(configuration: TestBroker.consumerConfiguration(topic: topic, group: TestBroker.uniqueName("g")), logger: TestBroker.logger)
        try await withRunning(consumer) {
            try await waitUntil("the consumer to be assigned") { try !consumer.assignment().isEmpty }
        }
        // After close librdkafka no longer answers rd_kafka_assignment; asked on a thread of its own, so that a
        // regression fails this test instead of hanging the test process.
        let answer = Mutex<[KafkaTopicPartition]?>(nil)
        let answered = DispatchSemaphore(value: 0)
        Thread {
            answer.withLock { $0 = try? consumer.assignment() }
            answered.signal()
        }.start()
        #expect(answered.wait(timeout: .now() + .seconds(5)) == .success, "assignment() after close must not block")
        #expect(answer.withLock { $0 } == [])
    }

    @Test func theBatchSequenceFinishesOnShutdown() async throws {
        let topic = TestBroker.uniqueName("finish")
        try await TestBroker.createTopic(topic)
        let consumer = try KafkaConsumer(configuration: TestBroker.consumerConfiguration(topic: topic, group: TestBroker.uniqueName("g")), logger: TestBroker.logger)
        let run = Task { try await consumer.run() }
        let iterate = Task {
            var count = 0
            for try await batch in consumer.batches { count += batch.records.count }
            return count
        }
        try await waitUntil("the consumer to be assigned") { try !consumer.assignment().isEmpty }
        consumer.triggerGracefulShutdown()
        #expect(try await iterate.value == 0)
        try await run.value
    }
}

@Suite(.enabled(if: TestBroker.isConfigured, "needs the local stack: source deploy/local/env.sh"))
struct KafkaConsumerPauseTests {
    @Test func recordsProducedWhilePausedArriveAfterResume() async throws {
        let topic = TestBroker.uniqueName("pause")
        try await TestBroker.createTopic(topic)
        let consumer = try KafkaConsumer(configuration: TestBroker.consumerConfiguration(topic: topic, group: TestBroker.uniqueName("g")), logger: TestBroker.logger)
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(brokers: TestBroker.brokers), logger: TestBroker.logger)
        let records = try await withRunning(producer) {
            try await withRunning(consumer) {
                try await waitUntil(timeout: .seconds(20), "the consumer to be assigned") { try !consumer.assignment().isEmpty }
                let partitions = try consumer.assignment()
                try consumer.pause(partitions)
                for index in 0..<5 { _ = try await producer.send(KafkaProducerRecord(topic: topic, value: [UInt8(index)])) }
                try consumer.resume(partitions)
                return try await collect(from: consumer) { $0.count >= 5 }
            }
        }
        #expect(records.map(\.value) == (0..<5).map { [UInt8($0)] })
    }
}

@Suite(.enabled(if: TestBroker.isConfigured, "needs the local stack: source deploy/local/env.sh"))
struct KafkaConsumerRebalanceTests {
    @Test func aSecondMemberJoiningRevokesThroughTheHookAndSplitsThePartitions() async throws {
        let topic = TestBroker.uniqueName("rebalance")
        let group = TestBroker.uniqueName("g")
        try await TestBroker.createTopic(topic, partitions: 2)
        let revoked = Mutex<[KafkaTopicPartition]>([])
        let first = try KafkaConsumer(configuration: TestBroker.consumerConfiguration(topic: topic, group: group), logger: TestBroker.logger) { partitions in
            revoked.withLock { $0 += partitions }
        }
        let second = try KafkaConsumer(configuration: TestBroker.consumerConfiguration(topic: topic, group: group), logger: TestBroker.logger)
        try await withRunning(first) {
            try await waitUntil(timeout: .seconds(20), "the first member to own both partitions") { try first.assignment().count == 2 }
            try await withRunning(second) {
                try await waitUntil(timeout: .seconds(30), "the partitions to be split") {
                    try first.assignment().count == 1 && second.assignment().count == 1
                }
            }
        }
        #expect(revoked.withLock { $0 }.count >= 2)
    }

    /// librdkafka keeps a partition's pause flag across an unassign and a later assign: a partition revoked while
    /// back-pressure had paused it must be fetched again once it is assigned to the same member.
    @Test func aPartitionRevokedWhileBackPressuredIsFetchedAgainOnceReassigned() async throws {
        let topic = TestBroker.uniqueName("repause")
        let group = TestBroker.uniqueName("g")
        try await TestBroker.createTopic(topic, partitions: 2)
        try await TestBroker.produce((0..<100).map {
            KafkaProducerRecord(topic: topic, partition: Int32($0 % 2), value: [UInt8($0)])
        })
        var configuration = TestBroker.consumerConfiguration(topic: topic, group: group)
        configuration.maxBatchSize = 5
        configuration.bufferedBatches = 2
        configuration.pauseAfter = .milliseconds(100)
        let first = try KafkaConsumer(configuration: configuration, logger: TestBroker.logger)
        let second = try KafkaConsumer(configuration: TestBroker.consumerConfiguration(topic: topic, group: group), logger: TestBroker.logger)
        let records = try await withRunning(first) {
            // Nobody takes the first member's batches: its buffer fills and back-pressure pauses both partitions.
            try await waitUntil(timeout: .seconds(20), "the first member to pause under back-pressure") { first.isBackPressured }
            return try await withRunning(second) {
                try await waitUntil(timeout: .seconds(30), "the partitions to be split") {
                    try first.assignment().count == 1 && second.assignment().count == 1
                }
                // Revocation dropped the buffered batches; the partition the first member got back must be fetched.
                return try await collect(from: first, timeout: .seconds(20)) { $0.count >= 50 }
            }
        }
        #expect(records.count >= 50)
        #expect(Set(records.map(\.partition)).count == 1)
    }

    @Test func theCooperativeStickyProtocolAlsoRunsTheHookOnClose() async throws {
        let topic = TestBroker.uniqueName("cooperative")
        try await TestBroker.createTopic(topic, partitions: 2)
        var configuration = TestBroker.consumerConfiguration(topic: topic, group: TestBroker.uniqueName("g"))
        configuration.extraProperties["partition.assignment.strategy"] = "cooperative-sticky"
        let revoked = Mutex<Set<KafkaTopicPartition>>([])
        let consumer = try KafkaConsumer(configuration: configuration, logger: TestBroker.logger) { partitions in
            revoked.withLock { $0.formUnion(partitions) }
        }
        try await withRunning(consumer) {
            try await waitUntil(timeout: .seconds(20), "both partitions to be assigned") { try consumer.assignment().count == 2 }
        }
        #expect(revoked.withLock { $0 }.count == 2)
    }
}
