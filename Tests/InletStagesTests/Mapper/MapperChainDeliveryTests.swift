import Foundation
import InletCore
import InletKafka
@testable import InletMapper
import Testing

/// `KafkaProducer.deliver(chains:)` on the real broker: every record of every chain handed over at once, and the
/// versions of one key still stored in chain order.
@Suite("Mapper chain delivery", .enabled(if: ProcessInfo.processInfo.environment["INLET_KAFKA_BROKERS"] != nil,
                                          "needs the local stack: source deploy/local/env.sh"))
struct MapperChainDeliveryTests {
    @Test("chains produced at once keep each key's order, and a shut-down producer settles every chain as not stored")
    func chainsKeepTheirOrder() async throws {
        let run = "mapchain-\(UUID().uuidString.prefix(8).lowercased())"
        let topic = TopicName.unique(definition: try DefinitionName("github"), event: EventName(run))
        let admin = try KafkaAdmin(configuration: KafkaAdminConfiguration(brokers: MapperServiceTests.brokers), logger: MapperServiceTests.logger)
        try await admin.createTopics([KafkaTopicSpecification(name: topic.rawValue, partitions: 3)])
        // One key with many versions (the case that used to wait for each acknowledgement) and many short chains.
        let lengths = [400] + Array(repeating: 5, count: 40)
        let chains = lengths.enumerated().map { key, length in
            (0..<length).map { version in
                KafkaProducerRecord(topic: topic.rawValue, key: Array("key-\(key)".utf8), value: Array("\(version)".utf8))
            }
        }
        let total = lengths.reduce(0, +)
        let reader = try await MapperTopicReader(topics: [topic], keep: { _ in true })
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(brokers: MapperServiceTests.brokers), logger: MapperServiceTests.logger)
        let running = Task { try await producer.run() }

        let outcomes = await producer.deliver(chains: chains)
        #expect(outcomes.map(\.acknowledged) == lengths)
        #expect(outcomes.allSatisfy { $0.error == nil })

        let stored = try await reader.collect(timeout: .seconds(60)) { $0.count >= total }
        #expect(stored.count == total)
        let versionsByKey = Dictionary(grouping: stored, by: { String(decoding: $0.key ?? [], as: UTF8.self) })
            .mapValues { $0.sorted { ($0.partition, $0.offset) < ($1.partition, $1.offset) }.map { Int(String(decoding: $0.value, as: UTF8.self))! } }
        for (key, length) in lengths.enumerated() {
            #expect(versionsByKey["key-\(key)"] == Array(0..<length), "key-\(key) was stored out of order")
        }

        producer.triggerGracefulShutdown()
        try await running.value
        // Refused at once: nothing of any chain was handed over, so each must be produced again from its start.
        let refused = await producer.deliver(chains: Array(chains.prefix(3)))
        #expect(refused.map(\.acknowledged) == [0, 0, 0])
        #expect(refused.allSatisfy { ($0.error as? KafkaError)?.code == .shutDown })
    }
}
