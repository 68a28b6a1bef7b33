import InletCore
import InletDeduplicator
import Testing

@Suite struct DeduplicatorConfigurationTests {
    @Test func readsItsVariablesAndKeepsDefaultsForTheRest() throws {
        let defaults = try DeduplicatorConfiguration(environment: EnvironmentReader([:]))
        #expect(defaults.producerLingerMilliseconds == 10)
        #expect(defaults.maxBatchSize == 1000)

        let set = try DeduplicatorConfiguration(environment: EnvironmentReader([
            "INLET_DEDUP_LINGER_MS": "0", "INLET_DEDUP_BATCH_SIZE": "250", "INLET_DEDUP_WINDOW_SECONDS": "3600",
            // The shared linger is the other producers' business: the deduplicator's own variable wins.
            "INLET_KAFKA_LINGER_MS": "7",
        ]))
        #expect(set.producerLingerMilliseconds == 0)
        #expect(set.maxBatchSize == 250)
        #expect(set.window == .seconds(3600))
    }

    @Test(arguments: ["-1", "1001", "ten"])
    func refusesALingerOutOfRange(_ value: String) {
        #expect(throws: InletCoreError.self) {
            try DeduplicatorConfiguration(environment: EnvironmentReader(["INLET_DEDUP_LINGER_MS": value]))
        }
    }
}
