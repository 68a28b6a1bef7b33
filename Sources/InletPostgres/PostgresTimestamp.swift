import Foundation

/// Text codec for `timestamp`, `timestamptz` and `date` in `DateStyle = ISO`, `TimeZone = UTC` (set on every
/// connection). Pure arithmetic, no `DateFormatter`, so it is fast and thread-safe.
enum PostgresTimestamp {
    /// `YYYY-MM-DD HH:MM:SS.ffffff+00`, or `nil` outside years 1…9999.
    static func format(_ date: Date) -> String? {
        let micros = (date.timeIntervalSince1970 * 1_000_000).rounded()
        guard micros.isFinite, abs(micros) < 4e17 else { return nil }
        let total = Int64(micros)
        let seconds = floorDivide(total, 1_000_000)
        let fraction = total - seconds * 1_000_000
        let days = floorDivide(seconds, 86_400)
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        guard (1...9999).contains(year) else { return nil }
        return pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) + " "
            + pad(secondOfDay / 3600, 2) + ":" + pad(secondOfDay / 60 % 60, 2) + ":" + pad(secondOfDay % 60, 2)
            + "." + pad(fraction, 6) + "+00"
    }

    /// Parses `YYYY-MM-DD[( |T)HH:MM:SS[.f…][±HH[:MM[:SS]]]]`; `infinity` maps to `Date.distantFuture`.
    static func parse(_ text: String) -> Date? {
        switch text {
        case "infinity": return .distantFuture
        case "-infinity": return .distantPast
        default: break
        }
        let bytes = Array(text.utf8)
        var index = 0
        func number(_ minDigits: Int, _ maxDigits: Int) -> Int64? {
            var value: Int64 = 0
            var count = 0
            while index < bytes.count, count < maxDigits, (48...57).contains(bytes[index]) {
                value = value * 10 + Int64(bytes[index] - 48)
                index += 1
                count += 1
            }
            return count >= minDigits ? value : nil
        }
        func expect(_ byte: UInt8) -> Bool {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
            return true
        }
        guard let year = number(4, 6), expect(UInt8(ascii: "-")), let month = number(2, 2),
            expect(UInt8(ascii: "-")), let day = number(2, 2), (1...12).contains(month), (1...31).contains(day)
        else { return nil }
        var micros = days(fromCivil: year, month, day) * 86_400 * 1_000_000
        if index == bytes.count { return Date(timeIntervalSince1970: Double(micros) / 1_000_000) }
        guard expect(UInt8(ascii: " ")) || expect(UInt8(ascii: "T")), let hour = number(2, 2),
            expect(UInt8(ascii: ":")), let minute = number(2, 2), expect(UInt8(ascii: ":")),
            let second = number(2, 2)
        else { return nil }
        micros += ((hour * 60 + minute) * 60 + second) * 1_000_000
        if expect(UInt8(ascii: ".")) {
            let start = index
            guard let fraction = number(1, 9) else { return nil }
            var scaled = fraction
            var digits = index - start
            while digits < 6 { scaled *= 10; digits += 1 }
            while digits > 6 { scaled /= 10; digits -= 1 }
            micros += scaled
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
            let sign: Int64 = bytes[index] == UInt8(ascii: "+") ? 1 : -1
            index += 1
            guard let offsetHours = number(2, 2) else { return nil }
            var offsetSeconds = offsetHours * 3600
            if expect(UInt8(ascii: ":")) {
                guard let offsetMinutes = number(2, 2) else { return nil }
                offsetSeconds += offsetMinutes * 60
                if expect(UInt8(ascii: ":")) {
                    guard let extra = number(2, 2) else { return nil }
                    offsetSeconds += extra
                }
            }
            micros -= sign * offsetSeconds * 1_000_000
        }
        guard index == bytes.count else { return nil }  // e.g. a " BC" suffix
        return Date(timeIntervalSince1970: Double(micros) / 1_000_000)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        let quotient = value / divisor
        return (value % divisor != 0 && (value < 0) != (divisor < 0)) ? quotient - 1 : quotient
    }

    // Howard Hinnant's days-from-civil algorithms (proleptic Gregorian calendar).
    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthPrime = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthPrime + 2) / 5 + 1
        let month = monthPrime < 10 ? monthPrime + 3 : monthPrime - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func days(fromCivil year: Int64, _ month: Int64, _ day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
