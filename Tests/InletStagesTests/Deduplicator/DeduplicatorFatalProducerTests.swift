import Foundation
import InletCore
@testable import InletDeduplicator
import InletKafka
import InletPostgres
import Logging
import Testing

/// A producer that failed fatally (librdkafka's idempotence state lost, e.g. after the broker desynchronised the
/// sequence numbers) never recovers in-process: the deduplicator must stop, not retry the batch forever.
@Suite struct DeduplicatorFatalProducerTests {
    @Test(.timeLimit(.minutes(1))) func aFatalProducerErrorStopsTheStageInsteadOfRetryingForever() async throws {
        let brokers = ProcessInfo.processInfo.environment["INLET_KAFKA_BROKERS"] ?? "127.0.0.1:9092"
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(brokers: brokers), logger: logger)
        let serving = Task { try await producer.run() }
        producer.testingRaiseFatalError()
        // The fatal error arrives as an event on the producer's queue; wait until sends report it.
        let probe = KafkaProducerRecord(topic: TopicName.scratch("fatal-probe").rawValue, value: [1])
        var fatal = false
        for _ in 0..<100 where !fatal {
            do { _ = try await producer.send(probe) } catch let error as KafkaError where error.code == .fatal { fatal = true } catch {}
            if !fatal { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(fatal, "the test seam did not make the producer fatal")

        let postgres = TestDatabase.client()
        var configuration = DeduplicatorConfiguration()
        configuration.seenTable = TestDatabase.uniqueName("seen_fatal")
        configuration.retryDelay = .milliseconds(10)
        let service = try DeduplicatorService(
            configuration: configuration, consumer: KafkaConsumerConfiguration(groupID: "unused", topics: [], brokers: brokers),
            producer: producer, postgres: postgres, registry: try DefinitionRegistry(), logger: logger)
        try await SeenDeliveryStore(client: postgres, table: configuration.seenTable).prepare()

        let batch = KafkaRecordBatch(records: [ReceivedRecords.record("fatal-1")])
        await #expect(throws: KafkaError.self) { _ = try await service.processUntilDone(batch) }

        _ = try await postgres.query("DROP TABLE \(configuration.seenTable)")
        await postgres.close()
        producer.triggerGracefulShutdown()
        _ = try? await serving.value
    }
}
