import COpenSSL
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

// Owners of the OpenSSL handles that signing keys need (beside those in OpenSSLHandles.swift). Raw pointers never
// leave this module.

/// Owns one `EVP_PKEY` that holds a private key.
///
/// `@unchecked Sendable`: the key is never mutated after creation, and OpenSSL documents concurrent read use of a
/// key as safe as long as each operation makes its own `EVP_MD_CTX` (every signer here does). `EVP_PKEY_free`
/// cleanses the private scalar before releasing it.
final class PrivateKeyHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { EVP_PKEY_free(pointer) }
}

/// Owns one `EVP_PKEY_CTX` for the duration of one key generation.
final class KeyGenerationContext {
    let pointer: OpaquePointer

    /// A context for generating keys of `algorithm` (`"EC"`, `"ED25519"`, …), initialised for key generation.
    init(algorithm: String) throws {
        guard let pointer = EVP_PKEY_CTX_new_from_name(nil, algorithm, nil) else {
            throw CryptoError.openSSL("EVP_PKEY_CTX_new_from_name(\(algorithm))",
                                      reason: "OpenSSL has no \(algorithm) key generator loaded; check the OpenSSL providers")
        }
        self.pointer = pointer
        guard EVP_PKEY_keygen_init(pointer) == 1 else { throw CryptoError.openSSL("EVP_PKEY_keygen_init(\(algorithm))") }
    }

    deinit { EVP_PKEY_CTX_free(pointer) }

    /// Generates one key with the parameters set so far.
    func generate() throws -> PrivateKeyHandle {
        var key: OpaquePointer?
        guard EVP_PKEY_generate(pointer, &key) == 1, let key else { throw CryptoError.openSSL("EVP_PKEY_generate") }
        return PrivateKeyHandle(key)
    }
}

/// Signs `message` with `key` in one shot (`EVP_DigestSign`), hashing with `digest` (nil for Ed25519, which hashes
/// internally). Returns the signature in the algorithm's own encoding (DER for ECDSA, 64 raw bytes for Ed25519).
func digestSign(_ message: some ContiguousBytes, key: PrivateKeyHandle, digest: OpaquePointer?, operation: String) throws -> [UInt8] {
    let context = try DigestContext()
    guard EVP_DigestSignInit(context.pointer, nil, digest, nil, key.pointer) == 1 else {
        throw CryptoError.openSSL("EVP_DigestSignInit(\(operation))")
    }
    return try message.withUnsafeBytes { message in
        let bytes = message.baseAddress?.assumingMemoryBound(to: UInt8.self)
        var capacity = 0
        guard EVP_DigestSign(context.pointer, nil, &capacity, bytes, message.count) == 1, capacity > 0 else {
            throw CryptoError.openSSL("EVP_DigestSign(\(operation)) size")
        }
        var ok: Int32 = 0
        let signature = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            var written = capacity
            ok = EVP_DigestSign(context.pointer, buffer.baseAddress, &written, bytes, message.count)
            count = ok == 1 ? written : 0
        }
        guard ok == 1 else { throw CryptoError.openSSL("EVP_DigestSign(\(operation))") }
        return signature
    }
}
