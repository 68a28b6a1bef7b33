import Foundation
import InletCore

/// Every integration with its opened secrets, as of one change counter value: what a receiver builds its routes
/// from. Immutable; the catalog replaces it as a whole.
///
/// ``integrations`` holds enabled integrations with the secrets that verify at ``effectiveAt`` (the current one
/// first), and disabled ones with no secrets (their secrets are not even opened), so the receiver can answer
/// `integration_disabled` rather than `unknown_integration`.
///
/// - Important: holds webhook secrets in memory. Its `description` is redacted like ``WebhookSecret``'s; do not
///   log ``integrations``' secrets yourself.
public struct IntegrationSnapshot: Sendable, CustomStringConvertible {
    /// One integration as stored, with its opened secrets, newest first.
    struct Item: Sendable {
        var record: IntegrationRecord
        var secrets: [(record: SecretRecord, secret: WebhookSecret)]
    }

    /// The catalog change counter this snapshot was read at.
    public let version: Int64
    /// The time the secrets' `not_after` were compared with.
    public let effectiveAt: Date
    /// What the receiver needs, sorted by id.
    public let integrations: [Integration]
    /// The stored records (settings, filter, status, secret ids), sorted by id.
    public let records: [IntegrationRecord]
    /// When the next secret in this snapshot stops verifying; nil when none has an end. The catalog service
    /// publishes a ``pruned(at:)`` copy then, without asking the database.
    public let nextExpiry: Date?

    private let items: [Item]

    init(version: Int64, items: [Item], effectiveAt: Date) {
        self.version = version
        self.effectiveAt = effectiveAt
        var live: [Item] = []
        var nextExpiry: Date?
        for var item in items {
            item.secrets = item.secrets.filter { $0.record.isActive(at: effectiveAt) }
            for end in item.secrets.compactMap(\.record.notAfter) where end < (nextExpiry ?? .distantFuture) {
                nextExpiry = end
            }
            live.append(item)
        }
        self.items = live
        self.nextExpiry = nextExpiry
        self.records = live.map(\.record)
        self.integrations = live.map(Self.integration)
    }

    /// The same snapshot without the secrets that stopped verifying by `now`.
    public func pruned(at now: Date) -> IntegrationSnapshot {
        IntegrationSnapshot(version: version, items: items, effectiveAt: now)
    }

    /// Whether a secret in it has stopped verifying by `now`.
    public func hasExpiredSecrets(at now: Date) -> Bool { nextExpiry.map { $0 <= now } ?? false }

    /// Enabled integrations that have no secret left: every delivery to them fails verification.
    public var integrationsWithoutSecrets: [String] {
        integrations.filter { $0.enabled && $0.secrets.isEmpty }.map(\.id)
    }

    public var description: String {
        "IntegrationSnapshot(version: \(version), integrations: \(integrations.count), secrets: redacted)"
    }

    /// The receiver's value for one item.
    private static func integration(_ item: Item) -> Integration {
        Integration(id: item.record.id, definition: item.record.definition, secrets: item.secrets.map(\.secret.value),
                    enabled: item.record.status == .enabled)
    }
}
