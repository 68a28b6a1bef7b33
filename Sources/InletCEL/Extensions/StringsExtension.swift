/// The strings extension, with cel-go's `ext.Strings()` semantics (library version 3 and formatting v2).
///
/// Indices and lengths count Unicode code points, as CEL's `size()` does. Out-of-range indices are errors
/// (`index out of range: N`); arguments of other kinds fail with `no_such_overload`.
extension CELLibrary {
    public static let strings = CELLibrary(name: "strings", overloads: StringsExtension.overloads)
}

enum StringsExtension {
    static let overloads: [CELOverload] = [
        .member("charAt", id: "string_char_at_int", on: .string, .int, result: .string) { s, i throws(CELError) in
            .string(try charAt(s.asString, i.asInt))
        },
        .member("indexOf", id: "string_index_of_string", on: .string, .string, result: .int) { s, sub throws(CELError) in
            .int(try indexOf(s.asString, sub.asString, from: nil))
        },
        .member("indexOf", id: "string_index_of_string_int", on: .string, .string, .int, result: .int) {
            s, sub, offset throws(CELError) in
            .int(try indexOf(s.asString, sub.asString, from: offset.asInt))
        },
        .member("lastIndexOf", id: "string_last_index_of_string", on: .string, .string, result: .int) {
            s, sub throws(CELError) in
            .int(try lastIndexOf(s.asString, sub.asString, from: nil))
        },
        .member("lastIndexOf", id: "string_last_index_of_string_int", on: .string, .string, .int, result: .int) {
            s, sub, offset throws(CELError) in
            .int(try lastIndexOf(s.asString, sub.asString, from: offset.asInt))
        },
        .member("lowerAscii", id: "string_lower_ascii", on: .string, result: .string) { s throws(CELError) in
            .string(mapASCII(s.asString, lower: true))
        },
        .member("upperAscii", id: "string_upper_ascii", on: .string, result: .string) { s throws(CELError) in
            .string(mapASCII(s.asString, lower: false))
        },
        .member("replace", id: "string_replace_string_string", on: .string, .string, .string, result: .string) {
            s, old, new throws(CELError) in
            .string(replace(s.asString, old.asString, new.asString, limit: -1))
        },
        CELOverload(
            id: "string_replace_string_string_int", function: "replace", isMember: true,
            parameters: [.string, .string, .string, .int], result: .string,
            implementation: .nary { args throws(CELError) in
                .string(replace(args[0].asString, args[1].asString, args[2].asString, limit: args[3].asInt))
            }
        ),
        .member("split", id: "string_split_string", on: .string, .string, result: .list(.string)) {
            s, separator throws(CELError) in
            .list(split(s.asString, separator.asString, limit: -1).map(CELValue.string))
        },
        .member("split", id: "string_split_string_int", on: .string, .string, .int, result: .list(.string)) {
            s, separator, limit throws(CELError) in
            .list(split(s.asString, separator.asString, limit: limit.asInt).map(CELValue.string))
        },
        .member("substring", id: "string_substring_int", on: .string, .int, result: .string) {
            s, start throws(CELError) in
            .string(try substring(s.asString, start.asInt, nil))
        },
        .member("substring", id: "string_substring_int_int", on: .string, .int, .int, result: .string) {
            s, start, end throws(CELError) in
            .string(try substring(s.asString, start.asInt, end.asInt))
        },
        .member("trim", id: "string_trim", on: .string, result: .string) { s throws(CELError) in
            .string(trim(s.asString))
        },
        .member("join", id: "list_join", on: .list(.string), result: .string) { list throws(CELError) in
            .string(try join(list, separator: ""))
        },
        .member("join", id: "list_join_string", on: .list(.string), .string, result: .string) {
            list, separator throws(CELError) in
            .string(try join(list, separator: separator.asString))
        },
        .global("strings.quote", id: "strings_quote", .string, result: .string) { s throws(CELError) in
            .string(quote(s.asString))
        },
        .member("format", id: "string_format", on: .string, .list(.dyn), result: .string) {
            s, args throws(CELError) in
            guard case .list(let list) = args else { throw CELError.noSuchOverload("format", s, args) }
            return .string(try StringFormatter.format(s.asString, list))
        },
        .member("reverse", id: "string_reverse", on: .string, result: .string) { s throws(CELError) in
            var scalars = String.UnicodeScalarView()
            scalars.append(contentsOf: s.asString.unicodeScalars.reversed())
            return .string(String(scalars))
        },
    ]

    // MARK: Implementations (code-point indexed)

    static func charAt(_ s: String, _ index: Int64) throws(CELError) -> String {
        let scalars = s.unicodeScalars
        guard index >= 0 else { throw outOfRange(index) }
        var position = scalars.startIndex
        var remaining = index
        while remaining > 0, position != scalars.endIndex {
            scalars.formIndex(after: &position)
            remaining -= 1
        }
        guard remaining == 0 else { throw outOfRange(index) }
        return position == scalars.endIndex ? "" : String(scalars[position])
    }

    /// An offset must lie in `0...size` (`size` itself finds nothing, or the empty string), as in cel-cpp; cel-go
    /// also rejects `size` for a non-empty search string.
    static func indexOf(_ s: String, _ sub: String, from offset: Int64?) throws(CELError) -> Int64 {
        try UTF8Text.with(s) { text throws(CELError) in
            var startByte = 0
            if let offset {
                guard offset >= 0, let byte = UTF8Text.byteOffset(ofScalar: offset, in: text) else {
                    throw outOfRange(offset)
                }
                startByte = byte
            }
            if sub.isEmpty { return offset ?? 0 }
            return UTF8Text.with(sub) { pattern in
                guard let found = UTF8Text.firstIndex(of: pattern, in: text, from: startByte) else { return -1 }
                return Int64(UTF8Text.scalarCount(text, upTo: found))
            }
        }
    }

    static func lastIndexOf(_ s: String, _ sub: String, from offset: Int64?) throws(CELError) -> Int64 {
        try UTF8Text.with(s) { text throws(CELError) in
            var lastStart = text.count
            if let offset {
                guard offset >= 0, let byte = UTF8Text.byteOffset(ofScalar: offset, in: text) else {
                    throw outOfRange(offset)
                }
                lastStart = byte
            }
            if sub.isEmpty { return offset ?? Int64(UTF8Text.scalarCount(text, upTo: text.count)) }
            return UTF8Text.with(sub) { pattern in
                guard let found = UTF8Text.lastIndex(of: pattern, in: text, startingAtOrBefore: lastStart) else {
                    return -1
                }
                return Int64(UTF8Text.scalarCount(text, upTo: found))
            }
        }
    }

    static func mapASCII(_ s: String, lower: Bool) -> String {
        let range: ClosedRange<UInt8> = lower ? 65...90 : 97...122
        guard s.utf8.contains(where: { range.contains($0) }) else { return s }
        return UTF8Text.with(s) { text in
            String(unsafeUninitializedCapacity: text.count) { buffer in
                for (index, byte) in text.enumerated() { buffer[index] = range.contains(byte) ? byte ^ 0x20 : byte }
                return text.count
            }
        }
    }

    /// Go's `strings.Replace`: `limit < 0` replaces every occurrence; an empty `old` matches before every code point
    /// and at the end. A non-empty pattern is matched on UTF-8 bytes, which finds exactly the code-point matches.
    static func replace(_ s: String, _ old: String, _ new: String, limit: Int64) -> String {
        if limit == 0 || old == new { return s }
        if old.isEmpty {
            var result = String.UnicodeScalarView()
            var done: Int64 = 0
            var scalars = s.unicodeScalars.makeIterator()
            var pending = scalars.next()
            while limit < 0 || done < limit {
                result.append(contentsOf: new.unicodeScalars)
                done += 1
                guard let scalar = pending else { break }
                result.append(scalar)
                pending = scalars.next()
            }
            while let scalar = pending {
                result.append(scalar)
                pending = scalars.next()
            }
            return String(result)
        }
        return UTF8Text.with(s) { text in
            UTF8Text.with(old) { pattern in
                guard var match = UTF8Text.firstIndex(of: pattern, in: text, from: 0) else { return s }
                var output: [UInt8] = []
                output.reserveCapacity(text.count + max(0, new.utf8.count - pattern.count) * 4)
                var copied = 0
                var done: Int64 = 0
                while true {
                    output.append(contentsOf: text[copied..<match])
                    output.append(contentsOf: new.utf8)
                    copied = match + pattern.count
                    done += 1
                    guard limit < 0 || done < limit,
                          let next = UTF8Text.firstIndex(of: pattern, in: text, from: copied)
                    else { break }
                    match = next
                }
                output.append(contentsOf: text[copied...])
                return String(decoding: output, as: UTF8.self)
            }
        }
    }

    /// Go's `strings.SplitN`: `limit < 0` splits everywhere, `0` yields `[]`, `n > 0` at most `n` pieces; an empty
    /// separator splits between code points.
    static func split(_ s: String, _ separator: String, limit: Int64) -> [String] {
        if limit == 0 { return [] }
        if separator.isEmpty {
            var pieces: [String] = []
            let scalars = s.unicodeScalars
            var index = scalars.startIndex
            while index != scalars.endIndex {
                if limit > 0, Int64(pieces.count) == limit - 1 {
                    pieces.append(String(scalars[index...]))
                    return pieces
                }
                pieces.append(String(scalars[index]))
                scalars.formIndex(after: &index)
            }
            return pieces
        }
        return UTF8Text.with(s) { text in
            UTF8Text.with(separator) { pattern in
                var pieces: [String] = []
                var start = 0
                while limit < 0 || Int64(pieces.count) < limit - 1,
                      let match = UTF8Text.firstIndex(of: pattern, in: text, from: start) {
                    pieces.append(String(decoding: text[start..<match], as: UTF8.self))
                    start = match + pattern.count
                }
                pieces.append(String(decoding: text[start...], as: UTF8.self))
                return pieces
            }
        }
    }

    static func substring(_ s: String, _ start: Int64, _ end: Int64?) throws(CELError) -> String {
        // ASCII fast path: code points are bytes.
        let utf8 = s.utf8
        let count: Int
        let isASCII = utf8.allSatisfy { $0 < 0x80 }
        count = isASCII ? utf8.count : s.unicodeScalars.count
        if let end, start > end {
            throw CELError(.evaluation, "invalid substring range. start: \(start), end: \(end)")
        }
        guard start >= 0, start <= Int64(count) else { throw outOfRange(start) }
        let stop = end ?? Int64(count)
        guard stop >= 0, stop <= Int64(count) else { throw outOfRange(stop) }
        if isASCII {
            let from = utf8.index(utf8.startIndex, offsetBy: Int(start))
            let to = utf8.index(utf8.startIndex, offsetBy: Int(stop))
            return String(s[from..<to])
        }
        let scalars = s.unicodeScalars
        let from = scalars.index(scalars.startIndex, offsetBy: Int(start))
        let to = scalars.index(from, offsetBy: Int(stop - start))
        return String(scalars[from..<to])
    }

    /// Go's `unicode.IsSpace`: ASCII white space, U+0085, U+00A0 and the Unicode space separators (Zs, Zl, Zp).
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000: true
        default: false
        }
    }

    static func trim(_ s: String) -> String {
        let scalars = s.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = scalars.lastIndex(where: { !isSpace($0) })!
        if first == scalars.startIndex, scalars.index(after: last) == scalars.endIndex { return s }
        return String(scalars[first...last])
    }

    static func join(_ list: CELValue, separator: String) throws(CELError) -> String {
        guard case .list(let elements) = list else { throw CELError.noSuchOverload("join", list) }
        var result = ""
        for (index, element) in elements.enumerated() {
            guard case .string(let s) = element else {
                throw CELError(.evaluation, "join: list element \(index) is \(element.typeName), not string")
            }
            if index > 0 { result += separator }
            result += s
        }
        return result
    }

    /// Wraps in double quotes and escapes `\a \b \f \n \r \t \v \\ "`.
    static func quote(_ s: String) -> String {
        var result = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\u{07}": result += "\\a"
            case "\u{08}": result += "\\b"
            case "\u{0C}": result += "\\f"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\u{0B}": result += "\\v"
            case "\\": result += "\\\\"
            case "\"": result += "\\\""
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    static func outOfRange(_ index: Int64) -> CELError {
        CELError(.notFound, "index out of range: \(index)")
    }
}

/// Byte-level helpers over a string's UTF-8: searching valid UTF-8 for a valid UTF-8 pattern finds exactly the
/// code-point matches, without decoding.
enum UTF8Text {
    /// Calls `body` with the string's contiguous UTF-8 (native strings need no copy).
    @inline(__always)
    static func with<R, E: Error>(_ s: String, _ body: (UnsafeBufferPointer<UInt8>) throws(E) -> R) throws(E) -> R {
        var copy = s
        return try copy.withUTF8 { buffer in Result { () throws(E) -> R in try body(buffer) } }.get()
    }

    /// The byte offset of code point `index`, or `nil` past the end (the end itself is `count`).
    static func byteOffset(ofScalar index: Int64, in text: UnsafeBufferPointer<UInt8>) -> Int? {
        var remaining = index
        var byte = 0
        while remaining > 0 {
            guard byte < text.count else { return nil }
            byte += 1
            while byte < text.count, text[byte] & 0xC0 == 0x80 { byte += 1 }
            remaining -= 1
        }
        return byte <= text.count ? byte : nil
    }

    /// The number of code points in `text[0..<end]`.
    static func scalarCount(_ text: UnsafeBufferPointer<UInt8>, upTo end: Int) -> Int {
        var count = 0
        for index in 0..<end where text[index] & 0xC0 != 0x80 { count += 1 }
        return count
    }

    static func firstIndex(of pattern: UnsafeBufferPointer<UInt8>, in text: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard !pattern.isEmpty, pattern.count <= text.count else { return pattern.isEmpty ? start : nil }
        let first = pattern[0]
        var i = start
        let last = text.count - pattern.count
        while i <= last {
            if text[i] == first, matches(pattern, in: text, at: i) { return i }
            i += 1
        }
        return nil
    }

    static func lastIndex(
        of pattern: UnsafeBufferPointer<UInt8>, in text: UnsafeBufferPointer<UInt8>, startingAtOrBefore start: Int
    ) -> Int? {
        var i = min(start, text.count - pattern.count)
        while i >= 0 {
            if matches(pattern, in: text, at: i) { return i }
            i -= 1
        }
        return nil
    }

    @inline(__always)
    private static func matches(_ pattern: UnsafeBufferPointer<UInt8>, in text: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        var j = 0
        while j < pattern.count {
            if text[i + j] != pattern[j] { return false }
            j += 1
        }
        return true
    }
}

extension CELValue {
    /// The payload of a `.string`; dispatch guarantees the kind, so other kinds yield `""`.
    @inline(__always)
    var asString: String {
        if case .string(let s) = self { return s }
        return ""
    }

    /// The payload of an `.int`; dispatch guarantees the kind, so other kinds yield 0.
    @inline(__always)
    var asInt: Int64 {
        if case .int(let i) = self { return i }
        return 0
    }
}
