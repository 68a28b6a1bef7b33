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

    static func indexOf(_ s: String, _ sub: String, from offset: Int64?) throws(CELError) -> Int64 {
        if sub.isEmpty { return offset ?? 0 }
        let text = Array(s.unicodeScalars)
        let pattern = Array(sub.unicodeScalars)
        let start: Int
        if let offset {
            guard offset >= 0, offset < Int64(text.count) else { throw outOfRange(offset) }
            start = Int(offset)
        } else {
            start = 0
        }
        guard pattern.count <= text.count else { return -1 }
        var i = start
        while i <= text.count - pattern.count {
            if matches(text, pattern, at: i) { return Int64(i) }
            i += 1
        }
        return -1
    }

    static func lastIndexOf(_ s: String, _ sub: String, from offset: Int64?) throws(CELError) -> Int64 {
        let text = Array(s.unicodeScalars)
        if sub.isEmpty { return offset ?? Int64(text.count) }
        let pattern = Array(sub.unicodeScalars)
        var start: Int
        if let offset {
            guard offset >= 0, offset < Int64(text.count) else { throw outOfRange(offset) }
            start = Int(offset)
        } else {
            start = text.count - 1
        }
        guard pattern.count <= text.count else { return -1 }
        start = min(start, text.count - pattern.count)
        var i = start
        while i >= 0 {
            if matches(text, pattern, at: i) { return Int64(i) }
            i -= 1
        }
        return -1
    }

    @inline(__always)
    private static func matches(_ text: [Unicode.Scalar], _ pattern: [Unicode.Scalar], at i: Int) -> Bool {
        var j = 0
        while j < pattern.count {
            if text[i + j] != pattern[j] { return false }
            j += 1
        }
        return true
    }

    static func mapASCII(_ s: String, lower: Bool) -> String {
        let range: ClosedRange<UInt8> = lower ? 65...90 : 97...122
        var utf8 = Array(s.utf8)
        var changed = false
        for index in utf8.indices where range.contains(utf8[index]) {
            utf8[index] ^= 0x20
            changed = true
        }
        return changed ? String(decoding: utf8, as: UTF8.self) : s
    }

    /// Go's `strings.Replace`: `limit < 0` replaces every occurrence; an empty `old` matches before every code point
    /// and at the end.
    static func replace(_ s: String, _ old: String, _ new: String, limit: Int64) -> String {
        if limit == 0 || old == new { return s }
        var result = String.UnicodeScalarView()
        let text = Array(s.unicodeScalars)
        let pattern = Array(old.unicodeScalars)
        var done: Int64 = 0
        var i = 0
        if pattern.isEmpty {
            while limit < 0 || done < limit {
                result.append(contentsOf: new.unicodeScalars)
                done += 1
                guard i < text.count else { break }
                result.append(text[i])
                i += 1
            }
            result.append(contentsOf: text[i...])
            return String(result)
        }
        while i + pattern.count <= text.count, limit < 0 || done < limit {
            if matches(text, pattern, at: i) {
                result.append(contentsOf: new.unicodeScalars)
                i += pattern.count
                done += 1
            } else {
                result.append(text[i])
                i += 1
            }
        }
        if done == 0 { return s }
        result.append(contentsOf: text[i...])
        return String(result)
    }

    /// Go's `strings.SplitN`: `limit < 0` splits everywhere, `0` yields `[]`, `n > 0` at most `n` pieces; an empty
    /// separator splits between code points.
    static func split(_ s: String, _ separator: String, limit: Int64) -> [String] {
        if limit == 0 { return [] }
        let text = Array(s.unicodeScalars)
        let pattern = Array(separator.unicodeScalars)
        var pieces: [String] = []
        if pattern.isEmpty {
            var i = 0
            while i < text.count {
                if limit > 0, Int64(pieces.count) == limit - 1 {
                    pieces.append(string(text[i...]))
                    return pieces
                }
                pieces.append(String(text[i]))
                i += 1
            }
            return pieces
        }
        var start = 0
        var i = 0
        while i + pattern.count <= text.count {
            if limit > 0, Int64(pieces.count) == limit - 1 { break }
            if matches(text, pattern, at: i) {
                pieces.append(string(text[start..<i]))
                i += pattern.count
                start = i
            } else {
                i += 1
            }
        }
        pieces.append(string(text[start...]))
        return pieces
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

    private static func string(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars)
        return String(view)
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
