/// A JSON value read under limits, for the schemes that find their signature or secret inside the body (Mailgun's
/// `signature` object, Microsoft Graph's `clientState`). Only what those checks need is kept: numbers stay text.
///
/// Shared by ``MailgunVerifier`` and ``MicrosoftGraphVerifier``.
enum BoundedJSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number's text as written (validated against the JSON grammar).
    case number(String)
    case string(String)
    case array([BoundedJSONValue])
    /// Duplicate keys are refused while parsing, so every key has one meaning.
    case object([String: BoundedJSONValue])

    subscript(_ key: String) -> BoundedJSONValue? {
        if case .object(let members) = self { members[key] } else { nil }
    }

    var stringValue: String? {
        if case .string(let text) = self { text } else { nil }
    }
}

/// A strict RFC 8259 parser with a size and a nesting limit. Total: any bytes give a value or a ``Failure``, never a
/// crash, and neither deep nesting nor a huge body can exhaust the stack or memory.
///
/// Strict where leniency would let two parsers disagree about what was signed or sent: invalid UTF-8, lone
/// surrogates, control characters in strings, trailing content and duplicate object keys are all errors.
struct BoundedJSONParser {
    /// Why the bytes are not acceptable JSON; `description` is safe to show the sender (it quotes no content).
    struct Failure: Error, Equatable, CustomStringConvertible {
        var description: String
    }

    /// Default: 1 MiB.
    static let defaultMaximumBytes = 1 << 20
    /// Default: 32 levels of arrays and objects.
    static let defaultMaximumDepth = 32

    let maximumBytes: Int
    let maximumDepth: Int

    init(maximumBytes: Int = defaultMaximumBytes, maximumDepth: Int = defaultMaximumDepth) {
        self.maximumBytes = maximumBytes
        self.maximumDepth = maximumDepth
    }

    func parse(_ bytes: [UInt8]) throws(Failure) -> BoundedJSONValue {
        guard bytes.count <= maximumBytes else {
            throw Failure(description: "the body is \(bytes.count) bytes; at most \(maximumBytes) are read")
        }
        var cursor = Cursor(bytes: bytes, maximumDepth: maximumDepth)
        cursor.skipWhitespace()
        let value = try cursor.value(depth: 0)
        cursor.skipWhitespace()
        guard cursor.isAtEnd else { throw cursor.failure("unexpected content after the JSON value") }
        return value
    }

    private struct Cursor {
        let bytes: [UInt8]
        let maximumDepth: Int
        var offset = 0

        init(bytes: [UInt8], maximumDepth: Int) {
            self.bytes = bytes
            self.maximumDepth = maximumDepth
        }

        var isAtEnd: Bool { offset >= bytes.count }
        var current: UInt8? { offset < bytes.count ? bytes[offset] : nil }

        func failure(_ what: String) -> Failure {
            Failure(description: "the body is not valid JSON: \(what) at byte \(offset)")
        }

        mutating func skipWhitespace() {
            while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { offset += 1 }
        }

        mutating func expect(_ byte: UInt8) throws(Failure) {
            guard current == byte else { throw failure("expected '\(Character(Unicode.Scalar(byte)))'") }
            offset += 1
        }

        mutating func literal(_ text: String, _ value: BoundedJSONValue) throws(Failure) -> BoundedJSONValue {
            let utf8 = Array(text.utf8)
            guard offset + utf8.count <= bytes.count, bytes[offset..<(offset + utf8.count)].elementsEqual(utf8) else {
                throw failure("unknown literal")
            }
            offset += utf8.count
            return value
        }

        mutating func value(depth: Int) throws(Failure) -> BoundedJSONValue {
            guard let byte = current else { throw failure("unexpected end of input") }
            switch byte {
            case UInt8(ascii: "{"): return try object(depth: depth + 1)
            case UInt8(ascii: "["): return try array(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): return try literal("true", .bool(true))
            case UInt8(ascii: "f"): return try literal("false", .bool(false))
            case UInt8(ascii: "n"): return try literal("null", .null)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
            default: throw failure("unexpected character")
            }
        }

        mutating func object(depth: Int) throws(Failure) -> BoundedJSONValue {
            guard depth <= maximumDepth else { throw failure("nesting deeper than \(maximumDepth) levels") }
            offset += 1
            var members: [String: BoundedJSONValue] = [:]
            skipWhitespace()
            if current == UInt8(ascii: "}") { offset += 1; return .object(members) }
            while true {
                skipWhitespace()
                guard current == UInt8(ascii: "\"") else { throw failure("expected a string key") }
                let key = try string()
                skipWhitespace()
                try expect(UInt8(ascii: ":"))
                skipWhitespace()
                let member = try value(depth: depth)
                guard members.updateValue(member, forKey: key) == nil else { throw failure("duplicate object key") }
                skipWhitespace()
                if current == UInt8(ascii: ",") { offset += 1; continue }
                try expect(UInt8(ascii: "}"))
                return .object(members)
            }
        }

        mutating func array(depth: Int) throws(Failure) -> BoundedJSONValue {
            guard depth <= maximumDepth else { throw failure("nesting deeper than \(maximumDepth) levels") }
            offset += 1
            var items: [BoundedJSONValue] = []
            skipWhitespace()
            if current == UInt8(ascii: "]") { offset += 1; return .array(items) }
            while true {
                skipWhitespace()
                items.append(try value(depth: depth))
                skipWhitespace()
                if current == UInt8(ascii: ",") { offset += 1; continue }
                try expect(UInt8(ascii: "]"))
                return .array(items)
            }
        }

        mutating func number() throws(Failure) -> String {
            let start = offset
            if current == UInt8(ascii: "-") { offset += 1 }
            guard let first = current, isDigit(first) else { throw failure("a number needs a digit") }
            offset += 1
            if first != UInt8(ascii: "0") { while let byte = current, isDigit(byte) { offset += 1 } }
            if current == UInt8(ascii: ".") {
                offset += 1
                guard let byte = current, isDigit(byte) else { throw failure("a fraction needs a digit") }
                while let byte = current, isDigit(byte) { offset += 1 }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                offset += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { offset += 1 }
                guard let byte = current, isDigit(byte) else { throw failure("an exponent needs a digit") }
                while let byte = current, isDigit(byte) { offset += 1 }
            }
            return String(decoding: bytes[start..<offset], as: UTF8.self)
        }

        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

        mutating func string() throws(Failure) -> String {
            offset += 1  // the opening quote
            var utf8: [UInt8] = []
            while true {
                guard let byte = current else { throw failure("unterminated string") }
                offset += 1
                switch byte {
                case UInt8(ascii: "\""):
                    guard let text = String(validating: utf8, as: UTF8.self) else { throw failure("a string is not valid UTF-8") }
                    return text
                case UInt8(ascii: "\\"):
                    try escape(into: &utf8)
                case 0x00..<0x20:
                    throw failure("a control character inside a string")
                default:
                    utf8.append(byte)
                }
            }
        }

        mutating func escape(into utf8: inout [UInt8]) throws(Failure) {
            guard let byte = current else { throw failure("unterminated escape") }
            offset += 1
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(byte)
            case UInt8(ascii: "b"): utf8.append(0x08)
            case UInt8(ascii: "f"): utf8.append(0x0C)
            case UInt8(ascii: "n"): utf8.append(0x0A)
            case UInt8(ascii: "r"): utf8.append(0x0D)
            case UInt8(ascii: "t"): utf8.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hexQuad()
                if (0xD800..<0xDC00).contains(scalar) {
                    guard current == UInt8(ascii: "\\"), offset + 1 < bytes.count, bytes[offset + 1] == UInt8(ascii: "u") else {
                        throw failure("a lone UTF-16 surrogate")
                    }
                    offset += 2
                    let low = try hexQuad()
                    guard (0xDC00..<0xE000).contains(low) else { throw failure("a lone UTF-16 surrogate") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw failure("a lone UTF-16 surrogate") }
                utf8.append(contentsOf: Array(String(Character(unicode)).utf8))
            default:
                throw failure("an unknown escape")
            }
        }

        mutating func hexQuad() throws(Failure) -> UInt32 {
            guard offset + 4 <= bytes.count else { throw failure("a short \\u escape") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[offset]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw failure("a bad \\u escape")
                }
                value = value << 4 | UInt32(digit)
                offset += 1
            }
            return value
        }
    }
}
