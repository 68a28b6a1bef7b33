@testable import InletKafka
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
        #expect(configuration.properties.last { $0.0 == "queued.max.messages.kbytes" }?.1 == "16384")
        configuration.extraProperties = ["queued.max.messages.kbytes": "4096"]
        #expect(configuration.properties.last { $0.0 == "queued.max.messages.kbytes" }?.1 == "4096")
    }
}
