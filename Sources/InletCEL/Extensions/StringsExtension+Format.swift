import Foundation

/// `string.format(list)`: cel-go's formatting (version 2) clauses `%s %d %f %e %b %o %x %X` with an optional
/// `.N` precision for `%f`/`%e` (default 6) and `%%` for a literal percent sign.
enum StringFormatter {
    static func format(_ template: String, _ args: [CELValue]) throws(CELError) -> String {
        let scalars = Array(template.unicodeScalars)
        var output = String.UnicodeScalarView()
        var argIndex = 0
        var i = 0
        while i < scalars.count {
            let c = scalars[i]
            guard c == "%" else {
                output.append(c)
                i += 1
                continue
            }
            if i + 1 < scalars.count, scalars[i + 1] == "%" {
                output.append("%")
                i += 2
                continue
            }
            guard argIndex < args.count else {
                throw CELError(.evaluation, "index \(argIndex) out of range")
            }
            i += 1
            guard i < scalars.count else { throw CELError(.evaluation, "unexpected end of string") }
            // Optional precision.
            var precision = 6
            if scalars[i] == "." {
                i += 1
                var digits = ""
                while i < scalars.count, ("0"..."9").contains(scalars[i]) {
                    digits.unicodeScalars.append(scalars[i])
                    i += 1
                }
                guard i < scalars.count else {
                    throw parseError("error while parsing precision: could not find end of precision specifier")
                }
                guard let value = Int(digits), value <= 1000 else {
                    throw parseError("error while parsing precision: invalid precision \"\(digits)\"")
                }
                precision = value
            }
            let verb = scalars[i]
            i += 1
            let arg = args[argIndex]
            argIndex += 1
            let text: String
            switch verb {
            case "s": text = try formatString(arg)
            case "d": text = try decimal(arg)
            case "f": text = try fixed(arg, precision: precision)
            case "e": text = try scientific(arg, precision: precision)
            case "b": text = try binary(arg)
            case "x": text = try hex(arg, uppercase: false)
            case "X": text = try hex(arg, uppercase: true)
            case "o": text = try octal(arg)
            default: throw parseError("unrecognized formatting clause \"\(verb)\"")
            }
            output.append(contentsOf: text.unicodeScalars)
        }
        return String(output)
    }

    // MARK: Clauses

    /// `%s` and the element format inside lists and maps.
    static func formatString(_ value: CELValue) throws(CELError) -> String {
        var output = ""
        try appendString(value, to: &output)
        return output
    }

    private static func appendString(_ value: CELValue, to output: inout String) throws(CELError) {
        switch value {
        case .null: output += "null"
        case .bool(let b): output += b ? "true" : "false"
        case .int(let i): output += String(i)
        case .uint(let u): output += String(u)
        case .double(let d): output += shortestFixed(d)
        case .string(let s): output += s
        case .bytes(let b): output += String(decoding: b, as: UTF8.self)
        case .duration(let d): output += durationSeconds(d) + "s"
        case .timestamp(let t): output += goRFC3339(t)
        case .type(let t): output += t.runtimeName
        case .list(let elements):
            output += "["
            for (index, element) in elements.enumerated() {
                if index > 0 { output += ", " }
                try appendString(element, to: &output)
            }
            output += "]"
        case .map(let map):
            var entries: [(String, String)] = []
            entries.reserveCapacity(map.count)
            for (key, entry) in map { entries.append((try formatString(key), try formatString(entry))) }
            entries.sort { $0.0 < $1.0 }
            output += "{"
            for (index, entry) in entries.enumerated() {
                if index > 0 { output += ", " }
                output += entry.0 + ": " + entry.1
            }
            output += "}"
        default:
            throw formatError("string clause can only be used on strings, bools, bytes, ints, doubles, maps, lists, "
                + "types, durations, and timestamps, was given \(value.typeName)")
        }
    }

    static func decimal(_ value: CELValue) throws(CELError) -> String {
        switch value {
        case .int(let i): return String(i)
        case .uint(let u): return String(u)
        case .double(let d): return shortestFixed(d)
        default:
            throw formatError("decimal clause can only be used on ints, uints, and doubles, was given \(value.typeName)")
        }
    }

    static func fixed(_ value: CELValue, precision: Int) throws(CELError) -> String {
        guard let d = numberAsDouble(value) else {
            throw formatError(
                "fixed-point clause can only be used on ints, uints, and doubles, was given \(value.typeName)")
        }
        if let special = nonFinite(d) { return special }
        return String(format: "%.\(precision)f", d)
    }

    static func scientific(_ value: CELValue, precision: Int) throws(CELError) -> String {
        guard let d = numberAsDouble(value) else {
            throw formatError(
                "scientific clause can only be used on ints, uints, and doubles, was given \(value.typeName)")
        }
        if let special = nonFinite(d) { return special }
        return String(format: "%.\(precision)e", d)
    }

    static func binary(_ value: CELValue) throws(CELError) -> String {
        switch value {
        case .bool(let b): return b ? "1" : "0"
        case .int(let i): return String(i, radix: 2)
        case .uint(let u): return String(u, radix: 2)
        default:
            throw formatError("only ints, uints, and bools can be formatted as binary, was given \(value.typeName)")
        }
    }

    static func octal(_ value: CELValue) throws(CELError) -> String {
        switch value {
        case .int(let i): return String(i, radix: 8)
        case .uint(let u): return String(u, radix: 8)
        default: throw formatError("octal clause can only be used on ints and uints, was given \(value.typeName)")
        }
    }

    static func hex(_ value: CELValue, uppercase: Bool) throws(CELError) -> String {
        switch value {
        case .int(let i): return String(i, radix: 16, uppercase: uppercase)
        case .uint(let u): return String(u, radix: 16, uppercase: uppercase)
        case .string(let s): return hexBytes(s.utf8, uppercase: uppercase)
        case .bytes(let b): return hexBytes(b, uppercase: uppercase)
        default:
            throw formatError(
                "only ints, uints, bytes, and strings can be formatted as hex, was given \(value.typeName)")
        }
    }

    // MARK: Helpers

    private static func hexBytes(_ bytes: some Sequence<UInt8>, uppercase: Bool) -> String {
        let digits = Array((uppercase ? "0123456789ABCDEF" : "0123456789abcdef").utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func numberAsDouble(_ value: CELValue) -> Double? {
        switch value {
        case .int(let i): Double(i)
        case .uint(let u): Double(u)
        case .double(let d): d
        default: nil
        }
    }

    private static func nonFinite(_ d: Double) -> String? {
        if d.isNaN { return "NaN" }
        if d == .infinity { return "Infinity" }
        if d == -.infinity { return "-Infinity" }
        return nil
    }

    /// The shortest decimal that round-trips, written without an exponent (Go's `FormatFloat(d, 'f', -1, 64)`):
    /// `1.0` → `"1"`, `1e21` → `"1000000000000000000000"`, `1e-7` → `"0.0000001"`.
    static func shortestFixed(_ d: Double) -> String {
        if let special = nonFinite(d) { return special }
        // Swift's description is the shortest round-tripping form, possibly with an exponent ("1e-07", "5e+20").
        let text = d.description
        var negative = false
        var mantissa = Substring(text)
        if mantissa.hasPrefix("-") {
            negative = true
            mantissa = mantissa.dropFirst()
        }
        var exponent = 0
        if let e = mantissa.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exponent = Int(mantissa[mantissa.index(after: e)...]) ?? 0
            mantissa = mantissa[..<e]
        }
        var digits = ""
        var pointPosition: Int
        if let dot = mantissa.firstIndex(of: ".") {
            let whole = mantissa[..<dot]
            let fraction = mantissa[mantissa.index(after: dot)...]
            digits = String(whole) + String(fraction)
            pointPosition = whole.count
        } else {
            digits = String(mantissa)
            pointPosition = digits.count
        }
        pointPosition += exponent
        // Trim leading zeros of the digit string (keeping the point position consistent).
        while digits.count > 1, digits.first == "0" {
            digits.removeFirst()
            pointPosition -= 1
        }
        while digits.count > 1, digits.last == "0", digits.count > max(pointPosition, 1) {
            digits.removeLast()
        }
        var result: String
        if digits == "0" {
            result = "0"
        } else if pointPosition <= 0 {
            result = "0." + String(repeating: "0", count: -pointPosition) + digits
        } else if pointPosition >= digits.count {
            result = digits + String(repeating: "0", count: pointPosition - digits.count)
        } else {
            let index = digits.index(digits.startIndex, offsetBy: pointPosition)
            result = String(digits[..<index]) + "." + String(digits[index...])
        }
        return negative ? "-" + result : result
    }

    /// Seconds of a duration as the shortest decimal (`7200`, `1.5`), like Go's `Duration.Seconds()` formatted 'f'.
    private static func durationSeconds(_ d: CELDuration) -> String {
        shortestFixed(Double(d.seconds) + Double(d.nanos) / 1e9)
    }

    /// RFC 3339 in UTC with the fraction's trailing zeros removed (Go's `time.RFC3339Nano`).
    private static func goRFC3339(_ t: CELTimestamp) -> String {
        var text = t.rfc3339
        guard t.nanos != 0, text.hasSuffix("Z") else { return text }
        text.removeLast()
        while text.hasSuffix("0") { text.removeLast() }
        return text + "Z"
    }

    private static func parseError(_ reason: String) -> CELError {
        CELError(.evaluation, "could not parse formatting clause: \(reason)")
    }

    private static func formatError(_ reason: String) -> CELError {
        CELError(.evaluation, "error during formatting: \(reason)")
    }
}
