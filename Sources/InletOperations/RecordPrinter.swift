import InletCEL
import InletCore
import InletKafka
import InletStageRuntime

/// Renders records for people (`inlet tail`, `inlet dlq show`): a coordinates line, the CloudEvents attributes,
/// any other headers, then the payload — pretty JSON, text, or a hex summary for binary values.
public struct RecordPrinter: Sendable {
    /// Binary values show at most this many bytes in hex.
    public static let hexBytes = 64
    /// Text that is not JSON shows at most this many characters.
    public static let textCharacters = 4000

    public init() {}

    public func render(_ record: KafkaRecord) -> String {
        var lines: [String] = []
        var title = "── \(record.topic)[\(record.partition)] @\(record.offset)"
        if let timestamp = record.timestampMilliseconds { title += "  \(RFC3339Milliseconds.format(timestamp))" }
        if let key = record.key { title += "  key=\(Self.printable(key, limit: 120))" }
        lines.append(title)

        let headers = record.textHeaders
        let known = Set(RecordVariables.envelopeKeys.map(\.header))
        var first: [String: String] = [:]
        for (key, value) in headers where first[key] == nil { first[key] = value }
        let attributes = RecordVariables.envelopeKeys.compactMap { key, header in first[header].map { (key, $0) } }
        let others = headers.filter { !known.contains($0.key) }
        let width = (attributes.map(\.0.count) + others.map(\.key.count)).max() ?? 0
        func pad(_ text: String) -> String { text + String(repeating: " ", count: max(0, width - text.count)) }
        if !attributes.isEmpty {
            lines.append("  cloudevents:")
            lines += attributes.map { "    \(pad($0.0))  \($0.1)" }
        }
        if !others.isEmpty {
            lines.append("  headers:")
            lines += others.map { "    \(pad($0.key))  \($0.value)" }
        }
        lines.append("  payload (\(record.value.count) bytes):")
        lines += payload(record.value).split(separator: "\n", omittingEmptySubsequences: false).map { "    " + $0 }
        return lines.joined(separator: "\n")
    }

    /// Pretty JSON, else UTF-8 text, else a hex summary.
    func payload(_ value: [UInt8]) -> String {
        if value.isEmpty { return "(empty)" }
        if (try? CELValue(jsonUTF8: value)) != nil { return JSONIndenter.indent(value) }
        if let text = String(validatingUTF8: value), !text.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" && $0 != "\t" && $0 != "\r" }) {
            return text.count > Self.textCharacters ? String(text.prefix(Self.textCharacters)) + "… (\(text.count - Self.textCharacters) more characters)" : text
        }
        return Self.hexSummary(value)
    }

    /// `binary, 1234 bytes: 7b 22 69 …`, the first ``hexBytes`` bytes in rows of 16.
    static func hexSummary(_ value: [UInt8]) -> String {
        let shown = value.prefix(hexBytes)
        var rows = ["binary, \(value.count) bytes\(value.count > hexBytes ? " (first \(hexBytes) shown)" : ""):"]
        for start in stride(from: 0, to: shown.count, by: 16) {
            let row = shown.dropFirst(start).prefix(16)
            let hex = row.map { byte in
                let digits = String(byte, radix: 16)
                return digits.count == 1 ? "0" + digits : digits
            }.joined(separator: " ")
            let ascii = String(row.map { (0x20...0x7e).contains($0) ? Character(UnicodeScalar($0)) : "." })
            let offset = String(start, radix: 16)
            rows.append(String(repeating: "0", count: 4 - offset.count) + offset + "  " + hex.padding(toLength: 47) + "  " + ascii)
        }
        return rows.joined(separator: "\n")
    }

    /// Key bytes as text when printable, else hex.
    static func printable(_ bytes: [UInt8], limit: Int) -> String {
        if let text = String(validatingUTF8: bytes), !text.unicodeScalars.contains(where: { $0.value < 0x20 }) {
            return text.count > limit ? String(text.prefix(limit)) + "…" : text
        }
        return "0x" + bytes.prefix(limit / 2).map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }
}

extension String {
    /// UTF-8 text, or nil when `bytes` are not valid UTF-8.
    init?(validatingUTF8 bytes: [UInt8]) {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var scalars = String.UnicodeScalarView()
        loop: while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): scalars.append(scalar)
            case .emptyInput: break loop
            case .error: return nil
            }
        }
        self.init(scalars)
    }

    fileprivate func padding(toLength length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }
}
