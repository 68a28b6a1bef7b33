import COpenSSL
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An Ed25519 public key (RFC 8032) for verifying signatures, e.g. Standard Webhooks `v1a` and Discord interactions.
///
/// Safe to share between tasks: each verification uses its own OpenSSL digest context.
/// Ed25519 ("pure" mode) needs the whole message at once; there is no incremental verification, so callers must
/// pass the concatenated signed content (for Standard Webhooks: `"id.timestamp.body"`).
public final class Ed25519PublicKey: Sendable {
    /// Length of a raw public key in bytes.
    public static let byteCount = 32
    /// Length of a signature in bytes.
    public static let signatureByteCount = 64

    private let key: PublicKeyHandle

    /// Creates a key from its 32 raw bytes.
    /// - Throws: `CryptoError` with `.invalidKey` for a wrong length or a point OpenSSL rejects.
    public init(rawRepresentation: some ContiguousBytes) throws {
        let pointer = rawRepresentation.withUnsafeBytes { raw -> OpaquePointer? in
            guard raw.count == Self.byteCount else { return nil }
            return EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count)
        }
        guard let pointer else {
            var error = CryptoError.openSSL("EVP_PKEY_new_raw_public_key")
            error.code = .invalidKey
            error.reason = "an Ed25519 public key must be exactly \(Self.byteCount) raw bytes"
            throw error
        }
        self.key = PublicKeyHandle(pointer)
    }

    /// Whether `signature` is a valid signature of `message` by this key.
    ///
    /// Returns `false` (never throws) for a signature of the wrong length or one that does not verify.
    /// - Throws: `CryptoError` with `.openSSLFailure` only when OpenSSL cannot run the check at all.
    public func isValidSignature(_ signature: some ContiguousBytes, for message: some ContiguousBytes) throws -> Bool {
        let context = try DigestContext()
        guard EVP_DigestVerifyInit(context.pointer, nil, nil, nil, key.pointer) == 1 else {
            throw CryptoError.openSSL("EVP_DigestVerifyInit")
        }
        let result = signature.withUnsafeBytes { signature -> Int32 in
            guard signature.count == Self.signatureByteCount else { return 0 }
            return message.withUnsafeBytes { message in
                EVP_DigestVerify(
                    context.pointer,
                    signature.baseAddress?.assumingMemoryBound(to: UInt8.self), signature.count,
                    message.baseAddress?.assumingMemoryBound(to: UInt8.self), message.count
                )
            }
        }
        // A bad signature leaves an entry on this thread's error queue; it is not an error for us.
        if result != 1 { ERR_clear_error() }
        return result == 1
    }
}
