import Foundation
import InletCore
import InletCrypto
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
    @Test func definitionsAreCheckedAtOnceAndFiltersTrimmed() throws {
        let integration = try NewIntegration(id: "acme-github_1", definition: "github", definitions: IntegrationsFixtures.definitions,
                                             filter: "  ")
        #expect(integration.definition.rawValue == "github")
        #expect(integration.filter == nil)
        #expect(try NewIntegration(id: "a", definition: "github", definitions: IntegrationsFixtures.definitions, filter: " true\n").filter == "true")
        let error = try #require(throws: IntegrationsError.self) {
            try NewIntegration(id: "a", definition: "gitbub", definitions: IntegrationsFixtures.definitions)
        }
        #expect(error.description.contains("github"))
    }
}

@Suite struct IntegrationsSecretInputTests {
    @Test func oneTrailingLineBreakIsDroppedAndNothingElse() throws {
        #expect(try SecretInput.parse(Data("abc\n".utf8), origin: "f").value == "abc")
        #expect(try SecretInput.parse(Data("abc\r\n".utf8), origin: "f").value == "abc")
        #expect(try SecretInput.parse(Data(" abc ".utf8), origin: "f").value == " abc ")
        for bad in ["", "\n", "a\nb\n", "abc\n\n"] {
            let error = try #require(throws: IntegrationsError.self, "\(bad.debugDescription)") { try SecretInput.parse(Data(bad.utf8), origin: "f") }
            #expect(error.description.contains("f:"))
        }
        #expect(throws: IntegrationsError.self) { try SecretInput.parse(Data([0xff, 0xfe]), origin: "f") }
        let missing = try #require(throws: IntegrationsError.self) { try SecretInput.read(file: "/nonexistent/secret") }
        #expect(missing.description.contains("/nonexistent/secret"))
    }

    @Test func generatedSecretsSuitTheSchemeAndNeverRepeat() throws {
        let standard = try SecretInput.generate(for: .standardWebhooks).value
        #expect(standard.hasPrefix("whsec_"))
        #expect(try Base64.decode(String(standard.dropFirst(6))).count == 32)
        let github = try SecretInput.generate(for: .githubHMACSHA256).value
        #expect(github.count == 64 && github.allSatisfy(\.isHexDigit))
        #expect(try SecretInput.generate(for: .githubHMACSHA256) != SecretInput.generate(for: .githubHMACSHA256))
        for scheme in [SignatureScheme.discord, .sendgrid] {
            let error = try #require(throws: IntegrationsError.self) { try SecretInput.generate(for: scheme) }
            #expect(error.description.contains("public key"))
        }
    }
}

@Suite struct IntegrationsListingTests {
    private let now = Date(timeIntervalSince1970: 2_000_000_000)

    private var records: [IntegrationRecord] {
        get throws {
            [
                IntegrationRecord(
                    id: "acme", definition: try DefinitionName("gitlab"),
                    settings: IntegrationSettings(options: IntegrationOptions(toleranceSeconds: 60)), filter: "true", status: .enabled,
                    createdAt: now.addingTimeInterval(-7200), updatedAt: now, revision: 3,
                    secrets: [
                        SecretRecord(id: "v3", kind: .signingToken, keyID: "k-b", createdAt: now.addingTimeInterval(-30), notAfter: nil),
                        SecretRecord(id: "v2", keyID: "k-b", createdAt: now.addingTimeInterval(-90), notAfter: nil),
                        SecretRecord(id: "v1", keyID: "k-a", createdAt: now.addingTimeInterval(-7200), notAfter: now.addingTimeInterval(3600)),
                    ]),
                IntegrationRecord(id: "bot", definition: try DefinitionName("discord"), settings: IntegrationSettings(publicKeys: ["ab"]),
                                  filter: nil, status: .disabled, createdAt: now, updatedAt: now, revision: 1, secrets: []),
            ]
        }
    }

    @Test func theTableShowsOneLinePerSecretWithItsKeyAgeAndEnd() throws {
        let lines = IntegrationListing(records: try records, now: now).table().split(separator: "\n").map(String.init)
        #expect(lines.count == 5)
        #expect(lines[0].hasPrefix("INTEGRATION"))
        #expect(lines[1].hasPrefix("acme") && lines[1].contains("signing_token") && lines[1].contains("30s"))
        #expect(lines[2].contains("v2") && lines[2].contains("1m"))
        #expect(lines[3].contains("v1") && lines[3].contains("k-a") && lines[3].contains("2h") && lines[3].contains("(in 1h)"))
        #expect(lines[4].hasPrefix("bot") && lines[4].contains("disabled") && lines[4].contains("(none)"))
        #expect(IntegrationListing(records: [], now: now).table().contains("inlet integrations add"))
    }

    @Test func jsonCarriesSettingsFilterAndSecretMetadata() throws {
        let text = IntegrationListing(records: try records, now: now.addingTimeInterval(3601)).json()
        let parsed = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [[String: Any]])
        #expect(parsed.count == 2)
        #expect(parsed[0]["filter"] as? String == "true")
        #expect((parsed[0]["settings"] as? [String: Any])?["options"] as? [String: Int] == ["tolerance_seconds": 60])
        let secrets = try #require(parsed[0]["secrets"] as? [[String: Any]])
        #expect(secrets.map { $0["id"] as? String } == ["v3", "v2", "v1"])
        #expect(secrets.map { $0["active"] as? Bool } == [true, true, false])
        #expect(secrets[2]["not_after"] as? String == "2033-05-18T04:33:20Z")
        #expect(parsed[1]["filter"] is NSNull)
    }
}
