import Foundation
import Testing
@testable import InletCore

@Suite struct ConfigurationFilesTests {
    func write(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("inlet-\(UUID().uuidString).yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func integrationsLoadAndNeverPrintSecrets() throws {
        let path = try write("""
            integrations:
              - id: acme-github
                definition: github
                secrets: ["s3cret-one", "s3cret-two"]
            """)
        let integrations = try ConfigurationFiles.integrations(at: path, definitions: DefinitionRegistry())
        #expect(integrations.count == 1)
        #expect(integrations[0].secrets == ["s3cret-one", "s3cret-two"])
        #expect(!"\(integrations[0])".contains("s3cret"))
    }

    @Test func unknownDefinitionNamesTheEntry() throws {
        let path = try write("integrations:\n  - {id: x, definition: gitlub, secrets: [a]}\n")
        #expect {
            try ConfigurationFiles.integrations(at: path, definitions: DefinitionRegistry())
        } throws: { error in
            let reason = (error as? InletCoreError)?.reason ?? ""
            return reason.contains("integrations[0].definition") && reason.contains("gitlub")
        }
    }

    @Test func missingKeyIsNamed() throws {
        let path = try write("integrations:\n  - {id: x, definition: github}\n")
        #expect {
            try ConfigurationFiles.integrations(at: path, definitions: DefinitionRegistry())
        } throws: { error in
            (error as? InletCoreError)?.reason.contains("secrets") == true
        }
    }

    @Test func subscriptionsRequireAStandardWebhooksSecret() throws {
        let good = try write("subscriptions:\n  - {id: s, url: 'http://127.0.0.1:1/x', secret: whsec_AAAA, models: [PullRequest]}\n")
        let subscriptions = try ConfigurationFiles.subscriptions(at: good, models: ModelRegistry())
        #expect(subscriptions.first?.models.map(\.rawValue) == ["PullRequest"])
        #expect(!"\(subscriptions[0])".contains("whsec_AAAA"))
        let bad = try write("subscriptions:\n  - {id: s, url: 'http://x', secret: plain, models: [PullRequest]}\n")
        #expect(throws: InletCoreError.self) { try ConfigurationFiles.subscriptions(at: bad, models: ModelRegistry()) }
    }

    @Test("consumer properties are parsed like producer properties, and a malformed item is named")
    func consumerProperties() throws {
        let config = try InletConfiguration(environment: EnvironmentReader([
            "INLET_KAFKA_CONSUMER_PROPERTIES": " fetch.wait.max.ms=100 ,fetch.min.bytes=65536",
        ]))
        #expect(config.kafkaConsumerProperties == ["fetch.wait.max.ms": "100", "fetch.min.bytes": "65536"])
        #expect(config.kafkaProducerProperties.isEmpty)
        #expect {
            try InletConfiguration(environment: EnvironmentReader(["INLET_KAFKA_CONSUMER_PROPERTIES": "fetch.wait.max.ms"]))
        } throws: { error in
            (error as? InletCoreError)?.reason.contains("INLET_KAFKA_CONSUMER_PROPERTIES") == true
        }
    }

    @Test func environmentValuesAreValidatedByName() throws {
        let config = try InletConfiguration(environment: EnvironmentReader(["INLET_KAFKA_BROKERS": "h:1", "INLET_TOPIC_PARTITIONS": "8"]))
        #expect(config.kafkaBrokers == "h:1")
        #expect(config.topics.partitions == 8)
        #expect {
            try InletConfiguration(environment: EnvironmentReader(["INLET_TOPIC_PARTITIONS": "zero"]))
        } throws: { error in
            (error as? InletCoreError)?.reason.contains("INLET_TOPIC_PARTITIONS") == true
        }
    }
}
