#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Base16 (hex) encoding: lowercase out, either case in.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// Lowercase hex of `bytes`.
    public static func encode(_ bytes: some ContiguousBytes) -> String {
        bytes.withUnsafeBytes { input in
            guard input.count > 0 else { return "" }
            return digits.withUnsafeBufferPointer { digits in
                String(unsafeUninitializedCapacity: input.count * 2) { output in
                    for (i, byte) in input.enumerated() {
                        output[2 * i] = digits[Int(byte >> 4)]
                        output[2 * i + 1] = digits[Int(byte & 0x0F)]
                    }
                    return input.count * 2
                }
            }
        }
    }

    /// Decodes hex text (upper or lower case, no prefix, no separators, even length).
    /// - Throws: `CryptoError` with `.invalidEncoding` naming the first bad offset.
    public static func decode(_ string: String) throws -> [UInt8] {
        var string = string
        return try string.withUTF8 { try decode(raw: UnsafeRawBufferPointer($0)) }
    }

    /// Decodes hex given as ASCII bytes.
    public static func decode(ascii: some ContiguousBytes) throws -> [UInt8] {
        try ascii.withUnsafeBytes { try decode(raw: $0) }
    }

    private static func value(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c &- UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c &- UInt8(ascii: "a") &+ 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c &- UInt8(ascii: "A") &+ 10
        default: nil
        }
    }

    private static func decode(raw input: UnsafeRawBufferPointer) throws -> [UInt8] {
        guard input.count % 2 == 0 else {
            throw CryptoError(code: .invalidEncoding, reason: "hex input has odd length \(input.count)", operation: "hex decode")
        }
        var badOffset = -1
        let output = [UInt8](unsafeUninitializedCapacity: input.count / 2) { output, initialized in
            for i in 0..<(input.count / 2) {
                guard let high = value(input[2 * i]) else { badOffset = 2 * i; initialized = 0; return }
                guard let low = value(input[2 * i + 1]) else { badOffset = 2 * i + 1; initialized = 0; return }
                output[i] = high << 4 | low
            }
            initialized = input.count / 2
        }
        guard badOffset < 0 else {
            throw CryptoError(code: .invalidEncoding, reason: "invalid hex digit at offset \(badOffset)", operation: "hex decode")
        }
        return output
    }
}
