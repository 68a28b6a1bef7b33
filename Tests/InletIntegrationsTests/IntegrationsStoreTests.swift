import Foundation
import InletCore
import InletPostgres
import Testing

@testable import InletIntegrations

@Suite(.enabled(if: IntegrationsTestDatabase.isConfigured, "needs the local PostgreSQL (source deploy/local/env.sh)"))
struct IntegrationsStoreTests {
    @Test func addListsTheIntegrationWithSecretMetadataOnly() async throws {
        try await IntegrationsTestDatabase.withStore { store in
            let sealer = SecretSealer(keys: try IntegrationsFixtures.keys())
            let secret = try IntegrationsFixtures.uniqueSecret()
            var integration = try IntegrationsFixtures.github("acme")
            integration.settings = try IntegrationSettings(parsing: "options: { accept_legacy_sha1: true }\n", origin: "test")
            integration.filter = "payload.action != 'deleted'"
            let added = try await store.add(integration, secrets: [secret], sealer: sealer)
            #expect(added.id == "acme")
            #expect(added.status == .enabled)
            #expect(added.revision == 1)
            #expect(added.filter == "payload.action != 'deleted'")
            #expect(added.settings.jsonText == #"{"options":{"accept_legacy_sha1":true}}"#)
            #expect(added.secrets.map(\.id) == ["v1"])
            #expect(added.secrets[0].keyID == sealer.keys.current.id)
            #expect(added.secrets[0].notAfter == nil)
            #expect(try await store.list().map(\.id) == ["acme"])
            #expect(!"\(try await store.list())".contains(secret.value))

            let duplicate = await #expect(throws: IntegrationsError.self) { try await store.add(integration, secrets: [secret], sealer: sealer) }
            #expect(duplicate?.code == .integrationExists)
        }
    }

    @Test func theStoredCiphertextIsNotTheSecretAndDoesNotOpenWhenSwappedBetweenRows() async throws {
        try await IntegrationsTestDatabase.withStore { store in
            let sealer = SecretSealer(keys: try IntegrationsFixtures.keys())
            let first = try IntegrationsFixtures.uniqueSecret("first")
            let second = try IntegrationsFixtures.uniqueSecret("second")
            try await store.add(try IntegrationsFixtures.github("one"), secrets: [first], sealer: sealer)
            try await store.add(try IntegrationsFixtures.github("two"), secrets: [second], sealer: sealer)
            let secrets = try store.tables.secrets
            let rows = try await store.client.query("SELECT integration_id, ciphertext, nonce FROM \(secrets) ORDER BY integration_id")
            #expect(rows.count == 2)
            for row in rows {
                let ciphertext = try #require(try row.bytes("ciphertext"))
                let stored = String(decoding: ciphertext, as: UTF8.self)
                #expect(!stored.contains("test-secret"))
                #expect(try row.bytes("nonce")?.count == 12)
            }
            let catalog = IntegrationCatalog(store: store, keys: sealer.keys)
            #expect(try await catalog.load().integrations.map(\.secrets) == [[first.value], [second.value]])

            // Swap the sealed values of the two rows: each now holds a valid ciphertext, of the other integration.
            _ = try await store.client.query("""
                UPDATE \(secrets) AS s SET ciphertext = o.ciphertext, nonce = o.nonce
                FROM \(secrets) AS o WHERE s.integration_id <> o.integration_id
                """)
            let error = await #expect(throws: IntegrationsError.self) { try await catalog.load() }
            #expect(error?.code == .secretDoesNotDecrypt)
            #expect(error?.description.contains("one/v1") == true)
            #expect(error?.description.contains(first.value) == false)
            #expect(error?.description.contains(second.value) == false)
        }
    }

    @Test func rotationKeepsOldSecretsUntilTheirDeadlineThenDropsThem() async throws {
        try await IntegrationsTestDatabase.withStore { store in
            let sealer = SecretSealer(keys: try IntegrationsFixtures.keys())
            let catalog = IntegrationCatalog(store: store, keys: sealer.keys)
            let old = try IntegrationsFixtures.uniqueSecret("old")
            let new = try IntegrationsFixtures.uniqueSecret("new")
            try await store.add(try IntegrationsFixtures.github("acme"), secrets: [old], sealer: sealer)
            let rotatedAt = Date()
            let rotation = try await store.rotateSecret(of: "acme", to: new, overlap: .lasting(seconds: 3600), sealer: sealer, now: rotatedAt)
            #expect(rotation.newSecret.id == "v2")
            #expect(rotation.newSecret.notAfter == nil)
            #expect(rotation.keptSecrets.map(\.id) == ["v1"])
            let end = try #require(rotation.keptSecrets[0].notAfter)
            #expect(end == Date(timeIntervalSince1970: rotatedAt.timeIntervalSince1970.rounded(.down) + 3600))
            #expect(rotation.removedSecretIDs.isEmpty)

            // The receiver gets both, the new one first, with the old one's end; it accepts the old one up to and
            // including that second, and not after.
            let integration = try await catalog.load().integrations.first
            #expect(integration?.secretEntries.map(\.value) == [new.value, old.value])
            #expect(IntegrationsFixtures.activeSecrets(integration, at: rotatedAt) == [new.value, old.value])
            #expect(IntegrationsFixtures.activeSecrets(integration, at: end) == [new.value, old.value])
            #expect(IntegrationsFixtures.activeSecrets(integration, at: end.addingTimeInterval(1)) == [new.value])

            // A later rotation never extends an earlier end, and deletes secrets past theirs.
            let newest = try IntegrationsFixtures.uniqueSecret("newest")
            let again = try await store.rotateSecret(of: "acme", to: newest, overlap: .lasting(seconds: 7200), sealer: sealer,
                                                      now: end.addingTimeInterval(1))
            #expect(again.newSecret.id == "v3")
            #expect(again.removedSecretIDs == ["v1"])
            #expect(again.keptSecrets.map(\.id) == ["v2"])
            let record = try await store.record(id: "acme")
            #expect(record.secrets.map(\.id) == ["v3", "v2"])
            #expect(record.revision == 3)
            #expect(try await catalog.load().integrations.first?.secrets == [newest.value, new.value])
        }
    }

    @Test func rotatingWithoutOverlapRevokesAtOnceAndSecretIDsAreNeverReused() async throws {
        try await IntegrationsTestDatabase.withStore { store in
            let sealer = SecretSealer(keys: try IntegrationsFixtures.keys())
            try await store.add(try IntegrationsFixtures.github("acme"),
                                secrets: [try IntegrationsFixtures.uniqueSecret("b"), try IntegrationsFixtures.uniqueSecret("a")], sealer: sealer)
            #expect(try await store.record(id: "acme").secrets.map(\.id) == ["v2", "v1"])
            let new = try IntegrationsFixtures.uniqueSecret("c")
            let rotation = try await store.rotateSecret(of: "acme", to: new, overlap: .lasting(seconds: 0), sealer: sealer)
            #expect(rotation.removedSecretIDs == ["v1", "v2"])
            #expect(rotation.newSecret.id == "v3")
            #expect(try await IntegrationCatalog(store: store, keys: sealer.keys).load().integrations[0].secrets == [new.value])
            let missing = await #expect(throws: IntegrationsError.self) {
                try await store.rotateSecret(of: "nobody", to: new, sealer: sealer)
            }
            #expect(missing?.code == .integrationNotFound)
            let past = await #expect(throws: IntegrationsError.self) {
                try await store.rotateSecret(of: "acme", to: new, overlap: .until(Date(timeIntervalSince1970: 0)), sealer: sealer)
            }
            #expect(past?.code == .invalidTime)
        }
    }

    @Test func writesAreCheckedAgainstTheDefinition() async throws {
        try await IntegrationsTestDatabase.withStore { store in
            let sealer = SecretSealer(keys: try IntegrationsFixtures.keys())
            let definitions = IntegrationsFixtures.definitions
            // A shared-secret definition needs a secret; a public-key one takes none, and its key in the settings.
            let noSecret = await #expect(throws: IntegrationsError.self) {
                try await store.add(try IntegrationsFixtures.github("acme"), secrets: [], sealer: sealer)
            }
            #expect(noSecret?.description.contains("secrets must list at least one secret") == true)
            var discord = try NewIntegration(id: "bot", definition: "discord", definitions: definitions)
            let noKey = await #expect(throws: IntegrationsError.self) { try await store.add(discord, secrets: [], sealer: sealer) }
            #expect(noKey?.description.contains("public_keys") == true)
            discord.settings = IntegrationSettings(publicKeys: [String(repeating: "ab", count: 32)])
            try await store.add(discord, secrets: [], sealer: sealer)
            let secretForDiscord = await #expect(throws: IntegrationsError.self) {
                try await store.rotateSecret(of: "bot", to: try IntegrationsFixtures.uniqueSecret(), sealer: sealer)
            }
            #expect(secretForDiscord?.code == .invalidIntegration)
            // Options a scheme does not read, and signing tokens outside GitLab, are refused.
            try await store.add(try IntegrationsFixtures.github("acme"), secrets: [try IntegrationsFixtures.uniqueSecret()], sealer: sealer)
            let option = await #expect(throws: IntegrationsError.self) {
                try await store.update("acme", settings: IntegrationSettings(options: IntegrationOptions(headerName: "X-Token")))
            }
            #expect(option?.description.contains("options.header_name") == true)
            let token = await #expect(throws: IntegrationsError.self) {
                try await store.rotateSecret(of: "acme", kind: .signingToken, to: try WebhookSecret("whsec_dG9rZW4="), sealer: sealer)
            }
            #expect(token?.code == .invalidIntegration)
            // Nothing of the refused writes was stored.
            for id in ["", "Acme", "a/b", String(repeating: "a", count: 129)] {
                let badID = await #expect(throws: IntegrationsError.self, "\(id)") {
                    try await store.add(try NewIntegration(id: id, definition: "github", definitions: definitions),
                                        secrets: [try IntegrationsFixtures.uniqueSecret()], sealer: sealer)
                }
                #expect(badID?.description.contains("must be 1–128 characters") == true)
            }
            #expect(try await store.list().map { $0.secrets.count } == [1, 0])
            #expect(try await store.record(id: "acme").revision == 1)
        }
    }

    @Test func updateReplacesSettingsAndFilterOnly() async throws {
        try await IntegrationsTestDatabase.withStore { store in
            let sealer = SecretSealer(keys: try IntegrationsFixtures.keys())
            let secret = try IntegrationsFixtures.uniqueSecret()
            try await store.add(try IntegrationsFixtures.github("acme"), secrets: [secret], sealer: sealer)
            let versionBefore = try await store.catalogVersion()
            let updated = try await store.update("acme", settings: IntegrationSettings(options: IntegrationOptions(acceptLegacySHA1: true)),
                                                 filter: .set(" payload.action == 'opened' "))
            #expect(updated.filter == "payload.action == 'opened'")
            #expect(updated.settings.options.acceptLegacySHA1 == true)
            #expect(updated.revision == 2)
            #expect(try await store.catalogVersion() > versionBefore)
            let unchanged = try await store.update("acme", filter: .set("payload.action == 'opened'"))
            #expect(unchanged.revision == 2)
            let cleared = try await store.update("acme", filter: .remove)
            #expect(cleared.filter == nil)
            #expect(cleared.settings.options.acceptLegacySHA1 == true)
            let integration = try await IntegrationCatalog(store: store, keys: sealer.keys).load().integrations[0]
            #expect(integration.options.acceptLegacySHA1 == true)
            #expect(integration.secrets == [secret.value])
        }
    }

    @Test func disableEnableAndRemove() async throws {
        try await IntegrationsTestDatabase.withStore { store in
            let sealer = SecretSealer(keys: try IntegrationsFixtures.keys())
            let catalog = IntegrationCatalog(store: store, keys: sealer.keys)
            try await store.add(try IntegrationsFixtures.github("acme"), secrets: [try IntegrationsFixtures.uniqueSecret()], sealer: sealer)
            #expect(try await store.setStatus(of: "acme", to: .disabled))
            #expect(try await !store.setStatus(of: "acme", to: .disabled))
            // The receiver still gets it, to answer integration_disabled rather than unknown_integration.
            let disabled = try await catalog.load()
            #expect(disabled.integrations[0].enabled == false)
            #expect(disabled.integrations[0].secrets.count == 1)

            #expect(try await store.setStatus(of: "acme", to: .enabled))
            #expect(try await catalog.load().integrations[0].secrets.count == 1)

            let removed = try await store.remove("acme")
            #expect(removed.id == "acme")
            #expect(try await store.list().isEmpty)
            let leftovers = try await store.client.query("SELECT count(*) FROM \(try store.tables.secrets)")
            #expect(try leftovers.first?.int(0) == 0)
            for operation in ["remove", "disable"] {
                let error = await #expect(throws: IntegrationsError.self, "\(operation)") {
                    if operation == "remove" { try await store.remove("acme") } else { try await store.setStatus(of: "acme", to: .disabled) }
                }
                #expect(error?.code == .integrationNotFound)
            }
        }
    }

    @Test func everyWriteMovesTheChangeCounterAndTheRowRevision() async throws {
        try await IntegrationsTestDatabase.withStore { store in
            let sealer = SecretSealer(keys: try IntegrationsFixtures.keys())
            var versions = [try await store.catalogVersion()]
            try await store.add(try IntegrationsFixtures.github("acme"), secrets: [try IntegrationsFixtures.uniqueSecret()], sealer: sealer)
            versions.append(try await store.catalogVersion())
            _ = try await store.rotateSecret(of: "acme", to: try IntegrationsFixtures.uniqueSecret(), sealer: sealer)
            versions.append(try await store.catalogVersion())
            try await store.setStatus(of: "acme", to: .disabled)
            versions.append(try await store.catalogVersion())
            // Even a change made by hand, outside the store, is counted.
            _ = try await store.client.query("UPDATE \(try store.tables.integrations) SET status = 'enabled'")
            versions.append(try await store.catalogVersion())
            try await store.remove("acme")
            versions.append(try await store.catalogVersion())
            #expect(versions == versions.sorted())
            #expect(Set(versions).count == versions.count, "\(versions)")
        }
    }

    @Test func rekeyReSealsEverySecretUnderTheCurrentKey() async throws {
        try await IntegrationsTestDatabase.withStore { store in
            let oldKey = try MasterKey.random(id: "old")
            let oldSealer = SecretSealer(keys: try MasterKeyRing(current: oldKey))
            let secrets = try (0..<3).map { try IntegrationsFixtures.uniqueSecret("\($0)") }
            try await store.add(try IntegrationsFixtures.github("a"), secrets: [secrets[0], secrets[1]], sealer: oldSealer)
            try await store.add(try IntegrationsFixtures.github("b"), secrets: [secrets[2]], sealer: oldSealer)
            let before = try await store.client.query("SELECT ciphertext FROM \(try store.tables.secrets) ORDER BY integration_id, secret_id")

            let rotated = SecretSealer(keys: try MasterKeyRing(current: try MasterKey.random(id: "new"), previous: [oldKey]))
            let report = try await store.rekey(sealer: rotated)
            #expect(report.currentKeyID == "new")
            #expect(report.resealedByPreviousKey == ["old": 3])
            #expect(report.alreadyCurrent == 0)
            #expect(try await store.list().flatMap(\.secrets).allSatisfy { $0.keyID == "new" })
            let after = try await store.client.query("SELECT ciphertext FROM \(try store.tables.secrets) ORDER BY integration_id, secret_id")
            for (old, new) in zip(before, after) { #expect(try old.bytes(0) != new.bytes(0)) }

            // The old key can go now: the new one alone opens everything.
            let newOnly = try MasterKeyRing(current: try #require(rotated.keys.key(id: "new")))
            let snapshot = try await IntegrationCatalog(store: store, keys: newOnly).load()
            #expect(snapshot.integrations.map(\.secrets) == [[secrets[0].value, secrets[1].value], [secrets[2].value]])
            #expect(try await store.rekey(sealer: rotated).resealed == 0)
            #expect(try await store.rekey(sealer: rotated).alreadyCurrent == 3)
        }
    }

    @Test func rekeyWithoutThePreviousKeyChangesNothingAndSaysWhichKeyIsMissing() async throws {
        try await IntegrationsTestDatabase.withStore { store in
            let oldSealer = SecretSealer(keys: try MasterKeyRing(current: try MasterKey.random(id: "old")))
            try await store.add(try IntegrationsFixtures.github("a"), secrets: [try IntegrationsFixtures.uniqueSecret()], sealer: oldSealer)
            let stranger = SecretSealer(keys: try MasterKeyRing(current: try MasterKey.random(id: "new")))
            let error = await #expect(throws: IntegrationsError.self) { try await store.rekey(sealer: stranger) }
            #expect(error?.code == .unknownMasterKey)
            #expect(error?.description.contains("'old'") == true)
            #expect(error?.description.contains("INLET_SECRET_KEY_PREVIOUS") == true)
            #expect(try await store.list()[0].secrets[0].keyID == "old")
        }
    }

    @Test func importSeedsFromTheIntegrationsFileOnce() async throws {
        try await IntegrationsTestDatabase.withStore { store in
            let sealer = SecretSealer(keys: try IntegrationsFixtures.keys())
            let path = IntegrationsRepository.url("deploy/local/integrations.yaml").path
            let fromFile = try ConfigurationFiles.integrations(at: path, definitions: IntegrationsFixtures.definitions)
            #expect(!fromFile.isEmpty)
            let report = try await store.importIntegrations(fromFile, sealer: sealer)
            #expect(report.added == fromFile.map(\.id))
            #expect(report.skipped.isEmpty)
            let again = try await store.importIntegrations(fromFile, sealer: sealer)
            #expect(again.added.isEmpty)
            #expect(again.skipped == fromFile.map(\.id))
            // The database now serves exactly what the file held.
            let snapshot = try await IntegrationCatalog(store: store, keys: sealer.keys).load()
            #expect(snapshot.integrations == fromFile.sorted { $0.id < $1.id })
        }
    }

    @Test func importKeepsEveryKindOfMaterial() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("integrations-\(UUID().uuidString).yaml")
        try """
            integrations:
              - id: shop
                definition: stripe
                secrets:
                  - whsec_current
                  - { value: whsec_previous, not_after: "2030-01-01T00:00:00Z" }
                options: { tolerance_seconds: 600 }
                filter: "payload.livemode == true"
              - id: repo
                definition: gitlab
                secrets: [secret-token-a]
                options: { secret_tokens: [secret-token-b], signing_tokens: [whsec_c2lnbmluZw==], tolerance_seconds: 60 }
                enabled: false
              - id: bot
                definition: discord
                public_keys: ["\(String(repeating: "ab", count: 32))"]
              - id: acme
                definition: generic-hmac
                secrets: [acme-secret]
                signature: { header: X-Acme-Signature, prefix: "sha256=" }
                metadata: { delivery_id: "header:X-Acme-Delivery" }
            """.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let fromFile = try ConfigurationFiles.integrations(at: file.path, definitions: IntegrationsFixtures.definitions)
        try await IntegrationsTestDatabase.withStore { store in
            let sealer = SecretSealer(keys: try IntegrationsFixtures.keys())
            #expect(try await store.importIntegrations(fromFile, sealer: sealer).added == ["shop", "repo", "bot", "acme"])
            let loaded = Dictionary(uniqueKeysWithValues: try await IntegrationCatalog(store: store, keys: sealer.keys).load()
                .integrations.map { ($0.id, $0) })
            let original = Dictionary(uniqueKeysWithValues: fromFile.map { ($0.id, $0) })
            for id in ["shop", "bot", "acme"] { #expect(loaded[id] == original[id], "\(id)") }
            // GitLab secret tokens are secrets too: they come back after the file's secrets.
            let repo = try #require(loaded["repo"])
            #expect(repo.secrets == ["secret-token-a", "secret-token-b"])
            #expect(repo.options.secretTokens == nil)
            #expect(repo.options.signingTokens == ["whsec_c2lnbmluZw=="])
            #expect(repo.options.toleranceSeconds == 60)
            #expect(repo.enabled == false)
            let records = try await store.list()
            #expect(records.first { $0.id == "repo" }?.secrets.map(\.kind) == [.secret, .secret, .signingToken])
            #expect(records.first { $0.id == "shop" }?.secrets.last?.notAfter == Date(timeIntervalSince1970: 1_893_456_000))
            // Settings never hold a secret.
            for record in records { #expect(!record.settings.jsonText.contains("secret-token") && !record.settings.jsonText.contains("whsec")) }
        }
    }

    @Test func prepareIsIdempotentAndRefusesANewerSchema() async throws {
        try await IntegrationsTestDatabase.withStore { store in
            try await store.prepare()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<3 { group.addTask { try await store.prepare() } }
                try await group.waitForAll()
            }
            _ = try await store.client.query("UPDATE \(try store.tables.catalog) SET schema_version = 99")
            let error = await #expect(throws: IntegrationsError.self) { try await store.prepare() }
            #expect(error?.code == .schemaTooNew)
        }
    }

    @Test func aFreshSchemaIsCreatedByConcurrentProcessesWithoutErrors() async throws {
        let client = PostgresClient(configuration: PostgresConfiguration(url: IntegrationsTestDatabase.url, poolSize: 4))
        // Several rounds: the race between two creators is narrow.
        for _ in 0..<5 {
            let schema = "integrations_test_\(UUID().uuidString.prefix(8).lowercased())"
            _ = try await client.query("CREATE SCHEMA \(schema)")
            do {
                let store = IntegrationStore(client: client, definitions: IntegrationsFixtures.definitions, tables: IntegrationTables(schema: schema))
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for _ in 0..<4 { group.addTask { try await store.prepare() } }
                    try await group.waitForAll()
                }
                let version = try await client.query("SELECT schema_version FROM \(try store.tables.catalog)")
                #expect(try version.first?.int(0) == IntegrationSchema.latestVersion)
                #expect(try await store.list().isEmpty)
            } catch {
                Issue.record(error)
            }
            try await IntegrationsTestDatabase.drop(schema, client)
        }
        await client.close()
    }
}
