/// A validating, Foundation-free JSON scanner over raw bytes: it finds the members a ``JSONPathTree`` asks for and
/// the boundaries of array items, without building a tree and without copying the body.
///
/// Everything it passes over is validated against RFC 8259 (structure, string escapes, control characters, UTF-8,
/// number grammar, literals), so the item bytes ``BatchSplitter`` hands on are well-formed JSON. Nesting is tracked
/// with an explicit 128-bit stack, never by recursion over the document (recursion only follows the wanted paths,
/// whose length the definitions fix), so a hostile body cannot exhaust the stack; nesting deeper than
/// `maximumDepth` (at most ``depthCeiling``) is refused.
///
/// Depth counts containers from the document root: the top-level object or array is at level 1.
struct JSONScanner {
    /// The deepest nesting any scanner accepts: the container stack is one `UInt128` bit per level.
    static let depthCeiling = 128

    /// Why scanning stopped. `offset` is a byte offset into the body; `detail` never quotes the body.
    struct Failure: Error, Equatable {
        enum Kind: Equatable { case malformed, tooDeep, tooManyItems }
        let kind: Kind
        let offset: Int
        let detail: String
    }

    /// A string token: the byte range of its content (without quotes) and whether it holds escapes.
    struct StringToken: Equatable {
        let range: Range<Int>
        let hasEscapes: Bool
    }

    /// A scalar found at a wanted path, still as positions in the body.
    enum ScalarToken: Equatable {
        case string(StringToken)
        case number(Range<Int>)
    }

    let bytes: UnsafeBufferPointer<UInt8>
    let maximumDepth: Int
    private(set) var offset = 0

    init(bytes: UnsafeBufferPointer<UInt8>, maximumDepth: Int) {
        precondition((1...Self.depthCeiling).contains(maximumDepth), "maximumDepth must be 1...\(Self.depthCeiling)")
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    // MARK: Primitives

    var isAtEnd: Bool { offset >= bytes.count }

    func failure(_ detail: String, at position: Int? = nil) -> Failure {
        Failure(kind: .malformed, offset: position ?? offset, detail: detail)
    }

    mutating func skipWhitespace() {
        while offset < bytes.count {
            switch bytes[offset] {
            case 0x20, 0x09, 0x0A, 0x0D: offset += 1
            default: return
            }
        }
    }

    func peek() throws(Failure) -> UInt8 {
        guard offset < bytes.count else { throw failure("unexpected end of the body") }
        return bytes[offset]
    }

    mutating func expect(_ byte: UInt8, _ what: String) throws(Failure) {
        guard try peek() == byte else { throw failure("expected \(what)") }
        offset += 1
    }

    /// After a complete value (or an element or member) inside a container: `,` continues, `close` ends it.
    /// - Returns: true when the container ended.
    mutating func separatorOrEnd(close: UInt8) throws(Failure) -> Bool {
        skipWhitespace()
        switch try peek() {
        case UInt8(ascii: ","): offset += 1; return false
        case close: offset += 1; return true
        default: throw failure(close == UInt8(ascii: "}") ? "expected ',' or '}'" : "expected ',' or ']'")
        }
    }

    /// Checks that nothing but whitespace follows the top-level value.
    mutating func expectEnd() throws(Failure) {
        skipWhitespace()
        guard isAtEnd else { throw failure("unexpected content after the JSON value") }
    }

    private func checkLevel(_ level: Int) throws(Failure) {
        guard level <= maximumDepth else {
            throw Failure(kind: .tooDeep, offset: offset, detail: "the body nests deeper than \(maximumDepth) levels")
        }
    }

    // MARK: Strings

    /// Scans a string from its opening quote, validating escapes, control characters and UTF-8.
    mutating func scanString() throws(Failure) -> StringToken {
        try expect(UInt8(ascii: "\""), "a string")
        let start = offset
        var hasEscapes = false
        while true {
            guard offset < bytes.count else { throw failure("unterminated string", at: start - 1) }
            let byte = bytes[offset]
            if byte == UInt8(ascii: "\"") {
                let token = StringToken(range: start..<offset, hasEscapes: hasEscapes)
                offset += 1
                return token
            } else if byte == UInt8(ascii: "\\") {
                hasEscapes = true
                offset += 1
                guard offset < bytes.count else { throw failure("unterminated string", at: start - 1) }
                switch bytes[offset] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                     UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    offset += 1
                case UInt8(ascii: "u"):
                    offset += 1
                    let unit = try scanHex4()
                    // Unpaired surrogates are refused, as InletCEL's JSON reader (the mapper) refuses them.
                    if (0xD800...0xDBFF).contains(unit) {
                        guard offset + 2 <= bytes.count, bytes[offset] == UInt8(ascii: "\\"), bytes[offset + 1] == UInt8(ascii: "u") else {
                            throw failure("unpaired UTF-16 surrogate escape in a string")
                        }
                        offset += 2
                        guard (0xDC00...0xDFFF).contains(try scanHex4()) else { throw failure("unpaired UTF-16 surrogate escape in a string") }
                    } else if (0xDC00...0xDFFF).contains(unit) {
                        throw failure("unpaired UTF-16 surrogate escape in a string")
                    }
                default:
                    throw failure("invalid escape sequence in a string")
                }
            } else if byte < 0x20 {
                throw failure("unescaped control character in a string")
            } else if byte < 0x80 {
                offset += 1
            } else {
                try skipUTF8Sequence()
            }
        }
    }

    /// The four hex digits of a `\\u` escape.
    private mutating func scanHex4() throws(Failure) -> UInt32 {
        guard offset + 4 <= bytes.count else { throw failure("\\u must be followed by four hex digits") }
        var value: UInt32 = 0
        for position in offset..<offset + 4 {
            guard let digit = Self.hexValue(bytes[position]) else { throw failure("\\u must be followed by four hex digits") }
            value = value << 4 | digit
        }
        offset += 4
        return value
    }

    /// Advances over one multi-byte UTF-8 sequence, refusing overlong forms, surrogates and values past U+10FFFF
    /// (Unicode 15, table 3-7).
    private mutating func skipUTF8Sequence() throws(Failure) {
        let lead = bytes[offset]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; secondRange = 0x80...0x9F
        case 0xF0: length = 4; secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; secondRange = 0x80...0x8F
        default: throw failure("invalid UTF-8 in a string")
        }
        guard offset + length <= bytes.count, secondRange.contains(bytes[offset + 1]),
              (offset + 2..<offset + length).allSatisfy({ (0x80...0xBF).contains(bytes[$0]) })
        else { throw failure("invalid UTF-8 in a string") }
        offset += length
    }

    static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// The decoded UTF-8 bytes of a scanned string (surrogate pairs joined; ``scanString()`` refused unpaired ones).
    func decodedBytes(_ token: StringToken) -> [UInt8] {
        guard token.hasEscapes else { return Array(bytes[token.range]) }
        var out: [UInt8] = []
        out.reserveCapacity(token.range.count)
        var index = token.range.lowerBound
        func hex4(at position: Int) -> UInt32 {
            (position..<position + 4).reduce(0) { $0 << 4 | (Self.hexValue(bytes[$1]) ?? 0) }
        }
        while index < token.range.upperBound {
            let byte = bytes[index]
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                index += 1
                continue
            }
            let escape = bytes[index + 1]
            index += 2
            switch escape {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = hex4(at: index)
                index += 4
                if (0xD800...0xDBFF).contains(scalar), index + 6 <= token.range.upperBound,
                   bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") {
                    let low = hex4(at: index + 2)
                    if (0xDC00...0xDFFF).contains(low) {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        index += 6
                    }
                }
                out.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar) ?? "\u{FFFD}")).utf8))
            default:
                out.append(escape) // '"', '\\', '/'
            }
        }
        return out
    }

    func string(_ token: StringToken) -> String {
        guard token.hasEscapes else { return String(decoding: UnsafeBufferPointer(rebasing: bytes[token.range]), as: UTF8.self) }
        return String(decoding: decodedBytes(token), as: UTF8.self)
    }

    /// Whether a scanned key equals `key` (decoded comparison, so `"ev\u0065nt"` matches `event`).
    func key(_ token: StringToken, equals key: [UInt8]) -> Bool {
        if token.hasEscapes { return decodedBytes(token) == key }
        return token.range.count == key.count && bytes[token.range].elementsEqual(key)
    }

    // MARK: Numbers and literals

    /// Scans a number per RFC 8259: `-? (0 | [1-9][0-9]*) (.[0-9]+)? ([eE][+-]?[0-9]+)?`.
    mutating func scanNumber() throws(Failure) -> Range<Int> {
        let start = offset
        func isDigit(_ position: Int) -> Bool {
            position < bytes.count && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position])
        }
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "-") { offset += 1 }
        guard isDigit(offset) else { throw failure("invalid number", at: start) }
        if bytes[offset] == UInt8(ascii: "0") {
            offset += 1
        } else {
            while isDigit(offset) { offset += 1 }
        }
        if offset < bytes.count, bytes[offset] == UInt8(ascii: ".") {
            offset += 1
            guard isDigit(offset) else { throw failure("invalid number: digits must follow '.'", at: start) }
            while isDigit(offset) { offset += 1 }
        }
        if offset < bytes.count, bytes[offset] == UInt8(ascii: "e") || bytes[offset] == UInt8(ascii: "E") {
            offset += 1
            if offset < bytes.count, bytes[offset] == UInt8(ascii: "+") || bytes[offset] == UInt8(ascii: "-") { offset += 1 }
            guard isDigit(offset) else { throw failure("invalid number: digits must follow the exponent", at: start) }
            while isDigit(offset) { offset += 1 }
        }
        return start..<offset
    }

    private mutating func scanLiteral() throws(Failure) {
        let literal: StaticString
        switch try peek() {
        case UInt8(ascii: "t"): literal = "true"
        case UInt8(ascii: "f"): literal = "false"
        default: literal = "null"
        }
        let length = literal.utf8CodeUnitCount
        let matches = offset + length <= bytes.count
            && literal.withUTF8Buffer { expected in bytes[offset..<offset + length].elementsEqual(expected) }
        guard matches else { throw failure("invalid literal (expected true, false or null)") }
        offset += length
    }

    // MARK: Skipping

    /// Skips one value of any kind, validating it. `depth` is the number of containers enclosing the value.
    mutating func skipValue(depth: Int) throws(Failure) {
        // Bit i of `objects` says whether the i-th open container (counted from this value) is an object.
        var objects: UInt128 = 0
        var open = 0
        expectingValue: while true {
            skipWhitespace()
            let byte = try peek()
            switch byte {
            case UInt8(ascii: "\""):
                _ = try scanString()
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                try checkLevel(depth + open + 1)
                offset += 1
                skipWhitespace()
                let isObject = byte == UInt8(ascii: "{")
                if try peek() == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    offset += 1 // empty container: a complete value
                } else {
                    if isObject { objects |= (1 as UInt128) << open } else { objects &= ~((1 as UInt128) << open) }
                    open += 1
                    if isObject { try scanMemberName() }
                    continue expectingValue
                }
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                _ = try scanNumber()
            case UInt8(ascii: "t"), UInt8(ascii: "f"), UInt8(ascii: "n"):
                try scanLiteral()
            default:
                throw failure("expected a JSON value")
            }
            // A value is complete: close every container it completes, or move on to the next member or element.
            while open > 0 {
                let isObject = (objects >> (open - 1)) & 1 == 1
                if try separatorOrEnd(close: isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    open -= 1
                } else {
                    if isObject { try scanMemberName() }
                    continue expectingValue
                }
            }
            return
        }
    }

    /// A member's name and the colon after it.
    private mutating func scanMemberName() throws(Failure) {
        skipWhitespace()
        guard try peek() == UInt8(ascii: "\"") else { throw failure("expected a member name") }
        _ = try scanString()
        skipWhitespace()
        try expect(UInt8(ascii: ":"), "':' after a member name")
    }

    // MARK: Wanted paths

    /// Walks the object at the current offset, recording the scalars `tree` asks for into `values` (first
    /// occurrence wins), validating and skipping everything else.
    /// - Parameters:
    ///   - depth: containers enclosing this object.
    ///   - stopWhenFound: return as soon as `remaining` reaches 0, leaving the rest unread and unvalidated.
    /// - Returns: true when it stopped early.
    mutating func walkObject(_ tree: JSONPathTree, node: Int, depth: Int, values: inout [ScalarToken?],
                             remaining: inout Int, stopWhenFound: Bool) throws(Failure) -> Bool {
        try checkLevel(depth + 1)
        try expect(UInt8(ascii: "{"), "a JSON object")
        skipWhitespace()
        if try peek() == UInt8(ascii: "}") {
            offset += 1
            return false
        }
        while true {
            skipWhitespace()
            guard try peek() == UInt8(ascii: "\"") else { throw failure("expected a member name") }
            let name = try scanString()
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "':' after a member name")
            skipWhitespace()
            if let child = tree.child(of: node, named: name, in: self) {
                let start = try peek()
                if start == UInt8(ascii: "{"), tree.hasChildren(child) {
                    if try walkObject(tree, node: child, depth: depth + 1, values: &values, remaining: &remaining,
                                      stopWhenFound: stopWhenFound) { return true }
                } else if tree.hasSlots(child), start == UInt8(ascii: "\"") || start == UInt8(ascii: "-")
                            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(start) {
                    let token: ScalarToken = start == UInt8(ascii: "\"") ? .string(try scanString()) : .number(try scanNumber())
                    for slot in tree.slots(of: child) where values[slot] == nil {
                        values[slot] = token
                        remaining -= 1
                    }
                } else {
                    try skipValue(depth: depth + 1)
                }
                if stopWhenFound, remaining == 0 { return true }
            } else {
                try skipValue(depth: depth + 1)
            }
            if try separatorOrEnd(close: UInt8(ascii: "}")) { return false }
        }
    }

    /// The value of a found scalar.
    func scalar(_ token: ScalarToken) -> JSONScalar {
        switch token {
        case .string(let string): .string(self.string(string))
        case .number(let range): .number(String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self))
        }
    }
}

/// A JSON string or number found in a body: what a ``ValueSource`` can yield.
public enum JSONScalar: Sendable, Hashable {
    /// A string's decoded text.
    case string(String)
    /// A number's literal text, exactly as sent (`1564113600000`, `1.5e3`): IDs and timestamps keep every digit.
    case number(String)

    public var text: String {
        switch self {
        case .string(let text), .number(let text): text
        }
    }
}

/// Several member paths compiled into one tree, so one pass over a body finds them all.
struct JSONPathTree: Sendable {
    private struct Node: Sendable {
        var key: [UInt8]
        var children: [Int] = []
        /// Indexes (into the list of paths) of the paths that end here.
        var slots: [Int] = []
    }

    private var nodes = [Node(key: [])]
    let pathCount: Int

    init(paths: [[String]]) {
        pathCount = paths.count
        for (slot, path) in paths.enumerated() {
            var node = 0
            for key in path {
                let bytes = Array(key.utf8)
                if let existing = nodes[node].children.first(where: { nodes[$0].key == bytes }) {
                    node = existing
                } else {
                    nodes.append(Node(key: bytes))
                    nodes[node].children.append(nodes.count - 1)
                    node = nodes.count - 1
                }
            }
            nodes[node].slots.append(slot)
        }
    }

    func child(of node: Int, named name: JSONScanner.StringToken, in scanner: JSONScanner) -> Int? {
        nodes[node].children.first { scanner.key(name, equals: nodes[$0].key) }
    }

    func hasChildren(_ node: Int) -> Bool { !nodes[node].children.isEmpty }
    func hasSlots(_ node: Int) -> Bool { !nodes[node].slots.isEmpty }
    func slots(of node: Int) -> [Int] { nodes[node].slots }
}
