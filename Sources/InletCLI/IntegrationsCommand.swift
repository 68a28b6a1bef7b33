import ArgumentParser
import Foundation
import InletCEL
import InletCore
import InletIntegrations
import InletPostgres

/// `inlet integrations`: integrations and their secrets in PostgreSQL, sealed with the master key. The logic lives
/// in InletIntegrations; see docs/integrations.md.
struct IntegrationsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "integrations",
        abstract: "Manage integrations and their webhook secrets in PostgreSQL (secrets sealed with the master key).",
        discussion: """
            Secrets are read from a file, from standard input, or generated; never from the command line (shell \
            history). Commands that seal or open secrets (add, rotate-secret, import, rekey, check) need the master key: \
            INLET_SECRET_KEY or INLET_SECRET_KEY_FILE, plus INLET_SECRET_KEY_PREVIOUS during a key rotation. \
            list, update, enable, disable and remove need no key. Receivers with INLET_INTEGRATIONS_SOURCE=postgres pick \
            up every change within INLET_INTEGRATIONS_POLL_SECONDS.
            """,
        subcommands: [Add.self, List.self, RotateSecret.self, Update.self, Disable.self, Enable.self, Remove.self, Import.self, Rekey.self,
                      Check.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add an integration and its first secret.",
            discussion: """
                The receiver URL is POST /webhooks/<definition>/<id>. Definitions verified with the sender's public \
                key (sendgrid, discord) take no secret: put the key under public_keys in --settings-file. With \
                --generate the new secret is printed once, alone on standard output (everything else goes to \
                standard error), so it can be captured: \
                inlet integrations add acme-github --definition github --generate > acme-github.secret
                """)
        @Argument(help: "Integration id: 1-128 characters of a-z, 0-9, '_' or '-'; the last segment of the receiver URL.") var id: String
        @Option(help: "The webhook definition: github, stripe, standard-webhooks, ... (docs/providers.md).") var definition: String
        @OptionGroup var secret: SecretSourceOptions
        @Option(help: "YAML or JSON file with the non-secret settings: public_keys, options, signature, metadata.")
        var settingsFile: String?
        @Option(help: "CEL filter over the delivery (payload, envelope) that must hold for the mapper to map it.") var filter: String?
        @Flag(help: "Add it disabled (deliveries answered 404 until `inlet integrations enable`).") var disabled = false

        func run() async throws {
            let stack = try Stack.load(label: "integrations")
            try checkIntegrationFilter(filter)
            let integration = try NewIntegration(id: id, definition: definition, definitions: stack.definitions,
                                                 settings: try readIntegrationSettings(settingsFile), filter: filter,
                                                 status: disabled ? .disabled : .enabled)
            let sealer = try SecretSealer(keys: MasterKeyRing(environment: stack.environment))
            let scheme = stack.definitions.definitions[integration.definition]?.signature ?? .genericHMAC
            let value = try secret.readIfGiven(scheme: scheme)
            let record = try await withIntegrationStore(stack) { store in
                try await store.add(integration, secrets: value.map { [$0] } ?? [], sealer: sealer)
            }
            integrationsNote("added integration \(record.id) (\(record.definition)), \(record.status.rawValue)")
            integrationsNote("  receiver URL path: /webhooks/\(record.definition)/\(record.id)")
            if let first = record.secrets.first {
                integrationsNote("  secret \(first.id) sealed with master key \(first.keyID)")
            }
            if secret.generate, let value {
                integrationsNote("  the generated secret follows on standard output; it is not shown again: store it now")
                print(value.value)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List integrations with their secrets' ids, keys, ages and ends (never the secrets).")
        @Flag(help: "JSON instead of a table, with settings and filters.") var json = false

        func run() async throws {
            let stack = try Stack.load(label: "integrations")
            let records = try await withIntegrationStore(stack) { store in try await store.list() }
            let listing = IntegrationListing(records: records)
            print(json ? listing.json() : listing.table())
        }
    }

    struct RotateSecret: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rotate-secret",
            abstract: "Make a new secret current at once; earlier secrets keep verifying for a while (default 24h).",
            discussion: """
                Give the provider the new secret after running this; until it uses it, the earlier secrets still \
                verify. --keep-old-for 0 revokes them at once. An earlier end is never extended.
                """)
        @Argument(help: "Integration id.") var id: String
        @OptionGroup var secret: SecretSourceOptions
        @Option(help: "Earlier secrets stop verifying at this time (RFC 3339, e.g. 2026-11-22T10:00:00Z, or a date).")
        var keepOldUntil: String?
        @Option(help: "Earlier secrets stop verifying after this long: 0, 45s, 90m, 24h, 7d, 1d12h.") var keepOldFor: String?
        @Flag(help: "Rotate the GitLab signing token (options.signing_tokens) instead of the secret.") var signingToken = false

        func validate() throws {
            if keepOldUntil != nil && keepOldFor != nil { throw ValidationError("pass --keep-old-until or --keep-old-for, not both") }
            guard secret.isGiven else {
                throw ValidationError("pass one of --secret-file FILE, --secret-stdin or --generate for the new secret")
            }
        }

        func run() async throws {
            let stack = try Stack.load(label: "integrations")
            let overlap = try keepOldUntil.map(SecretOverlap.parseTime) ?? keepOldFor.map(SecretOverlap.parseDuration) ?? .standard
            let sealer = try SecretSealer(keys: MasterKeyRing(environment: stack.environment))
            let (rotation, value) = try await withIntegrationStore(stack) { store in
                let record = try await store.record(id: id)
                // GitLab signing tokens are Standard Webhooks secrets (whsec_…).
                let scheme = signingToken ? .standardWebhooks : stack.definitions.definitions[record.definition]?.signature ?? .genericHMAC
                let value = try secret.read(scheme: scheme)
                return (try await store.rotateSecret(of: id, kind: signingToken ? .signingToken : .secret, to: value,
                                                     overlap: overlap, sealer: sealer), value)
            }
            let what = signingToken ? "signing token" : "secret"
            integrationsNote("\(id): \(what) \(rotation.newSecret.id) is current now (sealed with master key \(rotation.newSecret.keyID))")
            for kept in rotation.keptSecrets {
                integrationsNote("  \(kept.id) keeps verifying until \(kept.notAfter.map { RFC3339.format(seconds: Int($0.timeIntervalSince1970)) } ?? "further notice") (inclusive)")
            }
            if !rotation.removedSecretIDs.isEmpty {
                integrationsNote("  removed \(rotation.removedSecretIDs.joined(separator: ", ")) (past their end)")
            }
            if secret.generate {
                integrationsNote("  the generated secret follows on standard output; it is not shown again: store it now")
                print(value.value)
            }
        }
    }

    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace an integration's settings or filter (secrets: rotate-secret; status: enable, disable).")
        @Argument(help: "Integration id.") var id: String
        @Option(help: "YAML or JSON file with the new settings: public_keys, options, signature, metadata (replaces them all).")
        var settingsFile: String?
        @Option(help: "New CEL filter.") var filter: String?
        @Flag(help: "Remove the filter: every delivery is mapped.") var removeFilter = false

        func validate() throws {
            if filter != nil && removeFilter { throw ValidationError("pass --filter or --remove-filter, not both") }
            if settingsFile == nil && filter == nil && !removeFilter {
                throw ValidationError("nothing to change: pass --settings-file, --filter or --remove-filter")
            }
        }

        func run() async throws {
            let stack = try Stack.load(label: "integrations")
            try checkIntegrationFilter(filter)
            let settings = try settingsFile.map { try readIntegrationSettings($0) }
            let change: IntegrationStore.FilterChange = removeFilter ? .remove : filter.map { .set($0) } ?? .keep
            let record = try await withIntegrationStore(stack) { store in
                try await store.update(id, settings: settings, filter: change)
            }
            print("\(record.id): settings \(record.settings), filter \(record.filter == nil ? "none" : "set"), revision \(record.revision)")
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Stop accepting an integration's deliveries (404 integration_disabled); secrets and settings are kept.")
        @Argument(help: "Integration id.") var id: String

        func run() async throws { try await setIntegrationStatus(id, .disabled) }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Accept a disabled integration's deliveries again.")
        @Argument(help: "Integration id.") var id: String

        func run() async throws { try await setIntegrationStatus(id, .enabled) }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete an integration and its secrets for good (`disable` keeps them).")
        @Argument(help: "Integration id.") var id: String

        func run() async throws {
            let stack = try Stack.load(label: "integrations")
            let removed = try await withIntegrationStore(stack) { store in try await store.remove(id) }
            print("removed integration \(removed.id) (\(removed.definition)) and its \(removed.secrets.count) secret(s)")
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Seed integrations from an integrations YAML file (deploy/local/integrations.yaml); existing ids are skipped.")
        @Argument(help: "The file, in the format of deploy/local/integrations.yaml.") var file: String

        func run() async throws {
            let stack = try Stack.load(label: "integrations")
            let integrations = try ConfigurationFiles.integrations(at: file, definitions: stack.definitions)
            let sealer = try SecretSealer(keys: MasterKeyRing(environment: stack.environment))
            let result = try await withIntegrationStore(stack) { store in
                try await store.importIntegrations(integrations, sealer: sealer)
            }
            print("added \(result.added.count) integration(s)\(result.added.isEmpty ? "" : ": " + result.added.joined(separator: ", "))")
            if !result.skipped.isEmpty {
                print("skipped \(result.skipped.count) that exist already: \(result.skipped.joined(separator: ", ")) (change them with rotate-secret, enable, disable)")
            }
        }
    }

    struct Rekey: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Re-seal every secret under the current master key (after a key rotation).",
            discussion: """
                Run it with the new key in INLET_SECRET_KEY (or first in the key file) and the old one in \
                INLET_SECRET_KEY_PREVIOUS. Afterwards the old key can be removed everywhere. All or nothing: if a \
                secret does not open, nothing changes and the error names it.
                """)

        func run() async throws {
            let stack = try Stack.load(label: "integrations")
            let sealer = try SecretSealer(keys: MasterKeyRing(environment: stack.environment))
            let result = try await withIntegrationStore(stack) { store in try await store.rekey(sealer: sealer) }
            let from = result.resealedByPreviousKey.sorted { $0.key < $1.key }.map { "\($0.value) from \($0.key)" }
            print("re-sealed \(result.resealed) secret(s) under master key \(result.currentKeyID)\(from.isEmpty ? "" : " (" + from.joined(separator: ", ") + ")"); \(result.alreadyCurrent) were sealed with it already")
            if result.resealed > 0 {
                print("once every process runs with \(result.currentKeyID) as its current key, the previous key(s) can be removed")
            }
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Open every secret with the configured master keys, as a receiver would at start-up, and report.",
            discussion: """
                Run it before removing a previous key (after `rekey`) or before pointing receivers at PostgreSQL: it \
                fails, naming the secret and the variable to set, wherever a receiver would fail.
                """)

        func run() async throws {
            let stack = try Stack.load(label: "integrations")
            let keys = try MasterKeyRing(environment: stack.environment)
            let snapshot = try await withIntegrationStore(stack) { store in
                try await IntegrationCatalog(store: store, keys: keys).load()
            }
            let secrets = snapshot.records.flatMap(\.secrets)
            let byKey = Dictionary(grouping: secrets, by: \.keyID).mapValues(\.count).sorted { $0.key < $1.key }
            print("ok: \(snapshot.integrations.count) integration(s), \(secrets.count) secret(s) open with the configured keys (version \(snapshot.version))")
            for (key, count) in byKey {
                print("  \(key): \(count) secret(s)\(key == keys.current.id ? " (current key)" : "; run `inlet integrations rekey` to re-seal them under \(keys.current.id)")")
            }
        }
    }
}

/// `--secret-file F | --secret-stdin | --generate`: at most one (each command says whether one is required).
struct SecretSourceOptions: ParsableArguments {
    @Option(help: "Read the secret from this file (one line; a trailing line break is dropped).") var secretFile: String?
    @Flag(help: "Read the secret from standard input.") var secretStdin = false
    @Flag(help: "Generate a random secret and print it once.") var generate = false

    var isGiven: Bool { secretFile != nil || secretStdin || generate }

    func validate() throws {
        guard [secretFile != nil, secretStdin, generate].filter({ $0 }).count <= 1 else {
            throw ValidationError("pass only one of --secret-file FILE, --secret-stdin or --generate (secrets are never command-line arguments)")
        }
    }

    /// The secret from the source given; nil when none was.
    func readIfGiven(scheme: SignatureScheme) throws -> WebhookSecret? {
        isGiven ? try read(scheme: scheme) : nil
    }

    func read(scheme: SignatureScheme) throws -> WebhookSecret {
        if let secretFile { return try SecretInput.read(file: secretFile) }
        if secretStdin {
            if isatty(STDIN_FILENO) == 1 { integrationsNote("reading the secret from standard input; end with Ctrl-D") }
            return try SecretInput.readStandardInput()
        }
        return try SecretInput.generate(for: scheme)
    }
}

private func readIntegrationSettings(_ path: String?) throws -> IntegrationSettings {
    guard let path else { return .empty }
    guard let data = FileManager.default.contents(atPath: path) else {
        throw ValidationError("cannot read the settings file \(path); check the path and its permissions")
    }
    return try IntegrationSettings(parsing: String(decoding: data, as: UTF8.self), origin: path)
}

/// A prepared store for `body` (its client is closed afterwards by `withPostgres`).
private func withIntegrationStore<R: Sendable>(_ stack: Stack, _ body: (IntegrationStore) async throws -> R) async throws -> R {
    try await withPostgres(stack) { postgres in
        let store = IntegrationStore(client: postgres, definitions: stack.definitions)
        try await store.prepare()
        return try await body(store)
    }
}

private func setIntegrationStatus(_ id: String, _ status: IntegrationStatus) async throws {
    let stack = try Stack.load(label: "integrations")
    let changed = try await withIntegrationStore(stack) { store in try await store.setStatus(of: id, to: status) }
    print(changed ? "\(id) is \(status.rawValue) now" : "\(id) was \(status.rawValue) already")
}

/// Compiles the filter once, so a typo is caught here and not by every receiver.
private func checkIntegrationFilter(_ filter: String?) throws {
    guard let filter, !filter.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return }
    do {
        _ = try CELEnvironment().compile(filter)
    } catch {
        throw ValidationError("--filter is not valid CEL: \(error)")
    }
}

/// Progress and notes go to standard error, so standard output carries only what scripts capture.
private func integrationsNote(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
