import Foundation
import InletCore

/// A position in a partition as an operator names it on the command line: `beginning`, `end`, an offset, or a time
/// (RFC 3339, a date, `now`, or a relative `-15m` / `-2h` / `-7d`).
public enum StreamPosition: Hashable, Sendable, CustomStringConvertible {
    /// The first record still stored.
    case beginning
    /// One past the last record (the high watermark).
    case end
    /// An absolute offset, the same on every partition it is applied to.
    case offset(Int64)
    /// The first record at or after this time, in milliseconds since the Unix epoch.
    case time(milliseconds: Int64)

    /// Parses an operator's spelling.
    ///
    /// | text | position |
    /// |---|---|
    /// | `beginning`, `earliest` | ``beginning`` |
    /// | `end`, `latest` | ``end`` |
    /// | `now` | ``time(milliseconds:)`` of now |
    /// | `1234` | ``offset(_:)`` |
    /// | `2026-11-21T09:30:00Z`, `2026-11-21T09:30:00.250+01:00`, `2026-11-21` (UTC midnight) | ``time(milliseconds:)`` |
    /// | `-90s`, `-15m`, `-2h`, `-7d` | that long before `now` |
    ///
    /// - Parameter allowOffset: false where only times make sense (`replay rewind --to`).
    /// - Throws: ``OperationsError`` `.invalidArgument` naming what is accepted.
    public static func parse(_ text: String, now: Date = Date(), allowOffset: Bool = true) throws(OperationsError) -> StreamPosition {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        switch trimmed.lowercased() {
        case "beginning", "earliest": return .beginning
        case "end", "latest": return .end
        case "now": return .time(milliseconds: milliseconds(now))
        default: break
        }
        if let offset = Int64(trimmed) {
            guard allowOffset else {
                throw OperationsError(.invalidArgument, "'\(trimmed)' is an offset, but a time is expected here (RFC 3339 such as 2026-11-21T09:30:00Z, or -15m / -2h / -7d)")
            }
            guard offset >= 0 else { throw OperationsError(.invalidArgument, "offset \(offset) is negative; offsets start at 0") }
            return .offset(offset)
        }
        if let ago = relativeDuration(trimmed) {
            return .time(milliseconds: milliseconds(now) - ago)
        }
        if let date = parseDate(trimmed) {
            return .time(milliseconds: milliseconds(date))
        }
        throw OperationsError(
            .invalidArgument,
            "cannot read position '\(trimmed.prefix(64))': use beginning, end, now, an offset (1234), an RFC 3339 time (2026-11-21T09:30:00Z), a date (2026-11-21) or a relative time (-15m, -2h, -7d)")
    }

    public var description: String {
        switch self {
        case .beginning: "beginning"
        case .end: "end"
        case .offset(let offset): "offset \(offset)"
        case .time(let milliseconds): RFC3339Milliseconds.format(milliseconds)
        }
    }

    /// The spelling ``parse(_:now:allowOffset:)`` reads back to the same position (times absolute).
    public var canonicalText: String {
        switch self {
        case .beginning: "beginning"
        case .end: "end"
        case .offset(let offset): String(offset)
        case .time(let milliseconds): RFC3339Milliseconds.format(milliseconds)
        }
    }

    private static func milliseconds(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    /// `-15m` → 900,000 ms.
    private static func relativeDuration(_ text: String) -> Int64? {
        guard text.hasPrefix("-"), text.count >= 3, let unit = text.last, let amount = Int64(text.dropFirst().dropLast()), amount >= 0 else {
            return nil
        }
        let scale: Int64
        switch unit {
        case "s": scale = 1000
        case "m": scale = 60_000
        case "h": scale = 3_600_000
        case "d": scale = 86_400_000
        default: return nil
        }
        return amount * scale
    }

    private static func parseDate(_ text: String) -> Date? {
        // Formatters are not Sendable; one per call is fine for command-line arguments.
        let withFraction = ISO8601DateFormatter()
        withFraction.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = withFraction.date(from: text) { return date }
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let date = plain.date(from: text) { return date }
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        return day.date(from: text)
    }
}

/// RFC 3339 in UTC with milliseconds, from milliseconds since the epoch.
enum RFC3339Milliseconds {
    static func format(_ milliseconds: Int64) -> String {
        let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        return RFC3339.format(seconds: Int(seconds), milliseconds: Int(milliseconds - seconds * 1000))
    }
}
