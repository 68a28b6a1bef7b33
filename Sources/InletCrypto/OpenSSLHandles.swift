import COpenSSL

// Owners of OpenSSL handles. Each handle lives in exactly one final class that frees it in `deinit`;
// raw pointers never leave this module.

/// An algorithm object fetched once per process (`EVP_MAC_fetch`, `EVP_MD_fetch`, `EVP_CIPHER_fetch`).
///
/// Fetching is what OpenSSL 3's one-shot helpers do on every call (a lock and a hash lookup), so we fetch once
/// and keep the result for the life of the process; it is deliberately never freed.
/// `@unchecked Sendable`: fetched algorithm objects are immutable and documented as shareable between threads.
struct FetchedAlgorithm: @unchecked Sendable {
    let pointer: OpaquePointer

    static let hmac: FetchedAlgorithm? = EVP_MAC_fetch(nil, "HMAC", nil).map(FetchedAlgorithm.init)
    static let sha256: FetchedAlgorithm? = EVP_MD_fetch(nil, "SHA256", nil).map(FetchedAlgorithm.init)
    static let aes256gcm: FetchedAlgorithm? = EVP_CIPHER_fetch(nil, "AES-256-GCM", nil).map(FetchedAlgorithm.init)

    static func require(_ algorithm: FetchedAlgorithm?, _ name: String) throws -> OpaquePointer {
        guard let algorithm else {
            throw CryptoError.openSSL("fetch \(name)", reason: "OpenSSL has no \(name) implementation loaded; check the OpenSSL configuration and providers")
        }
        return algorithm.pointer
    }
}

/// Owns one `EVP_MAC_CTX`.
///
/// `@unchecked Sendable`: an `EVP_MAC_CTX` is not thread-safe, but it is only ever moved, never shared: `HMACKey`
/// keeps idle contexts behind its lock and hands each one to exactly one `HMACComputation` at a time.
final class MACContext: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { EVP_MAC_CTX_free(pointer) }
}

/// Owns one `EVP_MD_CTX` for the duration of one operation.
final class DigestContext {
    let pointer: OpaquePointer
    init() throws {
        guard let pointer = EVP_MD_CTX_new() else { throw CryptoError.openSSL("EVP_MD_CTX_new") }
        self.pointer = pointer
    }
    deinit { EVP_MD_CTX_free(pointer) }
}

/// Owns one `EVP_CIPHER_CTX` for the duration of one operation.
final class CipherContext {
    let pointer: OpaquePointer
    init() throws {
        guard let pointer = EVP_CIPHER_CTX_new() else { throw CryptoError.openSSL("EVP_CIPHER_CTX_new") }
        self.pointer = pointer
    }
    deinit { EVP_CIPHER_CTX_free(pointer) }
}

/// Owns one `EVP_PKEY`.
/// `@unchecked Sendable`: an `EVP_PKEY` is never mutated after creation here, and OpenSSL documents concurrent
/// read use of a key (each verification makes its own `EVP_MD_CTX`) as safe.
final class PublicKeyHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { EVP_PKEY_free(pointer) }
}
