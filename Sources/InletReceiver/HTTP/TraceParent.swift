import InletCrypto

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
    ///
    /// The 24 random bytes come from OpenSSL's generator in one call (user space, no system call) and the string is
    /// built in place: this runs for every webhook that arrives without a traceparent, and three
    /// `SystemRandomNumberGenerator` draws were three `getrandom` system calls.
    static func make() -> String {
        var random: (UInt64, UInt64, UInt64) = (0, 0, 0)
        withUnsafeMutableBytes(of: &random) { bytes in
            do {
                try SecureRandom.fill(bytes)
            } catch {
                // OpenSSL's generator failed (not expected once seeded); the standard library's is always there.
                var generator = SystemRandomNumberGenerator()
                for index in bytes.indices { bytes[index] = generator.next() }
            }
        }
        let (high, low, parent) = (random.0, random.1 | 1, random.2 | 1)
        return String(unsafeUninitializedCapacity: 55) { buffer in
            buffer[0] = UInt8(ascii: "0")
            buffer[1] = UInt8(ascii: "0")
            buffer[2] = UInt8(ascii: "-")
            writeHex(high, into: buffer, at: 3)
            writeHex(low, into: buffer, at: 19)
            buffer[35] = UInt8(ascii: "-")
            writeHex(parent, into: buffer, at: 36)
            buffer[52] = UInt8(ascii: "-")
            buffer[53] = UInt8(ascii: "0")
            buffer[54] = UInt8(ascii: "1")
            return 55
        }
    }

    /// The 16 lower-case hex digits of `value` at `buffer[start..<start + 16]`.
    private static func writeHex(_ value: UInt64, into buffer: UnsafeMutableBufferPointer<UInt8>, at start: Int) {
        for digit in 0..<16 {
            buffer[start + digit] = hexDigits[Int((value >> UInt64(60 - 4 * digit)) & 0xF)]
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
