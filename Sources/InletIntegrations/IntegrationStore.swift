import Foundation
import InletCore
import InletPostgres

/// Integrations and their sealed secrets in PostgreSQL (tables: ``IntegrationSchema``).
///
/// Reading needs no master key: only the writes that take a ``SecretSealer`` touch secret material. Every write is
/// checked against the definitions first (`Integration.validate(against:)`: the material and options the scheme
/// needs), so what the store holds is what an integrations file could hold.
///
/// Every write runs in one transaction that first locks the catalog row, so writers queue in a fixed order (no
/// deadlocks between them) and the change counter the receivers poll moves in commit order.
///
/// Errors are ``IntegrationsError``; database failures come as `.database` with the SQLSTATE and whether a retry can
/// help.
public struct IntegrationStore: Sendable {
    public let client: PostgresClient
    public let tables: IntegrationTables
    /// What integrations are checked against.
    public let definitions: DefinitionRegistry

    public init(client: PostgresClient, definitions: DefinitionRegistry, tables: IntegrationTables = IntegrationTables()) {
        self.client = client
        self.definitions = definitions
        self.tables = tables
    }

    /// Creates or upgrades the tables; cheap when they are current. Call it once before anything else.
    public func prepare() async throws {
        try await IntegrationSchema(client: client, tables: tables).migrate()
    }

    // MARK: Reading (no key needed)

    /// The change counter: it moves after every write to the integration tables.
    public func catalogVersion() async throws -> Int64 {
        try await IntegrationsError.mappingDatabaseErrors("read integrations version") {
            let rows = try await client.query("SELECT version FROM \(try tables.catalog)", retryOnConnectionLoss: true)
            return try rows.first?.int64(0) ?? 0
        }
    }

    /// Every integration, by id, with its secrets' metadata (never their contents).
    public func list() async throws -> [IntegrationRecord] {
        try await IntegrationsError.mappingDatabaseErrors("list integrations") {
            try await client.withTransaction(.repeatableRead) { transaction in
                try await readRecords(transaction, id: nil).records
            }
        }
    }

    /// One integration.
    /// - Throws: ``IntegrationsError`` `.integrationNotFound`.
    public func record(id: String) async throws -> IntegrationRecord {
        let found = try await IntegrationsError.mappingDatabaseErrors("read integration \(id)") {
            try await client.withTransaction(.repeatableRead) { transaction in
                try await readRecords(transaction, id: id).records.first
            }
        }
        guard let found else { throw Self.notFound(id, operation: "read integration \(id)") }
        return found
    }

    /// Records and, when `sealed` is set, the sealed secrets, keyed by integration id then secret id.
    func readRecords(
        _ transaction: PostgresTransaction, id: String?, sealed: Bool = false
    ) async throws -> (records: [IntegrationRecord], sealed: [String: [String: SealedSecret]]) {
        let only = id == nil ? "" : "WHERE id = $1"
        let onlySecrets = id == nil ? "" : "WHERE integration_id = $1"
        let binds: [PostgresValue] = id.map { [.text($0)] } ?? []
        let integrationRows = try await transaction.query("""
            SELECT id, definition, settings::text AS settings, filter, status, created_at, updated_at, revision
            FROM \(try tables.integrations) \(only) ORDER BY id
            """, binds)
        let secretRows = try await transaction.query("""
            SELECT integration_id, secret_id, kind, key_id, created_at, not_after\(sealed ? ", ciphertext, nonce" : "")
            FROM \(try tables.secrets) \(onlySecrets)
            """, binds)
        var secretsByIntegration: [String: [SecretRecord]] = [:]
        var sealedByIntegration: [String: [String: SealedSecret]] = [:]
        for row in secretRows {
            let integrationID = try row.string("integration_id") ?? ""
            guard let kind = SecretKind(rawValue: try row.string("kind") ?? "") else {
                throw IntegrationsError(.invalidIntegration, "a stored secret of integration '\(integrationID)' has an unknown kind",
                                        operation: "read integrations")
            }
            let record = SecretRecord(id: try row.string("secret_id") ?? "", kind: kind, keyID: try row.string("key_id") ?? "",
                                      createdAt: try row.date("created_at") ?? .distantPast, notAfter: try row.date("not_after"))
            secretsByIntegration[integrationID, default: []].append(record)
            if sealed {
                sealedByIntegration[integrationID, default: [:]][record.id] = SealedSecret(
                    ciphertext: try row.bytes("ciphertext") ?? [], nonce: try row.bytes("nonce") ?? [], keyID: record.keyID)
            }
        }
        var records: [IntegrationRecord] = []
        for row in integrationRows {
            let id = try row.string("id") ?? ""
            guard let definition = try? DefinitionName(try row.string("definition") ?? ""),
                  let status = IntegrationStatus(rawValue: try row.string("status") ?? "") else {
                throw IntegrationsError(.invalidIntegration, "the stored row of integration '\(id)' has an invalid definition or status",
                                        operation: "read integrations")
            }
            records.append(IntegrationRecord(
                id: id, definition: definition,
                settings: try IntegrationSettings(storedJSON: try row.string("settings") ?? "{}", integrationID: id),
                filter: try row.string("filter"), status: status, createdAt: try row.date("created_at") ?? .distantPast,
                updatedAt: try row.date("updated_at") ?? .distantPast, revision: try row.int64("revision") ?? 0,
                secrets: (secretsByIntegration[id] ?? []).sorted(by: SecretRecord.newestFirst)))
        }
        return (records, sealedByIntegration)
    }

    // MARK: Writing

    /// Adds an integration with its first secrets, in one transaction.
    /// - Parameters:
    ///   - secrets: the current secret first (like the integrations file); none for definitions verified with public
    ///     keys only (SendGrid, Discord), whose keys are in the settings.
    ///   - signingTokens: GitLab signing tokens, the current one first.
    /// - Throws: ``IntegrationsError`` `.integrationExists`, `.invalidIntegration` when the definition's scheme needs
    ///   other material or options (the reason names the key, e.g. `public_keys`).
    @discardableResult
    public func add(_ integration: NewIntegration, secrets: [WebhookSecret], signingTokens: [WebhookSecret] = [],
                    sealer: SecretSealer) async throws -> IntegrationRecord {
        let operation = "add integration \(integration.id)"
        let material = secrets.map { SecretToSeal(kind: .secret, value: $0, notAfter: nil) }
            + signingTokens.map { SecretToSeal(kind: .signingToken, value: $0, notAfter: nil) }
        try await write(operation) { transaction in
            guard try await insert(integration, material: material, sealer: sealer, operation: operation, transaction) else {
                throw IntegrationsError(.integrationExists, """
                    an integration with id '\(integration.id)' exists already; pick another id, or change its secret \
                    with `inlet integrations rotate-secret`
                    """, operation: operation)
            }
        }
        return try await record(id: integration.id)
    }

    /// One secret to seal and insert.
    struct SecretToSeal: Sendable {
        var kind: SecretKind
        var value: WebhookSecret
        var notAfter: Date?
    }

    /// Checks and inserts the integration and its secrets (`material` in the order of the file: current first),
    /// unless the id is taken.
    /// - Returns: false when an integration with that id exists (nothing was written).
    func insert(_ integration: NewIntegration, material: [SecretToSeal], sealer: SecretSealer, operation: String,
                _ transaction: PostgresTransaction) async throws -> Bool {
        // The first secret is the current one, so it gets the highest number.
        let numbered = material.enumerated().map { (number: material.count - $0.offset, secret: $0.element) }
        try integration.record(
            secrets: numbered.map { SecretRecord(id: SecretRecord.id(number: $0.number), kind: $0.secret.kind, keyID: "",
                                                 createdAt: Date(), notAfter: $0.secret.notAfter) },
            now: Date()
        ).validate(definitions: definitions, operation: operation)
        let inserted = try await transaction.query("""
            INSERT INTO \(try tables.integrations) (id, definition, settings, filter, status, next_secret_number)
            VALUES ($1, $2, $3::jsonb, $4, $5, $6) ON CONFLICT (id) DO NOTHING RETURNING id
            """, [.text(integration.id), .text(integration.definition.rawValue), .json(integration.settings.jsonText),
                  PostgresValue(integration.filter), .text(integration.status.rawValue), .int(Int64(material.count + 1))])
        guard !inserted.isEmpty else { return false }
        for (number, secret) in numbered {
            try await insertSecret(secret, number: number, integrationID: integration.id, sealer: sealer, transaction)
        }
        return true
    }

    func insertSecret(_ secret: SecretToSeal, number: Int, integrationID: String, sealer: SecretSealer,
                      _ transaction: PostgresTransaction) async throws {
        let secretID = SecretRecord.id(number: number)
        let sealed = try sealer.seal(secret.value, integrationID: integrationID, secretID: secretID)
        _ = try await transaction.query("""
            INSERT INTO \(try tables.secrets) (integration_id, secret_id, kind, ciphertext, nonce, key_id, not_after)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            """, [.text(integrationID), .text(secretID), .text(secret.kind.rawValue), .bytes(sealed.ciphertext),
                  .bytes(sealed.nonce), .text(sealed.keyID), PostgresValue(secret.notAfter)])
    }

    /// A change of an integration's filter.
    public enum FilterChange: Sendable, Equatable {
        case keep
        case set(String)
        case remove
    }

    /// Replaces an integration's settings and/or filter (not its secrets, status or definition).
    /// - Returns: the updated record.
    /// - Throws: ``IntegrationsError`` `.integrationNotFound`, `.invalidIntegration` when the result does not suit the
    ///   definition.
    @discardableResult
    public func update(_ id: String, settings: IntegrationSettings? = nil, filter: FilterChange = .keep) async throws -> IntegrationRecord {
        let operation = "update integration \(id)"
        try await write(operation) { transaction in
            guard var record = try await readRecords(transaction, id: id).records.first else {
                throw Self.notFound(id, operation: operation)
            }
            let before = record
            if let settings { record.settings = settings }
            switch filter {
            case .keep: break
            case .set(let text): record.filter = IntegrationFilter.normalised(text)
            case .remove: record.filter = nil
            }
            try record.validate(definitions: definitions, operation: operation)
            // No write when nothing changes: a write would make every receiver reload for nothing.
            guard record != before else { return }
            _ = try await transaction.query("UPDATE \(try tables.integrations) SET settings = $2::jsonb, filter = $3 WHERE id = $1",
                                            [.text(id), .json(record.settings.jsonText), PostgresValue(record.filter)])
        }
        return try await record(id: id)
    }

    /// Enables or disables an integration.
    /// - Returns: false when it already had that status.
    /// - Throws: ``IntegrationsError`` `.integrationNotFound`.
    @discardableResult
    public func setStatus(of id: String, to status: IntegrationStatus) async throws -> Bool {
        let operation = "\(status == .enabled ? "enable" : "disable") integration \(id)"
        return try await write(operation) { transaction in
            let current = try await transaction.query(
                "SELECT status FROM \(try tables.integrations) WHERE id = $1 FOR UPDATE", [.text(id)])
            guard let row = current.first else { throw Self.notFound(id, operation: operation) }
            guard try row.string(0) != status.rawValue else { return false }
            _ = try await transaction.query("UPDATE \(try tables.integrations) SET status = $2 WHERE id = $1",
                                            [.text(id), .text(status.rawValue)])
            return true
        }
    }

    /// Deletes an integration and its secrets for good (`disable` keeps them).
    /// - Returns: the record as it was.
    /// - Throws: ``IntegrationsError`` `.integrationNotFound`.
    @discardableResult
    public func remove(_ id: String) async throws -> IntegrationRecord {
        let operation = "remove integration \(id)"
        return try await write(operation) { transaction in
            guard let record = try await readRecords(transaction, id: id).records.first else {
                throw Self.notFound(id, operation: operation)
            }
            _ = try await transaction.query("DELETE FROM \(try tables.integrations) WHERE id = $1", [.text(id)])
            return record
        }
    }

    /// Runs `body` in a transaction that first locks the catalog row (see the type's documentation).
    func write<R: Sendable>(_ operation: String, _ body: (PostgresTransaction) async throws -> R) async throws -> R {
        try await IntegrationsError.mappingDatabaseErrors(operation) {
            try await client.withTransaction { transaction in
                _ = try await transaction.query("SELECT version FROM \(try tables.catalog) FOR UPDATE")
                return try await body(transaction)
            }
        }
    }

    static func notFound(_ id: String, operation: String) -> IntegrationsError {
        IntegrationsError(.integrationNotFound, "there is no integration '\(id.prefix(64))'; `inlet integrations list` shows them",
                          operation: operation)
    }
}
