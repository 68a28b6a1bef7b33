/// A ``ValueSource`` prepared for per-request use: body paths replaced by their index in the list of paths one scan
/// finds, so resolving a source is a few array reads and no string work beyond the value itself.
indirect enum CompiledValueSource: Sendable {
    case header(String)
    case body(slot: Int)
    case constant(String)
    case firstPresent([CompiledValueSource])
    case digest(prefix: String, [CompiledValueSource])
    case time(CompiledValueSource, ValueSource.TimeFormat)

    /// - Parameter paths: the body paths of every source being compiled together (``ValueSource/bodyPaths``, merged);
    ///   must contain every path `source` reads.
    init(_ source: ValueSource, paths: [[String]]) {
        func slot(_ path: [String]) -> Int {
            guard let index = paths.firstIndex(of: path) else { preconditionFailure("body path \(path) was not collected") }
            return index
        }
        switch source {
        case .header(let name): self = .header(name)
        case .bodyField(let key): self = .body(slot: slot([key]))
        case .bodyPath(let path): self = .body(slot: slot(path))
        case .constant(let value): self = .constant(value)
        case .firstPresent(let sources): self = .firstPresent(sources.map { CompiledValueSource($0, paths: paths) })
        case .digest(let prefix, let sources): self = .digest(prefix: prefix, sources.map { CompiledValueSource($0, paths: paths) })
        case .time(let source, let format): self = .time(CompiledValueSource(source, paths: paths), format)
        }
    }

    /// The value, or nil when the source yields nothing (absent, empty, not a string or number, unparseable time).
    func value(header: (String) -> String?, body: [JSONScalar?]) -> String? {
        switch self {
        case .header(let name):
            return header(name).flatMap { $0.isEmpty ? nil : $0 }
        case .body(let slot):
            return body[slot].flatMap { $0.text.isEmpty ? nil : $0.text }
        case .constant(let value):
            return value
        case .firstPresent(let sources):
            for source in sources {
                if let value = source.value(header: header, body: body) { return value }
            }
            return nil
        case .digest(let prefix, let sources):
            let parts = sources.map { $0.value(header: header, body: body) }
            guard parts.contains(where: { $0 != nil }) else { return nil }
            return prefix + StableDigest.fnv1a128(parts: parts)
        case .time(let source, let format):
            return source.value(header: header, body: body).flatMap { ProviderTime.rfc3339(from: $0, format: format) }
        }
    }
}

/// Turns the times providers send into the RFC 3339 UTC text `ce_time` carries.
enum ProviderTime {
    /// Latest accepted time, 9999-12-31T23:59:59Z: beyond it RFC 3339 has no four-digit year.
    static let latestSeconds = 253_402_300_799

    static func rfc3339(from text: String, format: ValueSource.TimeFormat) -> String? {
        switch format {
        case .rfc3339: normalisedRFC3339(text)
        case .unixSeconds: fromUnix(text, fractionDigitsPerSecond: nil)
        case .unixMilliseconds: fromUnix(text, fractionDigitsPerSecond: 3)
        }
    }

    /// `seconds[.fraction]`, or an integral count of milliseconds when `fractionDigitsPerSecond` is 3.
    private static func fromUnix(_ text: String, fractionDigitsPerSecond: Int?) -> String? {
        let parts = text.utf8.split(separator: UInt8(ascii: "."), maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        guard !whole.isEmpty, whole.count <= 16, whole.allSatisfy(isDigit) else { return nil }
        var fraction = parts.count > 1 ? Array(parts[1]) : []
        if parts.count > 1, fraction.isEmpty || !fraction.allSatisfy(isDigit) { return nil }
        var integer = whole.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        var milliseconds: Int
        if fractionDigitsPerSecond != nil {
            guard fraction.isEmpty else { return nil }
            milliseconds = integer % 1000
            integer /= 1000
        } else {
            fraction = Array((fraction + [UInt8](repeating: UInt8(ascii: "0"), count: 3)).prefix(3))
            milliseconds = fraction.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        }
        guard integer <= latestSeconds else { return nil }
        return RFC3339.format(seconds: integer, milliseconds: milliseconds)
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` with fields in range; lower-case `t`/`z` are upper-cased and a
    /// missing offset becomes `Z`.
    static func normalisedRFC3339(_ text: String) -> String? {
        var bytes = Array(text.utf8)
        func number(_ range: Range<Int>, within valid: ClosedRange<Int>) -> Bool {
            guard range.upperBound <= bytes.count, bytes[range].allSatisfy(isDigit) else { return false }
            return valid.contains(bytes[range].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) })
        }
        func at(_ index: Int, _ expected: Character) -> Bool { index < bytes.count && bytes[index] == expected.asciiValue! }
        guard number(0..<4, within: 0...9999), at(4, "-"), number(5..<7, within: 1...12), at(7, "-"),
              number(8..<10, within: 1...31), number(11..<13, within: 0...23), at(13, ":"),
              number(14..<16, within: 0...59), at(16, ":"), number(17..<19, within: 0...60)
        else { return nil }
        switch bytes[10] {
        case UInt8(ascii: "T"): break
        case UInt8(ascii: "t"): bytes[10] = UInt8(ascii: "T")
        default: return nil
        }
        var index = 19
        if at(index, ".") {
            index += 1
            let start = index
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
            guard (1...9).contains(index - start) else { return nil }
        }
        if index == bytes.count {
            bytes.append(UInt8(ascii: "Z"))
        } else if at(index, "Z") || at(index, "z") {
            guard index + 1 == bytes.count else { return nil }
            bytes[index] = UInt8(ascii: "Z")
        } else if at(index, "+") || at(index, "-") {
            guard index + 6 == bytes.count, number(index + 1..<index + 3, within: 0...23), at(index + 3, ":"),
                  number(index + 4..<index + 6, within: 0...59) else { return nil }
        } else {
            return nil
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
}
