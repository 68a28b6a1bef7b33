import Testing

@testable import InletPostgres

@Suite("PostgresConfiguration")
struct PostgresConfigurationTests {
    @Test("reads every key from the environment")
    func readsEnvironment() throws {
        let configuration = try PostgresConfiguration(environment: [
            "INLET_POSTGRES_URL": "postgresql://inlet@127.0.0.1:55432/inlet",
            "INLET_POSTGRES_POOL_SIZE": "8",
            "INLET_POSTGRES_CONNECT_TIMEOUT_MS": "2500",
            "INLET_POSTGRES_STATEMENT_TIMEOUT_MS": "0",
            "INLET_POSTGRES_APPLICATION_NAME": "inlet-persister",
        ])
        #expect(configuration.poolSize == 8)
        #expect(configuration.connectTimeout == .milliseconds(2500))
        #expect(configuration.connectTimeoutSeconds == 3)
        #expect(configuration.statementTimeout == nil)
        #expect(configuration.applicationName == "inlet-persister")
    }

    @Test("uses the documented defaults")
    func defaults() throws {
        let configuration = try PostgresConfiguration(environment: ["INLET_POSTGRES_URL": "postgresql://h/db"])
        #expect(configuration.poolSize == 4)
        #expect(configuration.connectTimeout == .seconds(10))
        #expect(configuration.statementTimeout == .seconds(30))
        #expect(configuration.statementTimeoutMilliseconds == 30_000)
    }

    @Test("names the bad key, never echoing the URL's password", arguments: [
        (["INLET_POSTGRES_URL": "postgresql://h/db", "INLET_POSTGRES_POOL_SIZE": "zero"], "INLET_POSTGRES_POOL_SIZE"),
        (["INLET_POSTGRES_URL": "postgresql://h/db", "INLET_POSTGRES_CONNECT_TIMEOUT_MS": "-1"],
         "INLET_POSTGRES_CONNECT_TIMEOUT_MS"),
        (["INLET_POSTGRES_URL": "postgresql://h/db", "INLET_POSTGRES_STATEMENT_TIMEOUT_MS": "soon"],
         "INLET_POSTGRES_STATEMENT_TIMEOUT_MS"),
        ([:], "INLET_POSTGRES_URL"),
        (["INLET_POSTGRES_URL": "postgresql://u:s3cret@h:notaport/db?bogus_option=1"], "INLET_POSTGRES_URL"),
    ])
    func namesBadKey(environment: [String: String], key: String) {
        #expect {
            _ = try PostgresConfiguration(environment: environment)
        } throws: { error in
            let error = error as! PostgresError
            return error.code == .invalidConfiguration && error.reason.contains(key)
                && !error.description.contains("s3cret")
        }
    }
}
