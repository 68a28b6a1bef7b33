import COpenSSL
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An Ed25519 private key (RFC 8032) for signing: for tests and for tools that imitate a provider (Standard Webhooks
/// `v1a`, Discord interactions). Inlet verifies Ed25519 in production with ``Ed25519PublicKey``.
///
/// Safe to share between tasks: each signature uses its own OpenSSL digest context. The seed lives only inside
/// OpenSSL, which cleanses it when the key is deinitialised.
public final class Ed25519PrivateKey: Sendable {
    /// Length of the private seed in bytes.
    public static let seedByteCount = 32

    private let key: PrivateKeyHandle

    /// Creates a key from its 32-byte seed (RFC 8032's "private key"; PyNaCl's `SigningKey(seed)`).
    /// - Throws: `CryptoError` with `.invalidKey` for any other length.
    public init(seed: some ContiguousBytes) throws {
        let pointer = seed.withUnsafeBytes { raw -> OpaquePointer? in
            guard raw.count == Self.seedByteCount else { return nil }
            return EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count)
        }
        guard let pointer else {
            var error = CryptoError.openSSL("EVP_PKEY_new_raw_private_key")
            error.code = .invalidKey
            error.reason = "an Ed25519 private key seed must be exactly \(Self.seedByteCount) bytes"
            throw error
        }
        self.key = PrivateKeyHandle(pointer)
    }

    /// A new key from a random seed (`SecureRandom`); the seed is wiped from Swift memory once OpenSSL holds it.
    public static func generate() throws -> Ed25519PrivateKey {
        var seed = try SecureRandom.bytes(count: seedByteCount)
        defer { seed.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) } }
        return try Ed25519PrivateKey(seed: seed)
    }

    /// The 32 raw bytes of the public key.
    public func publicKeyRawRepresentation() throws -> [UInt8] {
        var length = Ed25519PublicKey.byteCount
        var ok: Int32 = 0
        let raw = [UInt8](unsafeUninitializedCapacity: length) { buffer, count in
            ok = EVP_PKEY_get_raw_public_key(key.pointer, buffer.baseAddress, &length)
            count = ok == 1 ? length : 0
        }
        guard ok == 1, raw.count == Ed25519PublicKey.byteCount else { throw CryptoError.openSSL("EVP_PKEY_get_raw_public_key") }
        return raw
    }

    /// The matching public key.
    public func publicKey() throws -> Ed25519PublicKey {
        try Ed25519PublicKey(rawRepresentation: publicKeyRawRepresentation())
    }

    /// The 64-byte signature of `message` (deterministic: the same key and message always give the same bytes).
    public func signature(for message: some ContiguousBytes) throws -> [UInt8] {
        try digestSign(message, key: key, digest: nil, operation: "Ed25519")
    }
}
