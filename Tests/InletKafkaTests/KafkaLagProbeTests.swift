import Testing
@testable import InletKafka

/// `KafkaLagProbe` reads a group's committed offsets and watermarks through the stage consumer's own handle.
@Suite("KafkaLagProbe", .enabled(if: TestBroker.isConfigured, "needs the local stack: source deploy/local/env.sh"))
struct KafkaLagProbeTests {
    @Test("through the consumer's handle the probe sees the backlog before a commit and none after it, and keeps the consumer alive")
    func lagBeforeAndAfterCommit() async throws {
        let topic = TestBroker.uniqueName("lag")
        try await TestBroker.createTopic(topic)
        try await TestBroker.produce((0..<20).map { KafkaProducerRecord(topic: topic, partition: 0, value: Array("\($0)".utf8)) })
        let partition = KafkaTopicPartition(topic: topic, partition: 0)
        weak var weakConsumer: KafkaConsumer?
        do {
            let consumer = try KafkaConsumer(configuration: TestBroker.consumerConfiguration(topic: topic, group: TestBroker.uniqueName("g")),
                                             logger: TestBroker.logger)
            weakConsumer = consumer
            let probe = KafkaLagProbe(consumer: consumer)
            #expect(try await probe.offsets(of: []) == [])
            try await withRunning(consumer) {
                // Tansu's high watermark may trail the log for a moment after the acknowledgements.
                let before = try await eventuallyOffsets(probe, partition) { $0.lag > 0 }
                #expect(before.committed == nil, "the group never committed")
                #expect(before.lag <= 20)

                let records = try await collect(from: consumer, commit: true) { $0.count >= 20 }
                #expect(records.count == 20)
                let after = try await eventuallyOffsets(probe, partition) { $0.committed == 20 && $0.lag == 0 }
                #expect(after.committed == 20)
                #expect(after.lag == 0)
            }
        }
        #expect(weakConsumer == nil, "the probe releases the consumer with it")
    }

    /// Asks `probe` every 100 ms, for at most 10 s, until `condition` holds for `partition`'s offsets; returns the last.
    private func eventuallyOffsets(_ probe: KafkaLagProbe, _ partition: KafkaTopicPartition,
                                   _ condition: (KafkaPartitionOffsets) -> Bool) async throws -> KafkaPartitionOffsets {
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        while true {
            let offsets = try #require(try await probe.offsets(of: [partition]).first)
            #expect(offsets.topicPartition == partition)
            if condition(offsets) || ContinuousClock.now >= deadline { return offsets }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
