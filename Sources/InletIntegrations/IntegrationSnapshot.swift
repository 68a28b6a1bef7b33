import Foundation
import InletCore

/// Every integration with its secrets opened, as of one change counter value: what a receiver builds its routes
/// from, the same `Integration` values an integrations file gives it. Immutable; the catalog replaces it whole.
///
/// Secrets carry their `not_after`, which the receiver enforces to the second; a secret past it stays in the
/// snapshot until the next rotation deletes it. GitLab signing tokens have no `not_after` in `Integration`, so only
/// the active ones are included and ``refreshAt`` says when the next one ends: the catalog service loads a new
/// snapshot then.
///
/// - Important: holds webhook secrets in memory. Its `description` (like `Integration`'s) shows none.
public struct IntegrationSnapshot: Sendable, CustomStringConvertible {
    /// The catalog change counter this snapshot was read at.
    public let version: Int64
    /// Every integration, enabled or not, sorted by id.
    public let integrations: [Integration]
    /// The stored records (settings, filter, status, secret ids and ends), sorted by id.
    public let records: [IntegrationRecord]
    /// When it was read.
    public let loadedAt: Date
    /// When a signing token in it stops verifying; nil when none has an end.
    public let refreshAt: Date?

    init(version: Int64, records: [IntegrationRecord], opened: [String: [String: WebhookSecret]], loadedAt: Date) {
        self.version = version
        self.records = records
        self.loadedAt = loadedAt
        var refreshAt: Date?
        var integrations: [Integration] = []
        for record in records {
            var values = opened[record.id] ?? [:]
            for token in record.secrets where token.kind == .signingToken {
                guard token.isActive(at: loadedAt) else {
                    values[token.id] = nil
                    continue
                }
                // Inactive from the second after `not_after`.
                if let end = token.notAfterSeconds.map({ Date(timeIntervalSince1970: TimeInterval($0 + 1)) }), end < refreshAt ?? .distantFuture {
                    refreshAt = end
                }
            }
            integrations.append(record.integration(values: values))
        }
        self.integrations = integrations
        self.refreshAt = refreshAt
    }

    /// Whether a signing token in it has ended by `now`, so a fresh snapshot is due.
    public func needsRefresh(at now: Date) -> Bool { refreshAt.map { $0 <= now } ?? false }

    public var description: String {
        "IntegrationSnapshot(version: \(version), integrations: \(integrations.count), secrets: redacted)"
    }
}
