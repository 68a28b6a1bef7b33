/// Reads Linear's `webhookTimestamp` (Unix milliseconds) from the top level of a delivery's JSON body, and nothing
/// else: the body is not parsed into values, and no other field is looked at.
///
/// Total on any bytes: one forward pass, no recursion (nesting is counted, not recursed into), no allocation beyond the
/// key being compared. A key is compared after its escapes are undone, so `"webhook\u0054imestamp"` is the field too;
/// when the field appears more than once the last one counts, as `JSON.parse` would have it.
enum LinearWebhookTimestamp {
    static let fieldName = "webhookTimestamp"

    enum Outcome: Sendable, Equatable {
        /// The field holds this whole number.
        case found(Int64)
        /// The body is a JSON object without the field.
        case absent
        /// The field holds something other than a whole number of at most 15 digits.
        case notAWholeNumber
        /// The body is not a JSON object.
        case notAnObject
    }

    static func read(from body: [UInt8]) -> Outcome {
        body.withUnsafeBufferPointer { read($0) }
    }

    private static let target = Array(fieldName.utf8)

    private static func read(_ bytes: UnsafeBufferPointer<UInt8>) -> Outcome {
        var scanner = Scanner(bytes: bytes)
        scanner.skipWhitespace()
        guard scanner.consume(UInt8(ascii: "{")) else { return .notAnObject }
        var outcome = Outcome.absent
        scanner.skipWhitespace()
        if scanner.consume(UInt8(ascii: "}")) { return outcome }
        while true {
            scanner.skipWhitespace()
            guard let isTarget = scanner.stringEquals(target) else { return .notAnObject }
            scanner.skipWhitespace()
            guard scanner.consume(UInt8(ascii: ":")) else { return .notAnObject }
            scanner.skipWhitespace()
            if isTarget {
                outcome = scanner.wholeNumber().map(Outcome.found) ?? .notAWholeNumber
                if outcome == .notAWholeNumber, !scanner.skipValue() { return .notAnObject }
            } else if !scanner.skipValue() {
                return .notAnObject
            }
            scanner.skipWhitespace()
            if scanner.consume(UInt8(ascii: ",")) { continue }
            return scanner.consume(UInt8(ascii: "}")) ? outcome : .notAnObject
        }
    }

    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        var current: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func consume(_ byte: UInt8) -> Bool {
            guard current == byte else { return false }
            index += 1
            return true
        }

        mutating func skipWhitespace() {
            while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
        }

        /// Consumes a string; whether its unescaped content equals `target` (ASCII), or nil when it is not a
        /// well-formed string.
        mutating func stringEquals(_ target: [UInt8]) -> Bool? {
            guard consume(UInt8(ascii: "\"")) else { return nil }
            var matched = 0
            var equal = true
            func append(_ byte: UInt8) {
                if equal, matched < target.count, target[matched] == byte { matched += 1 } else { equal = false }
            }
            while let byte = current {
                index += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return equal && matched == target.count
                case UInt8(ascii: "\\"):
                    guard let escaped = current else { return nil }
                    index += 1
                    switch escaped {
                    case UInt8(ascii: "u"):
                        guard index + 4 <= bytes.count, let scalar = hexValue(bytes[index..<(index + 4)]) else { return nil }
                        index += 4
                        // Only ASCII can match the (ASCII) target; anything else just spoils the match.
                        append(scalar < 0x80 ? UInt8(scalar) : 0xFF)
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): append(escaped)
                    case UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"): append(0x01)
                    default: return nil
                    }
                case 0x00..<0x20:
                    return nil  // control characters must be escaped
                default:
                    append(byte)
                }
            }
            return nil
        }

        /// Consumes a JSON number and returns it when it is a whole number of 1 to 15 digits (no sign, fraction or
        /// exponent); otherwise consumes nothing and returns nil.
        mutating func wholeNumber() -> Int64? {
            var end = index
            var value: Int64 = 0
            while end < bytes.count, bytes[end] >= UInt8(ascii: "0"), bytes[end] <= UInt8(ascii: "9"), end - index < 15 {
                value = value * 10 + Int64(bytes[end] - UInt8(ascii: "0"))
                end += 1
            }
            guard end > index else { return nil }
            // Another digit, a fraction or an exponent: not a whole number we accept.
            if end < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[end]) || (bytes[end] >= UInt8(ascii: "0") && bytes[end] <= UInt8(ascii: "9")) {
                return nil
            }
            index = end
            return value
        }

        /// Consumes one value of any kind without interpreting it; false when the bytes end or are not JSON.
        mutating func skipValue() -> Bool {
            var depth = 0
            repeat {
                skipWhitespace()
                guard let byte = current else { return false }
                switch byte {
                case UInt8(ascii: "\""):
                    guard stringEquals([]) != nil else { return false }
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                    index += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    guard depth > 0 else { return false }
                    depth -= 1
                    index += 1
                case UInt8(ascii: ","), UInt8(ascii: ":"):
                    guard depth > 0 else { return false }
                    index += 1
                default:
                    // A number or literal: everything up to a delimiter.
                    let start = index
                    while let next = current, !Self.isDelimiter(next) { index += 1 }
                    guard index > start else { return false }
                }
            } while depth > 0
            return true
        }

        static func isDelimiter(_ byte: UInt8) -> Bool {
            [UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), UInt8(ascii: ":"), UInt8(ascii: "\""),
             UInt8(ascii: "{"), UInt8(ascii: "["), 0x20, 0x09, 0x0A, 0x0D].contains(byte)
        }

        private func hexValue(_ digits: Slice<UnsafeBufferPointer<UInt8>>) -> UInt16? {
            var value: UInt16 = 0
            for digit in digits {
                let nibble: UInt8
                switch digit {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = digit - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = digit - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = digit - UInt8(ascii: "A") + 10
                default: return nil
                }
                value = value << 4 | UInt16(nibble)
            }
            return value
        }
    }
}
