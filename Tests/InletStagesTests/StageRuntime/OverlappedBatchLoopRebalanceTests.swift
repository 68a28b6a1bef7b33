import Foundation
import InletKafka
import InletStageRuntime
import Logging
import Synchronization
import Testing

/// The overlapped loop with real group members on the local broker: what its revocation hook guarantees.
@Suite("OverlappedBatchLoop on the broker", .enabled(if: ProcessInfo.processInfo.environment["INLET_KAFKA_BROKERS"] != nil,
                                                     "needs the local stack: source deploy/local/env.sh"))
struct OverlappedBatchLoopRebalanceTests {
    static var brokers: String { ProcessInfo.processInfo.environment["INLET_KAFKA_BROKERS"] ?? "127.0.0.1:9092" }
    static var logger: Logger {
        var logger = Logger(label: "inlet.stage-runtime.tests")
        logger.logLevel = ProcessInfo.processInfo.environment["INLET_TEST_LOG"] == nil ? .critical : .debug
        return logger
    }

    /// Every (partition, offset) a member finished, with how often.
    final class Finished: Sendable {
        private let counts = Mutex<[String: Int]>([:])
        private let byMember = Mutex<[String: Int]>([:])
        /// While a member is joining: finishing a batch then takes 8 s, longer than Tansu takes to let the new member in
        /// (about 6 s), so without the revocation hook the new owner reads a batch the first member is still finishing.
        /// The slow stage also fills the first member's buffer for longer than `pauseAfter`, so its partitions are
        /// paused by back-pressure when they are revoked: the test also checks they are fetched again once assigned
        /// (librdkafka kept the pause across the reassignment and the first member stalled, before that was fixed).
        let handoverPending = Mutex(false)

        func add(_ batch: KafkaRecordBatch, member: String) {
            counts.withLock { counts in
                for record in batch.records { counts["\(record.partition)/\(record.offset)", default: 0] += 1 }
            }
            byMember.withLock { $0[member, default: 0] += batch.records.count }
        }

        var distinct: Int { counts.withLock { $0.count } }
        var repeated: [String] { counts.withLock { $0.filter { $0.value > 1 }.map(\.key).sorted() } }
        func finished(by member: String) -> Int { byMember.withLock { $0[member] ?? 0 } }
    }

    /// A group member: a consumer whose revocation waits for the loop's unfinished batches, running the overlapped
    /// loop with a slow finishing step (each batch stays unfinished for a while, as a batch waiting on the broker does).
    struct Member {
        let consumer: KafkaConsumer
        let running: Task<Void, any Error>
        let loop: Task<Void, any Error>

        init(name: String, topic: String, group: String, finished: Finished) throws {
            let unfinished = UnfinishedBatches()
            var configuration = KafkaConsumerConfiguration(groupID: group, topics: [topic], brokers: OverlappedBatchLoopRebalanceTests.brokers)
            configuration.maxBatchSize = 10
            let consumer = try KafkaConsumer(
                configuration: configuration, logger: OverlappedBatchLoopRebalanceTests.logger, onRevoke: unfinished.revokeHook)
            self.consumer = consumer
            running = Task { try await consumer.run() }
            loop = Task {
                try await OverlappedBatchLoop.run(
                    consumer.batches, unfinished: unfinished,
                    prepare: { $0.records.count },
                    finish: { batch, _ in
                        try await Task.sleep(for: finished.handoverPending.withLock { $0 } ? .seconds(8) : .milliseconds(80))
                        finished.add(batch, member: name)
                        try await consumer.commit(batch)
                    },
                    onFailure: { consumer.triggerGracefulShutdown() })
            }
        }

        func stop() async throws {
            consumer.triggerGracefulShutdown()
            try await loop.value
            try await running.value
        }
    }

    @Test("a second member joining mid-stream gets partitions only after both unfinished batches are committed: no record is finished twice",
          .timeLimit(.minutes(2)))
    func handoverWithoutRepeats() async throws {
        let run = UUID().uuidString.prefix(8).lowercased()
        let topic = "inlet.test.overlap-\(run)"
        let group = "inlet-test-overlap-\(run)"
        let admin = try KafkaAdmin(configuration: KafkaAdminConfiguration(brokers: Self.brokers), logger: Self.logger)
        try await admin.createTopics([KafkaTopicSpecification(name: topic, partitions: 2)])
        let total = 1000
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(brokers: Self.brokers), logger: Self.logger)
        let producing = Task { try await producer.run() }
        try await producer.sendAll((0..<total).map {
            KafkaProducerRecord(topic: topic, partition: Int32($0 % 2), value: Array("record \($0)".utf8))
        })
        producer.triggerGracefulShutdown()
        try await producing.value

        let finished = Finished()
        let first = try Member(name: "first", topic: topic, group: group, finished: finished)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(90))
        while finished.distinct == 0 && clock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
        finished.handoverPending.withLock { $0 = true }
        let second = try Member(name: "second", topic: topic, group: group, finished: finished)
        while (try? second.consumer.assignment())?.isEmpty != false && clock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        finished.handoverPending.withLock { $0 = false }
        while finished.distinct < total && clock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        try await first.stop()
        try await second.stop()

        #expect(finished.distinct == total)
        // Without the hook the first member gives a partition away while its older batch is still finishing, and the
        // new owner starts again from the last commit: those records are finished twice.
        #expect(finished.repeated.isEmpty, "finished twice: \(finished.repeated.prefix(20))")
        #expect(finished.finished(by: "second") > 0, "the second member never got a partition with records left; nothing was handed over")
        let committed = try await admin.groupOffsets(groupID: group, topics: [topic]).map { $0.committed ?? -1 }
        #expect(committed.sorted() == [Int64(total / 2), Int64(total / 2)])
    }
}
