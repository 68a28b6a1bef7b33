@testable import InletKafka
import Synchronization
import Testing

/// Tries to provoke Tansu's offset-gap defect (two producers appending to one partition while a consumer reads at
/// its end) and checks that every record arrives exactly once either way. Whether a gap occurred is printed: the
/// defect shows in a minority of runs.
@Suite(.enabled(if: TestBroker.isConfigured, "needs the local stack: source deploy/local/env.sh"))
struct OffsetGapHealingTests {
    @Test func twoConcurrentProducersOnOnePartitionLoseAndDuplicateNothing() async throws {
        let topic = TestBroker.uniqueName("gaps")
        try await TestBroker.createTopic(topic)
        let perProducer = 3000
        var configuration = TestBroker.consumerConfiguration(topic: topic, group: TestBroker.uniqueName("g"))
        configuration.autoOffsetReset = .earliest
        let consumer = try KafkaConsumer(configuration: configuration, logger: TestBroker.logger)
        let producers = try (0..<2).map { _ in
            try KafkaProducer(configuration: KafkaProducerConfiguration(brokers: TestBroker.brokers), logger: TestBroker.logger)
        }
        let runs = producers.map { producer in Task { try await producer.run() } }
        defer { producers.forEach { $0.triggerGracefulShutdown() } }

        let values = try await withRunning(consumer) {
            try await waitUntil(timeout: .seconds(20), "the consumer to be assigned") { try !consumer.assignment().isEmpty }
            let collecting = Task {
                try await collect(from: consumer, timeout: .seconds(60)) { $0.count >= 2 * perProducer }
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, producer) in producers.enumerated() {
                    for worker in 0..<16 {
                        group.addTask {
                            for sequence in stride(from: worker, to: perProducer, by: 16) {
                                _ = try await producer.send(KafkaProducerRecord(topic: topic, partition: 0, value: Array("\(index)-\(sequence)".utf8)))
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            return try await collecting.value.map { String(decoding: $0.value, as: UTF8.self) }
        }
        producers.forEach { $0.triggerGracefulShutdown() }
        for run in runs { try await run.value }
        print("offset-gap trial: \(values.count) records, gaps detected \(consumer.offsetGapsDetected), accepted \(consumer.offsetGapsAccepted), duplicates dropped \(consumer.duplicateRecordsDropped)")
        #expect(values.count == 2 * perProducer)
        #expect(Set(values).count == 2 * perProducer)
        #expect(consumer.offsetGapsAccepted == 0)
    }
}

/// The healing path against the real broker, with the loss injected: the poll thread drops fetched records once,
/// as librdkafka does when Tansu hands it a later batch first.
@Suite(.enabled(if: TestBroker.isConfigured, "needs the local stack: source deploy/local/env.sh"))
struct OffsetGapInjectionTests {
    @Test func aLostRangeIsReReadAndEveryRecordIsDeliveredOnceInOrder() async throws {
        let topic = TestBroker.uniqueName("heal")
        try await TestBroker.createTopic(topic)
        try await TestBroker.produce((0..<50).map { KafkaProducerRecord(topic: topic, partition: 0, value: [UInt8($0)]) })
        let consumer = try KafkaConsumer(configuration: TestBroker.consumerConfiguration(topic: topic, group: TestBroker.uniqueName("g")), logger: TestBroker.logger)
        let lost = Mutex<Set<Int64>>([10, 11, 12, 30])
        consumer.testingLoseFetchedRecord.withLock {
            $0 = { _, offset in lost.withLock { $0.remove(offset) != nil } }
        }
        let records = try await withRunning(consumer) {
            try await collect(from: consumer) { $0.count >= 50 }
        }
        #expect(records.map(\.offset) == Array(0..<50))
        #expect(consumer.offsetGapsDetected == 2)
        #expect(consumer.offsetGapsAccepted == 0)
    }

    @Test func aGapThatNeverHealsIsAcceptedAfterTheRetryBudget() async throws {
        let topic = TestBroker.uniqueName("genuine")
        try await TestBroker.createTopic(topic)
        try await TestBroker.produce((0..<20).map { KafkaProducerRecord(topic: topic, partition: 0, value: [UInt8($0)]) })
        var configuration = TestBroker.consumerConfiguration(topic: topic, group: TestBroker.uniqueName("g"))
        configuration.maxGapRetries = 3
        let consumer = try KafkaConsumer(configuration: configuration, logger: TestBroker.logger)
        consumer.testingLoseFetchedRecord.withLock { $0 = { _, offset in offset == 7 } }  // lost on every read
        let records = try await withRunning(consumer) {
            try await collect(from: consumer) { $0.last?.offset == 19 }
        }
        #expect(records.map(\.offset) == Array(0..<7) + Array(8..<20))
        #expect(consumer.offsetGapsDetected == 3)
        #expect(consumer.offsetGapsAccepted == 1)
    }
}

@Suite(.enabled(if: TestBroker.isConfigured, "needs the local stack: source deploy/local/env.sh"))
struct OffsetGapSeedingTests {
    @Test func aLossOfTheVeryFirstRecordsOfANewGroupIsHealed() async throws {
        let topic = TestBroker.uniqueName("first")
        try await TestBroker.createTopic(topic)
        try await TestBroker.produce((0..<10).map { KafkaProducerRecord(topic: topic, partition: 0, value: [UInt8($0)]) })
        let consumer = try KafkaConsumer(configuration: TestBroker.consumerConfiguration(topic: topic, group: TestBroker.uniqueName("g")), logger: TestBroker.logger)
        let lost = Mutex<Set<Int64>>([0, 1])
        consumer.testingLoseFetchedRecord.withLock { $0 = { _, offset in lost.withLock { $0.remove(offset) != nil } } }
        let records = try await withRunning(consumer) { try await collect(from: consumer) { $0.count >= 10 } }
        #expect(records.map(\.offset) == Array(0..<10))
        #expect(consumer.offsetGapsDetected == 1)
    }
}
