import COpenSSL
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An ECDSA public key on NIST P-256 (`prime256v1`), verifying SHA-256 signatures in ASN.1 DER form, e.g. SendGrid's
/// signed Event Webhook.
///
/// Created from a DER `SubjectPublicKeyInfo` (what `openssl ec -pubout -outform DER` writes, and the base64 text
/// SendGrid shows as the "verification key"). OpenSSL checks that the point lies on the curve when decoding.
/// Safe to share between tasks: each verification uses its own OpenSSL digest context.
public final class ECDSAP256PublicKey: Sendable {
    /// Longest DER `ECDSA-Sig-Value` for P-256: two 33-byte INTEGERs with headers inside a SEQUENCE.
    public static let maximumSignatureByteCount = 72
    /// A P-256 `SubjectPublicKeyInfo` is 91 bytes (uncompressed point) or 59 (compressed); anything much longer is
    /// not one, and is refused before OpenSSL parses it.
    static let maximumDERByteCount = 256
    /// The group name OpenSSL reports for P-256.
    static let groupName = "prime256v1"

    private let key: PublicKeyHandle

    /// Creates a key from a DER `SubjectPublicKeyInfo`.
    /// - Throws: `CryptoError` with `.invalidKey` when the bytes are not exactly one DER `SubjectPublicKeyInfo` of
    ///   an EC key on P-256 (other curves, RSA keys, trailing bytes and points off the curve are all refused).
    public init(derRepresentation: some ContiguousBytes) throws {
        let invalid = CryptoError(code: .invalidKey,
                                  reason: "an ECDSA P-256 public key must be one DER SubjectPublicKeyInfo of a point on P-256 (prime256v1)",
                                  operation: "ECDSAP256PublicKey init")
        let handle = derRepresentation.withUnsafeBytes { raw -> PublicKeyHandle? in
            guard raw.count > 0, raw.count <= Self.maximumDERByteCount,
                  let start = raw.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
            var cursor: UnsafePointer<UInt8>? = UnsafePointer(start)
            guard let pointer = d2i_PUBKEY(nil, &cursor, raw.count) else { return nil }
            let handle = PublicKeyHandle(pointer)
            // d2i_* stops at the end of the first structure; trailing bytes mean this was not one key.
            guard cursor == UnsafePointer(start) + raw.count else { return nil }
            return handle
        }
        ERR_clear_error()
        guard let handle, Self.isP256(handle.pointer) else { throw invalid }
        self.key = handle
    }

    private static func isP256(_ key: OpaquePointer) -> Bool {
        guard EVP_PKEY_is_a(key, "EC") == 1 else { return false }
        var name = [CChar](repeating: 0, count: 64)
        var length = 0
        guard EVP_PKEY_get_group_name(key, &name, name.count, &length) == 1 else {
            ERR_clear_error()
            return false
        }
        return String(decoding: name.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self) == groupName
    }

    /// Whether `signature` (DER `ECDSA-Sig-Value`) is a valid ECDSA-SHA256 signature of `message` by this key.
    ///
    /// Returns `false` (never throws) for a malformed, non-canonical or oversized signature and for one that does
    /// not verify.
    /// - Throws: `CryptoError` with `.openSSLFailure` only when OpenSSL cannot run the check at all.
    public func isValidSignature(_ signature: some ContiguousBytes, for message: some ContiguousBytes) throws -> Bool {
        try message.withUnsafeBytes { message in try isValidSignature(signature, forConcatenationOf: [message]) }
    }

    /// Whether `signature` is valid for the concatenation of `parts`, which are hashed in order without being
    /// copied together (e.g. SendGrid's `timestamp ‖ body`).
    public func isValidSignature(_ signature: some ContiguousBytes, forConcatenationOf parts: [UnsafeRawBufferPointer]) throws -> Bool {
        let digest = try FetchedAlgorithm.require(FetchedAlgorithm.sha256, "SHA256")
        let context = try DigestContext()
        guard EVP_DigestVerifyInit(context.pointer, nil, digest, nil, key.pointer) == 1 else {
            throw CryptoError.openSSL("EVP_DigestVerifyInit(ECDSA P-256)")
        }
        for part in parts {
            guard let base = part.baseAddress, part.count > 0 else { continue }
            guard EVP_DigestVerifyUpdate(context.pointer, base, part.count) == 1 else {
                throw CryptoError.openSSL("EVP_DigestVerifyUpdate(ECDSA P-256)")
            }
        }
        let result = signature.withUnsafeBytes { signature -> Int32 in
            guard signature.count > 0, signature.count <= Self.maximumSignatureByteCount,
                  let base = signature.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return 0 }
            return EVP_DigestVerifyFinal(context.pointer, base, signature.count)
        }
        // A bad or malformed signature leaves entries on this thread's error queue; it is not an error for us.
        if result != 1 { ERR_clear_error() }
        return result == 1
    }
}

/// An ECDSA P-256 private key that makes SHA-256 signatures in DER form: for tests and for tools that imitate a
/// provider (Inlet never signs with ECDSA in production).
public final class ECDSAP256PrivateKey: Sendable {
    private let key: PrivateKeyHandle

    private init(key: PrivateKeyHandle) { self.key = key }

    /// A new random key from OpenSSL's generator.
    public static func generate() throws -> ECDSAP256PrivateKey {
        let context = try KeyGenerationContext(algorithm: "EC")
        guard EVP_PKEY_CTX_set_group_name(context.pointer, "P-256") == 1 else {
            throw CryptoError.openSSL("EVP_PKEY_CTX_set_group_name(P-256)")
        }
        return ECDSAP256PrivateKey(key: try context.generate())
    }

    /// The public key as a DER `SubjectPublicKeyInfo` (SendGrid's verification-key format before base64).
    public func publicKeyDERRepresentation() throws -> [UInt8] {
        let length = i2d_PUBKEY(key.pointer, nil)
        guard length > 0 else { throw CryptoError.openSSL("i2d_PUBKEY") }
        var ok = true
        let der = [UInt8](unsafeUninitializedCapacity: Int(length)) { buffer, count in
            var cursor = buffer.baseAddress
            ok = i2d_PUBKEY(key.pointer, &cursor) == length
            count = ok ? Int(length) : 0
        }
        guard ok else { throw CryptoError.openSSL("i2d_PUBKEY") }
        return der
    }

    /// The matching public key.
    public func publicKey() throws -> ECDSAP256PublicKey {
        try ECDSAP256PublicKey(derRepresentation: publicKeyDERRepresentation())
    }

    /// A DER ECDSA-SHA256 signature of `message` (randomised: two signatures of one message differ).
    public func signature(for message: some ContiguousBytes) throws -> [UInt8] {
        let digest = try FetchedAlgorithm.require(FetchedAlgorithm.sha256, "SHA256")
        return try digestSign(message, key: key, digest: digest, operation: "ECDSA P-256")
    }
}
