import Foundation
import InletPostgres

/// Reads every integration with its secrets opened, as one consistent ``IntegrationSnapshot``.
///
/// A snapshot is all or nothing: if any secret does not open (a key that is not configured, a wrong key, an altered
/// or moved row), ``load(now:)`` throws and names that secret and what to set, and a running receiver keeps the
/// snapshot it has. Nothing is left out silently.
public struct IntegrationCatalog: Sendable {
    public let store: IntegrationStore
    public let sealer: SecretSealer

    public init(store: IntegrationStore, keys: MasterKeyRing) {
        self.store = store
        self.sealer = SecretSealer(keys: keys)
    }

    /// The change counter; a snapshot with another ``IntegrationSnapshot/version`` is out of date.
    public func currentVersion() async throws -> Int64 {
        try await store.catalogVersion()
    }

    /// Reads the counter, the integrations and their sealed secrets in one repeatable-read transaction, then opens
    /// the secrets.
    /// - Throws: ``IntegrationsError`` `.unknownMasterKey` / `.secretDoesNotDecrypt` naming the integration and
    ///   secret, `.database`.
    public func load(now: Date = Date()) async throws -> IntegrationSnapshot {
        let catalogTable = try store.tables.catalog
        let (version, records, sealed) = try await IntegrationsError.mappingDatabaseErrors("load integrations") {
            try await store.client.withTransaction(.repeatableRead) { transaction in
                let version = try await transaction.query("SELECT version FROM \(catalogTable)").first?.int64(0) ?? 0
                let (records, sealed) = try await store.readRecords(transaction, id: nil, sealed: true)
                return (version, records, sealed)
            }
        }
        var opened: [String: [String: WebhookSecret]] = [:]
        for record in records {
            for secret in record.secrets {
                guard let box = sealed[record.id]?[secret.id] else { continue }
                opened[record.id, default: [:]][secret.id] = try sealer.open(box, integrationID: record.id, secretID: secret.id)
            }
        }
        return IntegrationSnapshot(version: version, records: records, opened: opened, loadedAt: now)
    }
}
