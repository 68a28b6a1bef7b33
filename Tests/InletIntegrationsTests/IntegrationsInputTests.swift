import Foundation
import InletCore
import Testing

@testable import InletIntegrations

@Suite struct IntegrationsSecretOverlapTests {
    @Test func durationsReadLargestUnitFirst() throws {
        #expect(try SecretOverlap.parseDuration("0") == .lasting(seconds: 0))
        #expect(try SecretOverlap.parseDuration("45s") == .lasting(seconds: 45))
        #expect(try SecretOverlap.parseDuration("90m") == .lasting(seconds: 5400))
        #expect(try SecretOverlap.parseDuration("24h") == .lasting(seconds: 86_400))
        #expect(try SecretOverlap.parseDuration("1d12h") == .lasting(seconds: 129_600))
        for bad in ["", "h", "12", "1h1d", "1h1h", "-1h", "1.5h", "1w"] {
            #expect(throws: IntegrationsError.self, "\(bad)") { try SecretOverlap.parseDuration(bad) }
        }
    }

    @Test func timesAreRFC3339OrDates() throws {
        #expect(try SecretOverlap.parseTime("2026-11-22T10:00:00Z") == .until(Date(timeIntervalSince1970: 1_795_341_600)))
        #expect(try SecretOverlap.parseTime("2026-11-22T11:00:00+01:00") == .until(Date(timeIntervalSince1970: 1_795_341_600)))
        #expect(try SecretOverlap.parseTime("2026-11-22T10:00:00.500Z") == .until(Date(timeIntervalSince1970: 1_795_341_600.5)))
        #expect(try SecretOverlap.parseTime("2026-11-22") == .until(Date(timeIntervalSince1970: 1_795_305_600)))
        #expect(throws: IntegrationsError.self) { try SecretOverlap.parseTime("tomorrow") }
    }

    @Test func theDeadlineIsCountedFromTheRotationAndMayNotLieInThePast() throws {
        let now = Date(timeIntervalSince1970: 1_000_000)
        #expect(try SecretOverlap.lasting(seconds: 60).deadline(from: now) == now.addingTimeInterval(60))
        #expect(try SecretOverlap.standard.deadline(from: now) == now.addingTimeInterval(86_400))
        let error = try #require(throws: IntegrationsError.self) { try SecretOverlap.until(now.addingTimeInterval(-1)).deadline(from: now) }
        #expect(error.description.contains("--keep-old-for 0"))
    }

    @Test func descriptionsAreReadable() {
        #expect(SecretOverlap.lasting(seconds: 5400).description == "for 1h30m")
        #expect(SecretOverlap.lasting(seconds: 0).description == "for 0s")
        #expect(SecretOverlap.until(Date(timeIntervalSince1970: 1_795_341_600)).description == "until 2026-11-22T10:00:00Z")
    }
}

@Suite struct IntegrationsSettingsTests {
    @Test func yamlAndJSONReadTheIntegrationsFileKeys() throws {
        let yaml = try IntegrationSettings(parsing: """
            public_keys: ["whpk_a"]
            options: { tolerance_seconds: 30 }
            signature: { header: X-Signature, prefix: "sha256=" }
            metadata: { delivery_id: "header:X-Delivery" }
            """, origin: "s.yaml")
        let json = try IntegrationSettings(parsing: #"""
            {"metadata": {"delivery_id": "header:X-Delivery"}, "options": {"tolerance_seconds": 30},
             "signature": {"prefix": "sha256=", "header": "X-Signature"}, "public_keys": ["whpk_a"]}
            """#, origin: "s.json")
        #expect(yaml == json)
        #expect(yaml.publicKeys == ["whpk_a"])
        #expect(yaml.options.toleranceSeconds == 30)
        #expect(yaml.signature?.header == "X-Signature")
        #expect(yaml.jsonText == #"{"metadata":{"delivery_id":"header:X-Delivery"},"options":{"tolerance_seconds":30},"public_keys":["whpk_a"],"signature":{"header":"X-Signature","prefix":"sha256="}}"#)
        #expect(try IntegrationSettings(storedJSON: yaml.jsonText, integrationID: "a") == yaml)
        #expect(try IntegrationSettings(parsing: "", origin: "empty") == .empty)
        #expect(IntegrationSettings.empty.jsonText == "{}")
    }

    @Test func unknownKeysAndNonObjectsAreRefused() throws {
        let unknown = try #require(throws: IntegrationsError.self) { try IntegrationSettings(parsing: "header: X-Sig\n", origin: "s.yaml") }
        #expect(unknown.description.contains("unknown settings key 'header'"))
        let option = try #require(throws: IntegrationsError.self) {
            try IntegrationSettings(parsing: "options: { tolerence_seconds: 3 }\n", origin: "s.yaml")
        }
        #expect(option.description.contains("tolerence_seconds"))
        for text in ["- a\n- b\n", "42", "options: [unclosed"] {
            #expect(throws: IntegrationsError.self, "\(text)") { try IntegrationSettings(parsing: text, origin: "s.yaml") }
        }
    }

    @Test func secretsCannotHideInSettingsAndAreNeverQuoted() throws {
        let secretKey = try #require(throws: IntegrationsError.self) {
            try IntegrationSettings(parsing: "secrets: [hunter2]\n", origin: "s.yaml")
        }
        #expect(!secretKey.description.contains("hunter2"))
        let tokens = try #require(throws: IntegrationsError.self) {
            try IntegrationSettings(parsing: "options: { signing_tokens: [whsec_hunter2] }\n", origin: "s.yaml")
        }
        #expect(tokens.description.contains("signing_tokens"))
        #expect(!tokens.description.contains("hunter2"))
        let wrongType = try #require(throws: IntegrationsError.self) {
            try IntegrationSettings(parsing: "public_keys: hunter2-not-a-list\n", origin: "s.yaml")
        }
        #expect(wrongType.description.contains("public_keys"))
        #expect(!wrongType.description.contains("hunter2"))
        let syntax = try #require(throws: IntegrationsError.self) {
            try IntegrationSettings(parsing: "metadata: { a: b\n  c: [topsecretvalue\n", origin: "s.yaml")
        }
        #expect(!syntax.description.contains("topsecretvalue"))
        #expect(syntax.description.contains("s.yaml"))
    }
}

@Suite struct IntegrationsConfigurationTests {
    @Test func defaultsAreTheFileAndTwoSeconds() throws {
        let configuration = try IntegrationCatalogConfiguration(environment: EnvironmentReader([:]))
        #expect(configuration.source == .file)
        #expect(configuration.pollInterval == .seconds(2))
        #expect(IntegrationCatalogConfiguration.variables.map(\.defaultValue) == ["file", "2"])
    }

    @Test func variablesAreReadAndCheckedByName() throws {
        let configuration = try IntegrationCatalogConfiguration(environment: EnvironmentReader([
            "INLET_INTEGRATIONS_SOURCE": "postgres", "INLET_INTEGRATIONS_POLL_SECONDS": "0.5",
        ]))
        #expect(configuration.source == .postgres)
        #expect(configuration.pollInterval == .milliseconds(500))
        for (key, value) in [("INLET_INTEGRATIONS_SOURCE", "vault"), ("INLET_INTEGRATIONS_POLL_SECONDS", "0"),
                             ("INLET_INTEGRATIONS_POLL_SECONDS", "soon")] {
            let error = try #require(throws: IntegrationsError.self) { try IntegrationCatalogConfiguration(environment: EnvironmentReader([key: value])) }
            #expect(error.description.contains(key))
        }
    }
}

@Suite struct IntegrationsNewIntegrationTests {
    @Test func idsAndDefinitionsAreChecked() throws {
        let integration = try NewIntegration(id: "acme-github_1", definition: "github", definitions: IntegrationsFixtures.definitions,
                                             filter: "  ")
        #expect(integration.definition.rawValue == "github")
        #expect(integration.filter == nil)
        #expect((try? NewIntegration(id: String(repeating: "a", count: 128), definition: "github", definitions: IntegrationsFixtures.definitions)) != nil)
        for id in ["", "Acme", "a/b", String(repeating: "a", count: 129)] {
            #expect(throws: IntegrationsError.self, "\(id)") {
                try NewIntegration(id: id, definition: "github", definitions: IntegrationsFixtures.definitions)
            }
        }
        let error = try #require(throws: IntegrationsError.self) {
            try NewIntegration(id: "a", definition: "gitbub", definitions: IntegrationsFixtures.definitions)
        }
        #expect(error.description.contains("github"))
    }
}
