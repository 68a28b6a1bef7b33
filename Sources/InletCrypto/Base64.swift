#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Base64 (RFC 4648 §4) and base64url (§5) in pure Swift, with strict decoding.
///
/// Decoding rejects, with `CryptoError.Code.invalidEncoding` and the offending offset: characters outside the
/// alphabet (including whitespace and line breaks), misplaced or excess `=`, a length no encoder can produce, and
/// non-zero bits in the last character (so every byte string has exactly one accepted encoding per padding style).
public enum Base64 {
    /// Which 64-character alphabet to use.
    public enum Alphabet: Sendable, Hashable {
        /// `A–Z a–z 0–9 + /` (RFC 4648 §4).
        case standard
        /// `A–Z a–z 0–9 - _` (RFC 4648 §5), used in URLs and JWTs.
        case url
    }

    /// What decoding accepts about trailing `=`.
    public enum Padding: Sendable, Hashable {
        /// Padded or unpadded input; padding, when present, must be exactly right.
        case optional
        /// Input must be padded to a multiple of 4 characters.
        case required
        /// Input must carry no `=`.
        case forbidden
    }

    /// Encodes `bytes`. `padded` defaults to `true` for `.standard` and `false` for `.url`.
    public static func encode(_ bytes: some ContiguousBytes, alphabet: Alphabet = .standard, padded: Bool? = nil) -> String {
        bytes.withUnsafeBytes { encode(raw: $0, alphabet: alphabet, padded: padded ?? (alphabet == .standard)) }
    }

    /// Decodes the UTF-8 text `string`.
    public static func decode(_ string: String, alphabet: Alphabet = .standard, padding: Padding = .optional) throws -> [UInt8] {
        var string = string
        return try string.withUTF8 { try decode(raw: UnsafeRawBufferPointer($0), alphabet: alphabet, padding: padding) }
    }

    /// Decodes base64 text given as ASCII bytes (e.g. a header value that is not yet a `String`).
    public static func decode(ascii: some ContiguousBytes, alphabet: Alphabet = .standard, padding: Padding = .optional) throws -> [UInt8] {
        try ascii.withUnsafeBytes { try decode(raw: $0, alphabet: alphabet, padding: padding) }
    }

    // MARK: Implementation

    private static let standardCharacters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let urlCharacters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    private static let invalid: UInt8 = 0xFF
    private static let standardValues = makeDecodeTable(standardCharacters)
    private static let urlValues = makeDecodeTable(urlCharacters)

    private static func makeDecodeTable(_ characters: [UInt8]) -> [UInt8] {
        var table = [UInt8](repeating: invalid, count: 256)
        for (value, character) in characters.enumerated() { table[Int(character)] = UInt8(value) }
        return table
    }

    private static func encode(raw input: UnsafeRawBufferPointer, alphabet: Alphabet, padded: Bool) -> String {
        let fullGroups = input.count / 3
        let remainder = input.count % 3
        let outputCount = fullGroups * 4 + (remainder == 0 ? 0 : (padded ? 4 : remainder + 1))
        guard outputCount > 0 else { return "" }
        let characters = alphabet == .standard ? standardCharacters : urlCharacters
        return characters.withUnsafeBufferPointer { table in
            String(unsafeUninitializedCapacity: outputCount) { output in
                var i = 0
                var o = 0
                for _ in 0..<fullGroups {
                    let b0 = Int(input[i]), b1 = Int(input[i + 1]), b2 = Int(input[i + 2])
                    output[o] = table[b0 >> 2]
                    output[o + 1] = table[((b0 & 0x03) << 4) | (b1 >> 4)]
                    output[o + 2] = table[((b1 & 0x0F) << 2) | (b2 >> 6)]
                    output[o + 3] = table[b2 & 0x3F]
                    i += 3
                    o += 4
                }
                if remainder > 0 {
                    let b0 = Int(input[i])
                    let b1 = remainder == 2 ? Int(input[i + 1]) : 0
                    output[o] = table[b0 >> 2]
                    output[o + 1] = table[((b0 & 0x03) << 4) | (b1 >> 4)]
                    o += 2
                    if remainder == 2 {
                        output[o] = table[(b1 & 0x0F) << 2]
                        o += 1
                    }
                    if padded {
                        while o % 4 != 0 {
                            output[o] = UInt8(ascii: "=")
                            o += 1
                        }
                    }
                }
                return o
            }
        }
    }

    private static func failure(_ reason: String) -> CryptoError {
        CryptoError(code: .invalidEncoding, reason: reason, operation: "base64 decode")
    }

    private static func decode(raw input: UnsafeRawBufferPointer, alphabet: Alphabet, padding: Padding) throws -> [UInt8] {
        var dataCount = input.count
        while dataCount > 0, input[dataCount - 1] == UInt8(ascii: "="), input.count - dataCount < 2 { dataCount -= 1 }
        let padCount = input.count - dataCount
        let remainder = dataCount % 4
        if padCount > 0 {
            guard padding != .forbidden else { throw failure("padding '=' found at offset \(dataCount) but this input must be unpadded") }
            guard input.count % 4 == 0, remainder + padCount == 4 else {
                throw failure("wrong amount of '=' padding for \(input.count) characters")
            }
        } else {
            guard remainder != 1 else { throw failure("length \(input.count) is not a possible base64 length") }
            guard padding != .required || remainder == 0 else { throw failure("input of \(input.count) characters must be padded with '=' to a multiple of 4") }
        }
        let outputCount = dataCount / 4 * 3 + (remainder == 0 ? 0 : remainder - 1)
        let values = alphabet == .standard ? standardValues : urlValues
        var badOffset = -1
        let output = values.withUnsafeBufferPointer { table in
            [UInt8](unsafeUninitializedCapacity: outputCount) { output, initialized in
                var i = 0
                var o = 0
                let fullEnd = dataCount - remainder
                while i < fullEnd {
                    let v0 = table[Int(input[i])], v1 = table[Int(input[i + 1])]
                    let v2 = table[Int(input[i + 2])], v3 = table[Int(input[i + 3])]
                    // Valid values are < 64, so any invalid character (0xFF) sets a high bit.
                    if (v0 | v1 | v2 | v3) & 0xC0 != 0 {
                        badOffset = i + [v0, v1, v2, v3].firstIndex(of: invalid)!
                        initialized = 0
                        return
                    }
                    output[o] = (v0 << 2) | (v1 >> 4)
                    output[o + 1] = (v1 << 4) | (v2 >> 2)
                    output[o + 2] = (v2 << 6) | v3
                    i += 4
                    o += 3
                }
                if remainder > 0 {
                    var tail: [UInt8] = []
                    for k in 0..<remainder {
                        let v = table[Int(input[i + k])]
                        if v == invalid {
                            badOffset = i + k
                            initialized = 0
                            return
                        }
                        tail.append(v)
                    }
                    output[o] = (tail[0] << 2) | (tail[1] >> 4)
                    o += 1
                    if remainder == 3 {
                        output[o] = (tail[1] << 4) | (tail[2] >> 2)
                        o += 1
                    }
                    // The unused low bits of the last character must be zero (canonical encoding).
                    let unusedMask: UInt8 = remainder == 2 ? 0x0F : 0x03
                    if tail[remainder - 1] & unusedMask != 0 {
                        badOffset = -2
                        initialized = 0
                        return
                    }
                }
                initialized = o
            }
        }
        if badOffset >= 0 { throw failure("invalid character at offset \(badOffset) for the \(alphabet) alphabet") }
        if badOffset == -2 { throw failure("non-zero trailing bits in the last character (not a canonical encoding)") }
        return output
    }
}
