import InletCore
import InletReceiver
import Testing

@Suite("ReceiverConfiguration")
struct ReceiverConfigurationTests {
    @Test func hasTheDocumentedDefaults() throws {
        let configuration = try ReceiverConfiguration(environment: EnvironmentReader([:]))
        #expect(configuration == ReceiverConfiguration())
        #expect(configuration.host == "127.0.0.1")
        #expect(configuration.port == 8080)
        #expect(configuration.maximumBodySize == 10 * 1024 * 1024)
        #expect(configuration.acknowledgementTimeout == .seconds(5))
        #expect(configuration.integrationsPath == "deploy/local/integrations.yaml")
    }

    @Test func readsEveryVariable() throws {
        let configuration = try ReceiverConfiguration(environment: EnvironmentReader([
            "INLET_RECEIVER_HOST": "0.0.0.0", "INLET_RECEIVER_PORT": "9000", "INLET_RECEIVER_MAX_BODY_BYTES": "1024",
            "INLET_RECEIVER_ACK_TIMEOUT_MS": "250", "INLET_RECEIVER_RETRY_AFTER_SECONDS": "2",
            "INLET_RECEIVER_TIMESTAMP_TOLERANCE_SECONDS": "60", "INLET_INTEGRATIONS_FILE": "/etc/inlet/integrations.yaml",
        ]))
        #expect(configuration.host == "0.0.0.0")
        #expect(configuration.port == 9000)
        #expect(configuration.maximumBodySize == 1024)
        #expect(configuration.acknowledgementTimeout == .milliseconds(250))
        #expect(configuration.retryAfterSeconds == 2)
        #expect(configuration.timestampToleranceSeconds == 60)
        #expect(configuration.integrationsPath == "/etc/inlet/integrations.yaml")
        #expect(ReceiverConfiguration.variables.count == 7)
    }

    @Test(arguments: ["INLET_RECEIVER_PORT", "INLET_RECEIVER_MAX_BODY_BYTES", "INLET_RECEIVER_ACK_TIMEOUT_MS"])
    func namesTheMalformedVariable(key: String) {
        #expect {
            try ReceiverConfiguration(environment: EnvironmentReader([key: "-3x"]))
        } throws: { error in
            (error as? ReceiverError)?.code == .invalidConfiguration && "\(error)".contains(key)
        }
    }
}
