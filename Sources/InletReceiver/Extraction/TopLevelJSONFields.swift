/// Reads top-level string fields of a JSON object in one pass, without Foundation and without building a tree.
///
/// Nested objects and arrays are skipped with an explicit depth counter (no recursion), so a hostile body cannot
/// exhaust the stack; past ``maximumDepth`` the body is refused. The scan stops as soon as every wanted field has
/// been found, so it validates only the prefix it reads: downstream stages parse the body properly. When a key
/// repeats, the first occurrence wins.
struct TopLevelJSONFields {
    enum Failure: Error, Equatable {
        /// The body is not a JSON object, or is malformed before every wanted field was found.
        case notAnObject(offset: Int)
        case tooDeep
    }

    /// Deeper nesting than this is refused (real webhook payloads stay far below it).
    static let maximumDepth = 128

    /// The values of the top-level string fields named `names`, in the same order; nil for a field that is absent or
    /// not a string.
    static func strings(named names: [String], in body: [UInt8]) throws(Failure) -> [String?] {
        let wanted = names.map { Array($0.utf8) }
        var found = [String?](repeating: nil, count: names.count)
        var remaining = names.count
        var scanner = Scanner(bytes: body)
        try scanner.skipWhitespace()
        try scanner.expect(UInt8(ascii: "{"))
        try scanner.skipWhitespace()
        if try scanner.peek() == UInt8(ascii: "}") { return found }
        while remaining > 0 {
            try scanner.skipWhitespace()
            let key = try scanner.readString()
            try scanner.skipWhitespace()
            try scanner.expect(UInt8(ascii: ":"))
            try scanner.skipWhitespace()
            if let slot = wanted.firstIndex(of: key), found[slot] == nil, try scanner.peek() == UInt8(ascii: "\"") {
                found[slot] = String(decoding: try scanner.readString(), as: UTF8.self)
                remaining -= 1
            } else {
                try scanner.skipValue()
            }
            try scanner.skipWhitespace()
            let separator = try scanner.next()
            if separator == UInt8(ascii: "}") { break }
            guard separator == UInt8(ascii: ",") else { throw .notAnObject(offset: scanner.offset - 1) }
        }
        return found
    }

    private struct Scanner {
        let bytes: [UInt8]
        var offset = 0

        init(bytes: [UInt8]) { self.bytes = bytes }

        func peek() throws(Failure) -> UInt8 {
            guard offset < bytes.count else { throw .notAnObject(offset: offset) }
            return bytes[offset]
        }

        mutating func next() throws(Failure) -> UInt8 {
            let byte = try peek()
            offset += 1
            return byte
        }

        mutating func expect(_ byte: UInt8) throws(Failure) {
            guard try next() == byte else { throw .notAnObject(offset: offset - 1) }
        }

        mutating func skipWhitespace() throws(Failure) {
            while offset < bytes.count {
                switch bytes[offset] {
                case 0x20, 0x09, 0x0A, 0x0D: offset += 1
                default: return
                }
            }
        }

        /// Reads a string starting at its opening quote and returns its decoded UTF-8 bytes.
        mutating func readString() throws(Failure) -> [UInt8] {
            try expect(UInt8(ascii: "\""))
            var out: [UInt8] = []
            while true {
                let byte = try next()
                switch byte {
                case UInt8(ascii: "\""):
                    return out
                case UInt8(ascii: "\\"):
                    let escape = try next()
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                    case UInt8(ascii: "b"): out.append(0x08)
                    case UInt8(ascii: "f"): out.append(0x0C)
                    case UInt8(ascii: "n"): out.append(0x0A)
                    case UInt8(ascii: "r"): out.append(0x0D)
                    case UInt8(ascii: "t"): out.append(0x09)
                    case UInt8(ascii: "u"): try readUnicodeEscape(into: &out)
                    default: throw .notAnObject(offset: offset - 1)
                    }
                case ..<0x20:
                    throw .notAnObject(offset: offset - 1)
                default:
                    out.append(byte)
                }
            }
        }

        private mutating func readHex4() throws(Failure) -> UInt32 {
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = try next()
                let digit: UInt32
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
                default: throw .notAnObject(offset: offset - 1)
                }
                value = value << 4 | digit
            }
            return value
        }

        /// `\uXXXX`, joining UTF-16 surrogate pairs; a lone surrogate becomes U+FFFD.
        private mutating func readUnicodeEscape(into out: inout [UInt8]) throws(Failure) {
            var scalar = try readHex4()
            if (0xD800...0xDBFF).contains(scalar), offset + 1 < bytes.count,
               bytes[offset] == UInt8(ascii: "\\"), bytes[offset + 1] == UInt8(ascii: "u") {
                let save = offset
                offset += 2
                let low = try readHex4()
                if (0xDC00...0xDFFF).contains(low) {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else {
                    offset = save
                }
            }
            let value = Unicode.Scalar(scalar) ?? "\u{FFFD}"
            out.append(contentsOf: Array(String(Character(value)).utf8))
        }

        /// Skips one value of any kind: strings and nesting are tracked, scalars are skipped up to their delimiter.
        mutating func skipValue() throws(Failure) {
            var depth = 0
            repeat {
                try skipWhitespace()
                let byte = try peek()
                switch byte {
                case UInt8(ascii: "\""):
                    _ = try readString()
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                    guard depth <= TopLevelJSONFields.maximumDepth else { throw .tooDeep }
                    offset += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    guard depth > 0 else { throw .notAnObject(offset: offset) }
                    depth -= 1
                    offset += 1
                case UInt8(ascii: ","), UInt8(ascii: ":"):
                    guard depth > 0 else { throw .notAnObject(offset: offset) }
                    offset += 1
                default:
                    // number, true, false, null: up to the next delimiter
                    let start = offset
                    while offset < bytes.count {
                        switch bytes[offset] {
                        case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), UInt8(ascii: ":"), 0x20, 0x09, 0x0A, 0x0D:
                            break
                        default:
                            offset += 1
                            continue
                        }
                        break
                    }
                    guard offset > start else { throw .notAnObject(offset: offset) }
                }
            } while depth > 0
        }
    }
}
