import Foundation
import InletCore

/// How long an integration's earlier secrets keep verifying after a rotation, while the provider switches to the
/// new one: `--keep-old-until TIME` or `--keep-old-for DURATION` of `inlet integrations rotate-secret`.
public enum SecretOverlap: Sendable, Equatable, CustomStringConvertible {
    /// Until an absolute time.
    case until(Date)
    /// For this many seconds after the rotation; 0 revokes them at once.
    case lasting(seconds: Int64)

    /// Without an option the earlier secrets keep working for a day, so a rotation never breaks deliveries the
    /// provider signed a moment before it switched.
    /// Default: 24 hours
    public static let standard = SecretOverlap.lasting(seconds: 86_400)

    /// When the earlier secrets stop verifying, for a rotation at `now`.
    /// - Throws: ``IntegrationsError`` `.invalidTime` for an absolute time in the past.
    public func deadline(from now: Date) throws(IntegrationsError) -> Date {
        switch self {
        case .lasting(let seconds):
            return now.addingTimeInterval(TimeInterval(seconds))
        case .until(let date):
            guard date >= now else {
                throw IntegrationsError(.invalidTime, "--keep-old-until \(Self.format(date)) is in the past; pass --keep-old-for 0 to revoke the old secrets at once",
                                        operation: "rotate secret")
            }
            return date
        }
    }

    public var description: String {
        switch self {
        case .until(let date): "until \(Self.format(date))"
        case .lasting(let seconds): "for \(Self.formatDuration(seconds))"
        }
    }

    /// RFC 3339 (`2026-11-22T10:00:00Z`, fractional seconds and offsets allowed) or a date (`2026-11-22`, midnight UTC).
    public static func parseTime(_ text: String) throws(IntegrationsError) -> SecretOverlap {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        for options: ISO8601DateFormatter.Options in [[.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime], [.withFullDate]] {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = options
            formatter.timeZone = TimeZone(identifier: "UTC")
            if let date = formatter.date(from: trimmed) { return .until(date) }
        }
        throw IntegrationsError(.invalidTime, "'\(trimmed.prefix(40))' is not a time; write RFC 3339 (2026-11-22T10:00:00Z) or a date (2026-11-22)",
                                operation: "read --keep-old-until")
    }

    /// `0`, or numbers with units `d`, `h`, `m`, `s`, largest first: `24h`, `90m`, `1d12h`, `45s`.
    public static func parseDuration(_ text: String) throws(IntegrationsError) -> SecretOverlap {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let failure = IntegrationsError(.invalidTime, "'\(trimmed.prefix(40))' is not a duration; write 0, 45s, 90m, 24h, 7d or 1d12h",
                                        operation: "read --keep-old-for")
        if trimmed == "0" { return .lasting(seconds: 0) }
        let units: [(Character, Int64)] = [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)]
        var total: Int64 = 0
        var digits = ""
        var nextUnit = 0
        for character in trimmed {
            if character.isASCII, character.isNumber {
                digits.append(character)
                continue
            }
            guard let index = units.firstIndex(where: { $0.0 == character }), index >= nextUnit,
                  let number = Int64(digits), number <= 1_000_000 else { throw failure }
            total += number * units[index].1
            digits = ""
            nextUnit = index + 1
        }
        guard digits.isEmpty, nextUnit > 0 else { throw failure }
        return .lasting(seconds: total)
    }

    /// RFC 3339 in UTC, whole seconds (`not_after` has no finer unit).
    static func format(_ date: Date) -> String {
        RFC3339.format(seconds: Int(date.timeIntervalSince1970.rounded(.down)))
    }

    /// `1d12h`, `90m` → `1h30m`, `0s`.
    static func formatDuration(_ seconds: Int64) -> String {
        guard seconds > 0 else { return "0s" }
        var rest = seconds
        var text = ""
        for (unit, size) in [("d", Int64(86_400)), ("h", 3_600), ("m", 60), ("s", 1)] where rest >= size {
            text += "\(rest / size)\(unit)"
            rest %= size
        }
        return text
    }
}
