/// The encoders extension, with cel-go's `ext.Encoders()` semantics: `base64.encode(bytes) -> string` (standard
/// alphabet, padded) and `base64.decode(string) -> bytes`, which accepts padded and unpadded input.
extension CELLibrary {
    public static let encoders = CELLibrary(name: "encoders", overloads: [
        .global("base64.encode", id: "base64_encode_bytes", .bytes, result: .string) { value throws(CELError) in
            guard case .bytes(let bytes) = value else { throw CELError.noSuchOverload("base64.encode", value) }
            return .string(Base64.encode(bytes))
        },
        .global("base64.decode", id: "base64_decode_string", .string, result: .bytes) { value throws(CELError) in
            guard case .string(let text) = value else { throw CELError.noSuchOverload("base64.decode", value) }
            guard let bytes = Base64.decode(text) else {
                throw CELError(.evaluation, "base64.decode: input is not valid base64")
            }
            return .bytes(bytes)
        },
    ])
}

/// Decoding for the core's base64 encoder (standard alphabet).
extension Base64 {
    private static let reverse: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, byte) in alphabet.enumerated() { table[Int(byte)] = UInt8(index) }
        return table
    }()

    /// Decodes padded or unpadded base64 (as Go's StdEncoding, then RawStdEncoding); carriage returns and line feeds
    /// are ignored. Returns `nil` for anything else that is not base64, including a lone trailing symbol.
    static func decode(_ text: String) -> [UInt8]? {
        var symbols: [UInt8] = []
        symbols.reserveCapacity(text.utf8.count)
        var padding = 0
        for byte in text.utf8 {
            if byte == 13 || byte == 10 { continue }
            if byte == 61 {  // "="
                padding += 1
                continue
            }
            guard padding == 0 else { return nil }  // data after padding
            let value = reverse[Int(byte)]
            guard value != 0xFF else { return nil }
            symbols.append(value)
        }
        if padding > 0 {
            // Padded input must come in complete quanta with exactly the padding the data needs.
            guard (symbols.count + padding) % 4 == 0, padding <= 2, symbols.count % 4 != 0,
                  4 - symbols.count % 4 == padding
            else { return nil }
        }
        guard symbols.count % 4 != 1 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(symbols.count * 3 / 4)
        var i = 0
        while i + 4 <= symbols.count {
            let n = UInt32(symbols[i]) << 18 | UInt32(symbols[i + 1]) << 12 | UInt32(symbols[i + 2]) << 6
                | UInt32(symbols[i + 3])
            out.append(UInt8(n >> 16 & 0xFF))
            out.append(UInt8(n >> 8 & 0xFF))
            out.append(UInt8(n & 0xFF))
            i += 4
        }
        let rest = symbols.count - i
        if rest == 2 {
            let n = UInt32(symbols[i]) << 18 | UInt32(symbols[i + 1]) << 12
            out.append(UInt8(n >> 16 & 0xFF))
        } else if rest == 3 {
            let n = UInt32(symbols[i]) << 18 | UInt32(symbols[i + 1]) << 12 | UInt32(symbols[i + 2]) << 6
            out.append(UInt8(n >> 16 & 0xFF))
            out.append(UInt8(n >> 8 & 0xFF))
        }
        return out
    }
}
