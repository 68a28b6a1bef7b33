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
        #expect(configuration.timestampToleranceSeconds == nil)
        #expect(configuration.publicBaseURL == nil)
        #expect(configuration.effectivePublicBaseURL == "http://127.0.0.1:8080")
        #expect(configuration.eventLoopThreads == nil)  // NIO's shared group, one loop per core
    }

    @Test func readsThePublicURLAndRefusesOnesRequestPathsCannotBeAppendedTo() throws {
        let configuration = try ReceiverConfiguration(environment: EnvironmentReader(["INLET_RECEIVER_PUBLIC_URL": "https://hooks.example.com:8443"]))
        #expect(configuration.effectivePublicBaseURL == "https://hooks.example.com:8443")
        var ipv6 = ReceiverConfiguration()
        ipv6.host = "::1"
        #expect(ipv6.effectivePublicBaseURL == "http://[::1]:8080")
        for bad in ["hooks.example.com", "https://hooks.example.com/", "https://hooks.example.com?x=1", "https://", "ftp://x"] {
            #expect {
                try ReceiverConfiguration(environment: EnvironmentReader(["INLET_RECEIVER_PUBLIC_URL": bad]))
            } throws: { error in
                (error as? ReceiverError)?.code == .invalidConfiguration && "\(error)".contains("INLET_RECEIVER_PUBLIC_URL")
            }
        }
    }

    @Test func readsEveryVariable() throws {
        let configuration = try ReceiverConfiguration(environment: EnvironmentReader([
            "INLET_RECEIVER_HOST": "0.0.0.0", "INLET_RECEIVER_PORT": "9000", "INLET_RECEIVER_MAX_BODY_BYTES": "1024",
            "INLET_RECEIVER_ACK_TIMEOUT_MS": "250", "INLET_RECEIVER_RETRY_AFTER_SECONDS": "2",
            "INLET_RECEIVER_TIMESTAMP_TOLERANCE_SECONDS": "60", "INLET_INTEGRATIONS_FILE": "/etc/inlet/integrations.yaml",
            "INLET_RECEIVER_PUBLIC_URL": "https://hooks.example.com", "INLET_RECEIVER_EVENT_LOOPS": "3",
            "INLET_RECEIVER_LINGER_MS": "4", "INLET_RECEIVER_PRODUCER_THREAD_NICE": "0",
        ]))
        #expect(configuration.host == "0.0.0.0")
        #expect(configuration.port == 9000)
        #expect(configuration.maximumBodySize == 1024)
        #expect(configuration.acknowledgementTimeout == .milliseconds(250))
        #expect(configuration.retryAfterSeconds == 2)
        #expect(configuration.timestampToleranceSeconds == 60)
        #expect(configuration.integrationsPath == "/etc/inlet/integrations.yaml")
        #expect(configuration.publicBaseURL == "https://hooks.example.com")
        #expect(configuration.eventLoopThreads == 3)
        #expect(configuration.producerLingerMilliseconds == 4)
        #expect(ReceiverConfiguration().producerLingerMilliseconds == 1, "the default")
        #expect(configuration.producerBrokerThreadNiceness == 0)
        #expect(ReceiverConfiguration().producerBrokerThreadNiceness == 10, "the default")
        #expect(ReceiverConfiguration.variables.count == 17)
    }

    @Test func theProducerSendsWithoutNagleUnlessTheSharedPropertiesSayOtherwise() {
        let configuration = ReceiverConfiguration()
        #expect(configuration.producerProperties(shared: [:]) == ["socket.nagle.disable": "true"])
        #expect(configuration.producerProperties(shared: ["socket.nagle.disable": "false", "compression.type": "lz4"])
                == ["socket.nagle.disable": "false", "compression.type": "lz4"])
    }

    @Test(arguments: ["INLET_RECEIVER_PORT", "INLET_RECEIVER_MAX_BODY_BYTES", "INLET_RECEIVER_ACK_TIMEOUT_MS",
                      "INLET_RECEIVER_PRODUCER_THREAD_NICE"])
    func namesTheMalformedVariable(key: String) {
        #expect {
            try ReceiverConfiguration(environment: EnvironmentReader([key: "-3x"]))
        } throws: { error in
            (error as? ReceiverError)?.code == .invalidConfiguration && "\(error)".contains(key)
        }
    }
}
