/// W3C Trace Context `traceparent` (https://www.w3.org/TR/trace-context/#traceparent-header): the receiver keeps a
/// well-formed incoming value unchanged and otherwise starts a new trace, so every record carries one.
enum TraceParent {
    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// `value` when it is a valid version-00-compatible traceparent, otherwise a new one.
    static func continuing(_ value: String?) -> String {
        if let value, isValid(value) { return value }
        return make()
    }

    /// `00-<32 hex trace id>-<16 hex parent id>-01`, random and never all zero.
    static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = (generator.next() as UInt64) | 1
        let parent = (generator.next() as UInt64) | 1
        var bytes = [UInt8]()
        bytes.reserveCapacity(55)
        bytes += [UInt8(ascii: "0"), UInt8(ascii: "0"), UInt8(ascii: "-")]
        appendHex(high, to: &bytes)
        appendHex(low, to: &bytes)
        bytes.append(UInt8(ascii: "-"))
        appendHex(parent, to: &bytes)
        bytes += [UInt8(ascii: "-"), UInt8(ascii: "0"), UInt8(ascii: "1")]
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func appendHex(_ value: UInt64, to bytes: inout [UInt8]) {
        for shift in stride(from: 60, through: 0, by: -4) {
            bytes.append(hexDigits[Int((value >> UInt64(shift)) & 0xF)])
        }
    }

    /// Lower-case hex fields of the right lengths, version not `ff`, ids not all zero. Later versions may append
    /// fields after the flags (`-…`), which the spec says to accept.
    static func isValid(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard bytes.count == 55 || (bytes.count > 55 && bytes[55] == UInt8(ascii: "-")),
              bytes[2] == UInt8(ascii: "-"), bytes[35] == UInt8(ascii: "-"), bytes[52] == UInt8(ascii: "-")
        else { return false }
        func isHex(_ range: Range<Int>) -> Bool {
            bytes[range].allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) }
        }
        func isZero(_ range: Range<Int>) -> Bool { bytes[range].allSatisfy { $0 == UInt8(ascii: "0") } }
        guard isHex(0..<2), isHex(3..<35), isHex(36..<52), isHex(53..<55) else { return false }
        guard !(bytes[0] == UInt8(ascii: "f") && bytes[1] == UInt8(ascii: "f")) else { return false }
        if bytes[0] == UInt8(ascii: "0"), bytes[1] == UInt8(ascii: "0"), bytes.count != 55 { return false }
        return !isZero(3..<35) && !isZero(36..<52)
    }
}
