/// A token of CEL source text.
struct Token {
    enum Kind: Equatable {
        case end
        case int(Int64)
        /// An integer literal too large for int64 (valid only after unary minus as int64.min).
        case intOverflow(String)
        case uint(UInt64)
        case double(Double)
        case string(String)
        case bytes([UInt8])
        case ident(String)
        /// A backquoted field name: `` `content-type` ``.
        case quotedIdent(String)
        case punct(String)
    }

    var kind: Kind
    /// Offset in Unicode scalars.
    var offset: Int

    var isEnd: Bool { if case .end = kind { return true } else { return false } }

    func isPunct(_ text: String) -> Bool {
        if case .punct(let p) = kind { return p == text }
        return false
    }

    var display: String {
        switch kind {
        case .end: "end of input"
        case .int(let v): "'\(v)'"
        case .intOverflow(let text): "'\(text)'"
        case .uint(let v): "'\(v)u'"
        case .double(let v): "'\(v)'"
        case .string: "string literal"
        case .bytes: "bytes literal"
        case .ident(let name): "'\(name)'"
        case .quotedIdent(let name): "'`\(name)`'"
        case .punct(let p): "'\(p)'"
        }
    }
}

/// Splits source text into tokens. Errors carry the offset of the offending character.
struct Lexer {
    let s: [Unicode.Scalar]
    var i = 0

    init(_ scalars: [Unicode.Scalar]) { s = scalars }

    struct Failure: Error {
        var message: String
        var offset: Int
    }

    static func tokenize(_ scalars: [Unicode.Scalar]) throws(Failure) -> [Token] {
        var lexer = Lexer(scalars)
        var tokens: [Token] = []
        tokens.reserveCapacity(scalars.count / 3 + 1)
        while true {
            let token = try lexer.next()
            tokens.append(token)
            if token.isEnd { return tokens }
        }
    }

    func peek(_ ahead: Int = 0) -> Unicode.Scalar? {
        i + ahead < s.count ? s[i + ahead] : nil
    }

    static func isDigit(_ c: Unicode.Scalar?) -> Bool { c.map { $0.value >= 48 && $0.value <= 57 } ?? false }
    static func isIdentStart(_ c: Unicode.Scalar?) -> Bool {
        guard let c else { return false }
        return (c.value >= 65 && c.value <= 90) || (c.value >= 97 && c.value <= 122) || c == "_"
    }
    static func isIdentPart(_ c: Unicode.Scalar?) -> Bool { isIdentStart(c) || isDigit(c) }
    static func hexValue(_ c: Unicode.Scalar?) -> UInt32? {
        guard let c else { return nil }
        switch c.value {
        case 48...57: return c.value - 48
        case 97...102: return c.value - 87
        case 65...70: return c.value - 55
        default: return nil
        }
    }

    mutating func skipTrivia() {
        while let c = peek() {
            if c == " " || c == "\t" || c == "\n" || c == "\r" || c == "\u{0C}" {
                i += 1
            } else if c == "/", peek(1) == "/" {
                while let d = peek(), d != "\n" { i += 1 }
            } else {
                return
            }
        }
    }

    mutating func next() throws(Failure) -> Token {
        skipTrivia()
        let start = i
        guard let c = peek() else { return Token(kind: .end, offset: start) }

        // String and bytes literals with prefixes r, b, rb, br (any case).
        if c == "\"" || c == "'" { return try stringLiteral(raw: false, bytes: false, start: start) }
        if c == "r" || c == "R" || c == "b" || c == "B" {
            var j = 1
            var raw = c == "r" || c == "R"
            var bytes = c == "b" || c == "B"
            if let d = peek(1), (d == "r" || d == "R") && bytes || (d == "b" || d == "B") && raw {
                raw = true
                bytes = true
                j = 2
            }
            if let q = peek(j), q == "\"" || q == "'" {
                i += j
                return try stringLiteral(raw: raw, bytes: bytes, start: start)
            }
        }
        if Lexer.isIdentStart(c) {
            var name = ""
            while Lexer.isIdentPart(peek()) {
                name.unicodeScalars.append(s[i])
                i += 1
            }
            return Token(kind: .ident(name), offset: start)
        }
        if Lexer.isDigit(c) || (c == "." && Lexer.isDigit(peek(1))) {
            return try number(start: start)
        }
        if c == "`" {
            i += 1
            var name = ""
            while let d = peek(), d != "`" {
                guard d != "\n" else { break }
                name.unicodeScalars.append(d)
                i += 1
            }
            guard peek() == "`", !name.isEmpty else { throw Failure(message: "unterminated quoted identifier", offset: start) }
            i += 1
            return Token(kind: .quotedIdent(name), offset: start)
        }
        let two: String = peek(1).map { String(c) + String($0) } ?? ""
        switch two {
        case "==", "!=", "<=", ">=", "&&", "||":
            i += 2
            return Token(kind: .punct(two), offset: start)
        default: break
        }
        switch c {
        case "(", ")", "[", "]", "{", "}", ".", ",", ":", "?", "+", "-", "*", "/", "%", "!", "<", ">":
            i += 1
            return Token(kind: .punct(String(c)), offset: start)
        case "=":
            throw Failure(message: "unexpected '=' (use '==' for equality)", offset: start)
        case "&", "|":
            throw Failure(message: "unexpected '\(c)' (use '\(c)\(c)')", offset: start)
        default:
            throw Failure(message: "unexpected character '\(c.escaped(asASCII: true))'", offset: start)
        }
    }

    mutating func number(start: Int) throws(Failure) -> Token {
        // Hexadecimal.
        if peek() == "0", peek(1) == "x" || peek(1) == "X" {
            i += 2
            var value: UInt64 = 0
            var digits = 0
            var overflow = false
            while let h = Lexer.hexValue(peek()) {
                let (m, o) = value.multipliedReportingOverflow(by: 16)
                overflow = overflow || o
                value = m | UInt64(h)
                digits += 1
                i += 1
            }
            guard digits > 0 else { throw Failure(message: "invalid hexadecimal literal", offset: start) }
            if peek() == "u" || peek() == "U" {
                i += 1
                guard !overflow else { throw Failure(message: "uint literal out of range", offset: start) }
                return Token(kind: .uint(value), offset: start)
            }
            guard !overflow else { throw Failure(message: "int literal out of range", offset: start) }
            if value > UInt64(Int64.max) {
                return Token(kind: .intOverflow("0x" + String(value, radix: 16)), offset: start)
            }
            return Token(kind: .int(Int64(value)), offset: start)
        }
        var text = ""
        var isDouble = false
        while Lexer.isDigit(peek()) {
            text.unicodeScalars.append(s[i])
            i += 1
        }
        if peek() == ".", Lexer.isDigit(peek(1)) {
            isDouble = true
            text += "."
            i += 1
            while Lexer.isDigit(peek()) {
                text.unicodeScalars.append(s[i])
                i += 1
            }
        }
        if peek() == "e" || peek() == "E" {
            var j = 1
            if peek(1) == "+" || peek(1) == "-" { j = 2 }
            if Lexer.isDigit(peek(j)) {
                isDouble = true
                text += "e"
                if j == 2 { text.unicodeScalars.append(s[i + 1]) }
                i += j
                while Lexer.isDigit(peek()) {
                    text.unicodeScalars.append(s[i])
                    i += 1
                }
            }
        }
        if isDouble {
            if text.hasPrefix(".") { text = "0" + text }
            guard let value = Double(text) else { throw Failure(message: "invalid double literal", offset: start) }
            return Token(kind: .double(value), offset: start)
        }
        if peek() == "u" || peek() == "U" {
            i += 1
            guard let value = UInt64(text) else { throw Failure(message: "uint literal out of range", offset: start) }
            return Token(kind: .uint(value), offset: start)
        }
        if let value = Int64(text) { return Token(kind: .int(value), offset: start) }
        if UInt64(text) != nil || text == "9223372036854775808" {
            return Token(kind: .intOverflow(text), offset: start)
        }
        throw Failure(message: "int literal out of range", offset: start)
    }

    mutating func stringLiteral(raw: Bool, bytes: Bool, start: Int) throws(Failure) -> Token {
        let quote = s[i]
        let triple = peek(1) == quote && peek(2) == quote
        i += triple ? 3 : 1
        var scalars: [Unicode.Scalar] = []
        var byteValues: [UInt8] = []
        func append(_ scalar: Unicode.Scalar) {
            if bytes { byteValues.append(contentsOf: Array(String(scalar).utf8)) } else { scalars.append(scalar) }
        }
        while true {
            guard let c = peek() else { throw Failure(message: "unterminated string literal", offset: start) }
            if c == quote {
                if !triple {
                    i += 1
                    break
                }
                if peek(1) == quote, peek(2) == quote {
                    i += 3
                    break
                }
            }
            if !triple, c == "\n" || c == "\r" {
                throw Failure(message: "newline in string literal (use a triple-quoted string)", offset: i)
            }
            if c != "\\" {
                append(c)
                i += 1
                continue
            }
            if raw {
                // Raw strings keep the backslash; an escaped quote does not end the literal.
                append(c)
                i += 1
                if let d = peek(), d == quote || d == "\\" {
                    append(d)
                    i += 1
                }
                continue
            }
            let escapeStart = i
            i += 1
            guard let e = peek() else { throw Failure(message: "unterminated string literal", offset: start) }
            i += 1
            switch e {
            case "a": append("\u{07}")
            case "b": append("\u{08}")
            case "f": append("\u{0C}")
            case "n": append("\n")
            case "r": append("\r")
            case "t": append("\t")
            case "v": append("\u{0B}")
            case "\\", "'", "\"", "`", "?": append(e)
            case "x", "X":
                guard let h1 = Lexer.hexValue(peek()), let h2 = Lexer.hexValue(peek(1)) else {
                    throw Failure(message: "invalid \\x escape", offset: escapeStart)
                }
                i += 2
                let value = h1 << 4 | h2
                if bytes { byteValues.append(UInt8(value)) } else { append(Unicode.Scalar(value)!) }
            case "u", "U":
                let count = e == "u" ? 4 : 8
                var value: UInt32 = 0
                for _ in 0..<count {
                    guard let h = Lexer.hexValue(peek()) else {
                        throw Failure(message: "invalid \\\(e) escape", offset: escapeStart)
                    }
                    value = value << 4 | h
                    i += 1
                }
                guard let scalar = Unicode.Scalar(value) else {
                    throw Failure(message: "invalid Unicode code point in escape", offset: escapeStart)
                }
                append(scalar)
            case "0"..."3":
                guard let o2 = peek(), ("0"..."7").contains(o2), let o3 = peek(1), ("0"..."7").contains(o3) else {
                    throw Failure(message: "invalid octal escape", offset: escapeStart)
                }
                i += 2
                let value = (e.value - 48) << 6 | (o2.value - 48) << 3 | (o3.value - 48)
                if bytes { byteValues.append(UInt8(value)) } else { append(Unicode.Scalar(value)!) }
            default:
                throw Failure(message: "invalid escape sequence '\\\(e)'", offset: escapeStart)
            }
        }
        if bytes { return Token(kind: .bytes(byteValues), offset: start) }
        var string = ""
        string.unicodeScalars.append(contentsOf: scalars)
        return Token(kind: .string(string), offset: start)
    }
}
