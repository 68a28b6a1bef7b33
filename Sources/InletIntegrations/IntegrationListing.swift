import Foundation
import InletCore

/// `inlet integrations list` output: a table for people, JSON for scripts. Built from ``IntegrationRecord``s, so it
/// can hold no secret: secrets appear as their ids, the key that sealed them, their age and their end.
public struct IntegrationListing: Sendable {
    public let records: [IntegrationRecord]
    /// The time ages and remaining times are counted from.
    public let now: Date

    public init(records: [IntegrationRecord], now: Date = Date()) {
        self.records = records
        self.now = now
    }

    /// One line per secret; the integration's columns are filled on its first line only.
    public func table() -> String {
        guard !records.isEmpty else {
            return "no integrations; add one with `inlet integrations add` or seed them with `inlet integrations import`"
        }
        var rows = [["INTEGRATION", "DEFINITION", "STATUS", "REV", "FILTER", "SECRET", "KIND", "KEY", "AGE", "NOT AFTER"]]
        for record in records {
            let first = [record.id, record.definition.rawValue, record.status.rawValue, String(record.revision),
                         record.filter == nil ? "-" : "yes"]
            let secrets = record.secrets.isEmpty ? [nil] : record.secrets.map(Optional.some)
            for (index, secret) in secrets.enumerated() {
                let lead = index == 0 ? first : Array(repeating: "", count: first.count)
                guard let secret else {
                    rows.append(lead + ["(none)", "", "", "", ""])
                    continue
                }
                rows.append(lead + [secret.id, secret.kind.rawValue, secret.keyID, Self.age(from: secret.createdAt, to: now), end(of: secret)])
            }
        }
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            var line = ""
            for (column, cell) in row.enumerated() {
                line += column == row.count - 1 ? cell : cell.padding(toLength: widths[column] + 2, withPad: " ", startingAt: 0)
            }
            while line.last == " " { line.removeLast() }
            return line
        }.joined(separator: "\n")
    }

    /// Pretty JSON: an array of integrations with `settings`, `filter` and `secrets` (ids, kinds, key ids, times,
    /// whether active). Times are RFC 3339 UTC.
    public func json() -> String {
        let array: [[String: Any]] = records.map { record in
            [
                "id": record.id, "definition": record.definition.rawValue, "status": record.status.rawValue,
                "filter": record.filter.map { $0 as Any } ?? NSNull(), "revision": record.revision,
                "settings": (try? JSONSerialization.jsonObject(with: Data(record.settings.jsonText.utf8))) ?? [String: Any](),
                "created_at": SecretOverlap.format(record.createdAt), "updated_at": SecretOverlap.format(record.updatedAt),
                "secrets": record.secrets.map { secret -> [String: Any] in
                    [
                        "id": secret.id, "kind": secret.kind.rawValue, "key_id": secret.keyID,
                        "created_at": SecretOverlap.format(secret.createdAt),
                        "not_after": secret.notAfter.map { SecretOverlap.format($0) as Any } ?? NSNull(), "active": secret.isActive(at: now),
                    ]
                },
            ]
        }
        let options: JSONSerialization.WritingOptions = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Strings, numbers, booleans and nulls only: serialisation cannot fail.
        return (try? JSONSerialization.data(withJSONObject: array, options: options)).map { String(decoding: $0, as: UTF8.self) } ?? "[]"
    }

    private func end(of secret: SecretRecord) -> String {
        guard let notAfter = secret.notAfter else { return "-" }
        let when = SecretOverlap.format(notAfter)
        return secret.isActive(at: now) ? "\(when) (in \(Self.age(from: now, to: notAfter)))" : "\(when) (expired)"
    }

    /// `45s`, `12m`, `5h`, `3d`: the largest whole unit.
    static func age(from start: Date, to end: Date) -> String {
        let seconds = max(0, Int64(end.timeIntervalSince(start)))
        switch seconds {
        case ..<60: return "\(seconds)s"
        case ..<3600: return "\(seconds / 60)m"
        case ..<86_400: return "\(seconds / 3600)h"
        default: return "\(seconds / 86_400)d"
        }
    }
}
