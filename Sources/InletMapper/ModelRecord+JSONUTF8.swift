import InletCore

extension ModelRecord {
    /// The record value the mapper produces: byte for byte ``ModelRecord/jsonText()`` (the format the persister and
    /// deliverer read), written straight into a byte array.
    ///
    /// `jsonText()` builds a `String` by appending and then had to be copied into bytes for the Kafka record; this
    /// writer appends UTF-8 directly, scans each string once for characters that need escaping, and formats
    /// integers without an intermediate `String` (it was about a tenth of the mapper's per-record CPU time).
    /// `ModelRecordJSONUTF8Tests` holds it to `jsonText()` on every golden case and on every escape.
    func jsonUTF8() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64 + values.count * 40)
        out.append(UInt8(ascii: "{"))
        for index in values.indices {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            JSONUTF8.appendString(values[index].name, to: &out)
            out.append(UInt8(ascii: ":"))
            switch values[index].value {
            case .null: JSONUTF8.append("null", to: &out)
            case .string(let text), .timestamp(let text): JSONUTF8.appendString(text, to: &out)
            case .int(let number): JSONUTF8.appendInteger(number, to: &out)
            // The rare case: the same text `jsonText()` writes (Swift's shortest round-trip form).
            case .double(let number): out.append(contentsOf: (number.isFinite ? "\(number)" : "null").utf8)
            case .bool(let flag): JSONUTF8.append(flag ? "true" : "false", to: &out)
            case .json(let text): out.append(contentsOf: text.utf8)
            case .stringList(let items):
                out.append(UInt8(ascii: "["))
                for itemIndex in items.indices {
                    if itemIndex > 0 { out.append(UInt8(ascii: ",")) }
                    JSONUTF8.appendString(items[itemIndex], to: &out)
                }
                out.append(UInt8(ascii: "]"))
            }
        }
        if deleted { JSONUTF8.append(values.isEmpty ? "\"_deleted\":true" : ",\"_deleted\":true", to: &out) }
        out.append(UInt8(ascii: "}"))
        return out
    }
}

/// JSON pieces appended as UTF-8 bytes, with exactly the escapes of InletCore's `JSONText.appendString`.
enum JSONUTF8 {
    @inline(__always)
    static func append(_ literal: StaticString, to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// Appends `text` as a JSON string literal: `"` and `\` escaped, `\n` `\r` `\t` by name, other control
    /// characters as `\u00xx` (lower-case hex), everything else as its UTF-8.
    static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            for index in bytes.indices {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<index]))
                start = index + 1
                switch byte {
                case UInt8(ascii: "\""): append("\\\"", to: &out)
                case UInt8(ascii: "\\"): append("\\\\", to: &out)
                case UInt8(ascii: "\n"): append("\\n", to: &out)
                case UInt8(ascii: "\r"): append("\\r", to: &out)
                case UInt8(ascii: "\t"): append("\\t", to: &out)
                default:
                    let hex: StaticString = "0123456789abcdef"
                    append("\\u00", to: &out)
                    out.append(hex.utf8Start[Int(byte >> 4)])
                    out.append(hex.utf8Start[Int(byte & 0x0F)])
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start...]))
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Appends the decimal form of `number` (as `String(number)` writes it).
    static func appendInteger(_ number: Int64, to out: inout [UInt8]) {
        if number < 0 { out.append(UInt8(ascii: "-")) }
        // The magnitude as UInt64 so that Int64.min does not overflow.
        var magnitude = number.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for the 20 digits of UInt64.max
        withUnsafeMutableBytes(of: &digits) { buffer in
            var position = buffer.count
            repeat {
                position -= 1
                buffer[position] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            out.append(contentsOf: buffer[position...])
        }
    }
}
