#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date (IMF-fixdate, and the obsolete RFC 850 and
/// asctime forms recipients must accept).
public enum RetryAfter {
    /// The wait the header asks for, or nil when the value is malformed. A date in the past gives zero.
    /// - Parameter now: Unix seconds.
    public static func parse(_ value: String, now: Double) -> Duration? {
        let text = value.trimmingASCIIWhitespace()
        guard !text.isEmpty else { return nil }
        if text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            // Absurdly long digit strings are still a valid, very long wait.
            return .seconds(Int64(text.prefix(12)) ?? 0)
        }
        guard let date = httpDate(text) else { return nil }
        return .seconds(max(0, Double(date) - now))
    }

    /// Unix seconds of an HTTP-date, or nil.
    public static func httpDate(_ text: String) -> Int? {
        let tokens = text.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        // IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
        if tokens.count == 6, tokens[5] == "GMT", let day = Int(tokens[1]), let month = monthNumber(tokens[2]),
           let year = Int(tokens[3]), tokens[3].count == 4 {
            return epoch(year: year, month: month, day: day, time: tokens[4])
        }
        // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
        if tokens.count == 4, tokens[3] == "GMT" {
            let date = tokens[1].split(separator: "-").map(String.init)
            guard date.count == 3, let day = Int(date[0]), let month = monthNumber(date[1]), let yy = Int(date[2]),
                  date[2].count == 2 else { return nil }
            // RFC 9110: a two-digit year more than 50 years in the future means the past century.
            return epoch(year: yy < 70 ? 2000 + yy : 1900 + yy, month: month, day: day, time: tokens[2])
        }
        // asctime: Sun Nov  6 08:49:37 1994
        if tokens.count == 5, let month = monthNumber(tokens[1]), let day = Int(tokens[2]), let year = Int(tokens[4]) {
            return epoch(year: year, month: month, day: day, time: tokens[3])
        }
        return nil
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private static func monthNumber(_ name: String) -> Int? {
        months.firstIndex(of: name).map { $0 + 1 }
    }

    private static func epoch(year: Int, month: Int, day: Int, time: String) -> Int? {
        let parts = time.split(separator: ":")
        guard parts.count == 3, parts.allSatisfy({ $0.count == 2 }),
              let hour = Int(parts[0]), let minute = Int(parts[1]), let second = Int(parts[2]),
              (1...31).contains(day), (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second),
              (1970...9999).contains(year)
        else { return nil }
        var fields = tm()
        fields.tm_year = Int32(year - 1900)
        fields.tm_mon = Int32(month - 1)
        fields.tm_mday = Int32(day)
        fields.tm_hour = Int32(hour)
        fields.tm_min = Int32(minute)
        fields.tm_sec = Int32(second)
        return Int(timegm(&fields))
    }
}

extension String {
    func trimmingASCIIWhitespace() -> String {
        let bytes = Array(utf8)
        var start = 0, end = bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}
