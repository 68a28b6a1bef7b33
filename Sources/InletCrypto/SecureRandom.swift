import COpenSSL

/// Cryptographically secure random bytes from OpenSSL's DRBG (`RAND_bytes`).
public enum SecureRandom {
    /// `count` random bytes.
    /// - Throws: `CryptoError` with `.openSSLFailure` if the generator is not seeded (should not happen on Linux).
    public static func bytes(count: Int) throws -> [UInt8] {
        precondition(count >= 0, "count must not be negative")
        var ok: Int32 = 1
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 { ok = RAND_bytes(buffer.baseAddress, Int32(count)) }
            initialized = ok == 1 ? count : 0
        }
        guard ok == 1 else { throw CryptoError.openSSL("RAND_bytes", reason: "the random generator failed; the system entropy source may be unavailable") }
        return bytes
    }

    /// Fills `buffer` with random bytes.
    public static func fill(_ buffer: UnsafeMutableRawBufferPointer) throws {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        guard RAND_bytes(base.assumingMemoryBound(to: UInt8.self), Int32(buffer.count)) == 1 else {
            throw CryptoError.openSSL("RAND_bytes", reason: "the random generator failed; the system entropy source may be unavailable")
        }
    }
}
