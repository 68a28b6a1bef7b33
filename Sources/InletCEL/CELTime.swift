import Foundation

/// Calendar arithmetic on the proleptic Gregorian calendar (days since 1970-01-01), without Foundation.
enum Civil {
    /// Days since 1970-01-01 for a date (H. Hinnant's `days_from_civil`).
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The date for days since 1970-01-01 (`civil_from_days`).
    static func date(days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    static func isLeap(_ year: Int64) -> Bool { year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) }
}

extension CELTimestamp {
    /// RFC 3339 in UTC with 0, 3, 6 or 9 fraction digits, as protobuf JSON writes timestamps.
    public var rfc3339: String {
        let days = Civil.floorDiv(seconds, 86_400)
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = Civil.date(days: days)
        var text = pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + "T" + pad(secondOfDay / 3600, 2) + ":"
            + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2)
        text += CELTimestamp.fraction(nanos)
        return text + "Z"
    }

    static func fraction(_ nanos: Int32) -> String {
        if nanos == 0 { return "" }
        if nanos % 1_000_000 == 0 { return "." + pad(Int64(nanos / 1_000_000), 3) }
        if nanos % 1000 == 0 { return "." + pad(Int64(nanos / 1000), 6) }
        return "." + pad(Int64(nanos), 9)
    }

    /// Parses RFC 3339 (`2009-02-13T23:31:30Z`, `...30.123+01:00`, lower-case `t`/`z` accepted).
    public init(rfc3339 text: String) throws(CELError) {
        // Read in place (no copy of the text): the mapper validates every timestamp field of every record.
        let parsed = text.utf8.withContiguousStorageIfAvailable { CELTimestamp.parseRFC3339($0) }
            ?? Array(text.utf8).withUnsafeBufferPointer { CELTimestamp.parseRFC3339($0) }
        self = try parsed.get()
    }

    private static func parseRFC3339(_ s: UnsafeBufferPointer<UInt8>) -> Result<CELTimestamp, CELError> {
        do throws(CELError) {
            return .success(try parseRFC3339Throwing(s))
        } catch {
            return .failure(error)
        }
    }

    private static func parseRFC3339Throwing(_ s: UnsafeBufferPointer<UInt8>) throws(CELError) -> CELTimestamp {
        var i = 0
        func bad() -> CELError { CELError(.evaluation, "invalid timestamp string (expected RFC 3339, e.g. 2009-02-13T23:31:30Z)") }
        func digits(_ n: Int) throws(CELError) -> Int64 {
            guard i + n <= s.count else { throw bad() }
            var v: Int64 = 0
            for _ in 0..<n {
                let c = s[i]
                guard c >= 48, c <= 57 else { throw bad() }
                v = v * 10 + Int64(c - 48)
                i += 1
            }
            return v
        }
        func expect(_ c: UInt8) throws(CELError) {
            guard i < s.count, s[i] == c else { throw bad() }
            i += 1
        }
        let year = try digits(4)
        try expect(UInt8(ascii: "-"))
        let month = try digits(2)
        try expect(UInt8(ascii: "-"))
        let day = try digits(2)
        guard i < s.count, s[i] == UInt8(ascii: "T") || s[i] == UInt8(ascii: "t") else { throw bad() }
        i += 1
        let hour = try digits(2)
        try expect(UInt8(ascii: ":"))
        let minute = try digits(2)
        try expect(UInt8(ascii: ":"))
        let second = try digits(2)
        var nanos: Int64 = 0
        if i < s.count, s[i] == UInt8(ascii: ".") {
            i += 1
            var count = 0
            while i < s.count, s[i] >= 48, s[i] <= 57 {
                if count < 9 { nanos = nanos * 10 + Int64(s[i] - 48) }
                count += 1
                i += 1
            }
            guard count > 0 else { throw bad() }
            for _ in count..<max(count, 9) { nanos *= 10 }
        }
        var offset: Int64 = 0
        guard i < s.count else { throw bad() }
        if s[i] == UInt8(ascii: "Z") || s[i] == UInt8(ascii: "z") {
            i += 1
        } else if s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-") {
            let sign: Int64 = s[i] == UInt8(ascii: "-") ? -1 : 1
            i += 1
            let oh = try digits(2)
            try expect(UInt8(ascii: ":"))
            let om = try digits(2)
            guard oh < 24, om < 60 else { throw bad() }
            offset = sign * (oh * 3600 + om * 60)
        } else {
            throw bad()
        }
        guard i == s.count, month >= 1, month <= 12, day >= 1, hour < 24, minute < 60, second < 61 else { throw bad() }
        let monthDays = month == 2 && Civil.isLeap(year) ? 29 : CELTimestamp.monthDays[Int(month - 1)]
        guard day <= monthDays else { throw bad() }
        let total = Civil.days(year: year, month: month, day: day) * 86_400 + hour * 3600 + minute * 60 + second - offset
        return try CELTimestamp(seconds: total, nanos: Int32(nanos))
    }

    /// Days per month in a common year.
    private static let monthDays: [Int64] = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
}

extension CELDuration {
    /// The protobuf JSON form: seconds with 0, 3, 6 or 9 fraction digits and an `s` suffix (`"-1.5s"`).
    public var protobufJSON: String {
        let negative = seconds < 0 || nanos < 0
        let text = String(seconds.magnitude) + CELTimestamp.fraction(Int32(nanos.magnitude)) + "s"
        return negative ? "-" + text : text
    }

    /// Parses a Go-style duration string: a signed sequence of decimal numbers with units
    /// `h`, `m`, `s`, `ms`, `us` (or `µs`), `ns`, e.g. `"1h30m"`, `"-1.5s"`, `"0"`.
    public init(parsing text: String) throws(CELError) {
        func bad() -> CELError { CELError(.evaluation, "invalid duration string (expected e.g. 1.5s, 1h30m, -20ms)") }
        var scalars = Array(text.unicodeScalars)[...]
        var negative = false
        if let first = scalars.first, first == "-" || first == "+" {
            negative = first == "-"
            scalars = scalars.dropFirst()
        }
        if scalars.count == 1, scalars.first == "0" {
            self = try CELDuration(seconds: 0)
            return
        }
        guard !scalars.isEmpty else { throw bad() }
        var totalNanos: Double = 0
        var exact: (seconds: Int64, nanos: Int64) = (0, 0)
        while !scalars.isEmpty {
            var whole: Int64 = 0
            var fraction: Int64 = 0
            var fractionDigits = 0
            var sawDigit = false
            while let c = scalars.first, c.value >= 48, c.value <= 57 {
                let (m, o1) = whole.multipliedReportingOverflow(by: 10)
                let (a, o2) = m.addingReportingOverflow(Int64(c.value - 48))
                guard !o1, !o2 else { throw CELError(.arithmetic, "duration out of range") }
                whole = a
                sawDigit = true
                scalars = scalars.dropFirst()
            }
            if scalars.first == "." {
                scalars = scalars.dropFirst()
                while let c = scalars.first, c.value >= 48, c.value <= 57 {
                    if fractionDigits < 18 {
                        fraction = fraction * 10 + Int64(c.value - 48)
                        fractionDigits += 1
                    }
                    sawDigit = true
                    scalars = scalars.dropFirst()
                }
            }
            guard sawDigit else { throw bad() }
            var unit = ""
            while let c = scalars.first, !(c.value >= 48 && c.value <= 57), c != "." {
                unit.unicodeScalars.append(c)
                scalars = scalars.dropFirst()
            }
            let unitNanos: Int64
            switch unit {
            case "h": unitNanos = 3_600_000_000_000
            case "m": unitNanos = 60_000_000_000
            case "s": unitNanos = 1_000_000_000
            case "ms": unitNanos = 1_000_000
            case "us", "µs", "μs": unitNanos = 1000
            case "ns": unitNanos = 1
            default: throw bad()
            }
            var fractionScale: Int64 = 1
            for _ in 0..<fractionDigits { fractionScale *= 10 }
            // whole * unit, split into seconds and nanos to avoid overflow.
            let unitSeconds = unitNanos / 1_000_000_000
            let unitRemainder = unitNanos % 1_000_000_000
            let (ws, o1) = whole.multipliedReportingOverflow(by: max(unitSeconds, 1))
            guard !o1 else { throw CELError(.arithmetic, "duration out of range") }
            if unitSeconds > 0 {
                exact.seconds += ws
            } else {
                let (wn, o2) = whole.multipliedReportingOverflow(by: unitRemainder)
                guard !o2 else { throw CELError(.arithmetic, "duration out of range") }
                exact.seconds += wn / 1_000_000_000
                exact.nanos += wn % 1_000_000_000
            }
            let fractionNanos = Double(fraction) / Double(fractionScale) * Double(unitNanos)
            totalNanos += fractionNanos
            guard abs(exact.seconds) <= CELDuration.maxSeconds * 2 else {
                throw CELError(.arithmetic, "duration out of range")
            }
        }
        let extra = Int64(totalNanos.rounded())
        exact.seconds += extra / 1_000_000_000
        exact.nanos += extra % 1_000_000_000
        exact.seconds += exact.nanos / 1_000_000_000
        exact.nanos %= 1_000_000_000
        if negative {
            exact.seconds = -exact.seconds
            exact.nanos = -exact.nanos
        }
        self = try CELDuration(seconds: exact.seconds, nanos: Int32(exact.nanos))
    }
}

private func pad(_ value: Int64, _ width: Int) -> String {
    let text = String(value)
    return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
}

/// Standard base64 with padding.
enum Base64 {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var i = 0
        while i + 3 <= bytes.count {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2])
            out += [alphabet[Int(n >> 18)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], alphabet[Int(n & 63)]]
            i += 3
        }
        let rest = bytes.count - i
        if rest == 1 {
            let n = UInt32(bytes[i]) << 16
            out += [alphabet[Int(n >> 18)], alphabet[Int(n >> 12 & 63)], 61, 61]
        } else if rest == 2 {
            let n = UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8
            out += [alphabet[Int(n >> 18)], alphabet[Int(n >> 12 & 63)], alphabet[Int(n >> 6 & 63)], 61]
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Timestamp arithmetic and calendar fields.
enum Time {
    struct Fields {
        var year: Int64, month: Int64, day: Int64, dayOfYear: Int64, dayOfWeek: Int64
        var hour: Int64, minute: Int64, second: Int64, nanos: Int64
    }

    static func add(_ t: CELTimestamp, _ d: CELDuration) throws(CELError) -> CELTimestamp {
        let (s, o) = t.seconds.addingReportingOverflow(d.seconds)
        guard !o else { throw CELError(.arithmetic, "timestamp out of range") }
        return try CELTimestamp(seconds: s, nanos: t.nanos + d.nanos)
    }

    static func fields(_ t: CELTimestamp, offsetSeconds: Int64) -> Fields {
        let local = t.seconds + offsetSeconds
        let days = Civil.floorDiv(local, 86_400)
        let secondOfDay = local - days * 86_400
        let (year, month, day) = Civil.date(days: days)
        let dayOfYear = days - Civil.days(year: year, month: 1, day: 1)
        // 1970-01-01 was a Thursday (4).
        var dayOfWeek = (days + 4) % 7
        if dayOfWeek < 0 { dayOfWeek += 7 }
        return Fields(year: year, month: month, day: day, dayOfYear: dayOfYear, dayOfWeek: dayOfWeek,
                      hour: secondOfDay / 3600, minute: secondOfDay / 60 % 60, second: secondOfDay % 60,
                      nanos: Int64(t.nanos))
    }

    /// The UTC offset in seconds of a time zone at an instant: `"+05:30"`, `"-08:00"`, `"UTC"` or an IANA name.
    static func offset(_ zone: String, at t: CELTimestamp) throws(CELError) -> Int64 {
        let scalars = Array(zone.utf8)
        if let first = scalars.first, first == UInt8(ascii: "+") || first == UInt8(ascii: "-"),
           scalars.count == 6, scalars[3] == UInt8(ascii: ":"),
           let hours = Int64(String(decoding: scalars[1..<3], as: UTF8.self)),
           let minutes = Int64(String(decoding: scalars[4..<6], as: UTF8.self)) {
            let magnitude = hours * 3600 + minutes * 60
            return first == UInt8(ascii: "-") ? -magnitude : magnitude
        }
        guard let timeZone = TimeZone(identifier: zone) else {
            throw CELError(.evaluation, "unknown time zone (expected ±HH:MM, UTC or an IANA name)")
        }
        return Int64(timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(t.seconds))))
    }
}
