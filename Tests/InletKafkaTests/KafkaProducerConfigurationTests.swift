@testable import InletKafka
import Foundation
import Logging
import Testing

@Suite struct KafkaProducerConfigurationTests {
    /// The value librdkafka ends up with: properties are applied in order, so the last entry for a key wins.
    private func effective(_ key: String, in configuration: KafkaProducerConfiguration) -> String? {
        configuration.properties.last { $0.0 == key }?.1
    }

    @Test func batchesAreCompressedWithLZ4UnlessToldOtherwise() {
        var configuration = KafkaProducerConfiguration()
        #expect(effective("compression.type", in: configuration) == "lz4")
        configuration.compression = .zstd
        #expect(effective("compression.type", in: configuration) == "zstd")
    }

    @Test func anExtraCompressionPropertyWinsOverTheField() {
        var configuration = KafkaProducerConfiguration()
        configuration.extraProperties = ["compression.type": "none"]
        #expect(effective("compression.type", in: configuration) == "none",
                "INLET_KAFKA_PRODUCER_PROPERTIES must be able to turn compression off")
    }

    @Test func durabilitySettingsCannotBeOverridden() {
        var configuration = KafkaProducerConfiguration()
        configuration.extraProperties = ["acks": "1", "enable.idempotence": "false"]
        #expect(effective("acks", in: configuration) == "all")
        #expect(effective("enable.idempotence", in: configuration) == "true")
    }
}

@Suite struct KafkaConsumerPrefetchConfigurationTests {
    @Test func librdkafkasPrefetchIsBoundedAndCanBeOverridden() {
        var configuration = KafkaConsumerConfiguration(groupID: "g", topics: ["t"])
        func effective(_ key: String) -> String? { configuration.properties.last { $0.0 == key }?.1 }
        #expect(effective("queued.max.messages.kbytes") == "2048")
        #expect(effective("fetch.queue.backoff.ms") == "10", "librdkafka's 1 s back-off idles a consumer on a backlog")
        configuration.extraProperties = ["queued.max.messages.kbytes": "4096", "fetch.queue.backoff.ms": "50"]
        #expect(effective("queued.max.messages.kbytes") == "4096")
        #expect(effective("fetch.queue.backoff.ms") == "50")
    }
}

@Suite struct BrokerThreadPriorityTests {
    struct Thread: Sendable, CustomStringConvertible {
        var name: String
        var nice: Int
        var description: String { "\(name) at \(nice)" }
    }

    /// (thread name, nice value) of every thread of this process, from /proc.
    private func threads() throws -> [Thread] {
        let tasks = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")
        return tasks.compactMap { task in
            guard let name = try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8),
                  let stat = try? String(contentsOfFile: "/proc/self/task/\(task)/stat", encoding: .utf8),
                  let afterName = stat.range(of: ") ", options: .backwards)
            else { return nil }
            // Fields after "(comm) ": state is field 3, nice is field 19.
            let fields = stat[afterName.upperBound...].split(separator: " ")
            guard fields.count > 16, let nice = Int(fields[16]) else { return nil }
            return Thread(name: name.trimmingCharacters(in: .whitespacesAndNewlines), nice: nice)
        }
    }

    @Test func aProducersBrokerThreadsRunAtTheConfiguredNiceValueAndItsOtherThreadsDoNot() async throws {
        var configuration = mockProducerConfiguration()
        configuration.brokerThreadNiceness = 7  // a value no other producer in the test process uses
        let producer = try KafkaProducer(configuration: configuration, logger: Logger(label: "test"))
        let niced = try await withRunning(producer) {
            _ = try await producer.send(KafkaProducerRecord(topic: "nice", value: [1]))
            return try threads().filter { $0.nice == 7 }
        }
        #expect(!niced.isEmpty, "the mock cluster's broker thread must run at nice 7")
        #expect(niced.allSatisfy { $0.name.hasPrefix("rdk:broker") }, "only broker threads are lowered: \(niced)")
    }
}
