/// FNV-1a 128: the hash behind ``ValueSource/digest(prefix:of:)``, stable across processes, platforms and Swift
/// versions (unlike `Hasher`), and free of any crypto library (InletCore has none).
///
/// Why not a cryptographic hash: derived delivery IDs are computed only from deliveries whose signature was already
/// verified, so only the provider chooses their inputs, and they are deduplication keys, not security tokens. What
/// matters is that distinct events practically never share an ID (128 bits: ~10⁻¹⁹ for a billion IDs) and that
/// retries always do (the same parts give the same hash).
public enum StableDigest {
    static let offsetBasis: UInt128 = 0x6c62272e_07bb0142_62b82175_6295c58d
    static let prime: UInt128 = 0x00000000_01000000_00000000_0000013b

    /// FNV-1a 128 of `bytes`, as 32 lower-case hex digits.
    public static func fnv1a128(_ bytes: some Sequence<UInt8>) -> String {
        var hash = offsetBasis
        for byte in bytes {
            hash ^= UInt128(byte)
            hash &*= prime
        }
        return hex(hash)
    }

    /// The digest of several values: each present value is fed as `0x01`, its UTF-8 length (8 bytes, little
    /// endian) and its bytes, each absent one as `0x00`, so neither shifting bytes between parts nor dropping a part
    /// keeps the digest.
    public static func fnv1a128(parts: [String?]) -> String {
        var framed: [UInt8] = []
        for part in parts {
            guard let part else {
                framed.append(0)
                continue
            }
            framed.append(1)
            withUnsafeBytes(of: UInt64(part.utf8.count).littleEndian) { framed.append(contentsOf: $0) }
            framed.append(contentsOf: part.utf8)
        }
        return fnv1a128(framed)
    }

    private static func hex(_ value: UInt128) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 32 - digits.count) + digits
    }
}
