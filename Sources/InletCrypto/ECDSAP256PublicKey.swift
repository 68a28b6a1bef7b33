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
        guard let handle, P256KeyCheck(handle.pointer) == .onP256 else { throw invalid }
        self.key = handle
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

/// What an `EVP_PKEY` is, in OpenSSL's names, for refusing keys that are not on P-256 with an error that says what
/// they are instead. Names only: never key material.
enum P256KeyCheck: Hashable {
    /// An EC key on P-256 (`prime256v1`).
    case onP256
    /// An EC key on another curve, e.g. `secp384r1`; nil when OpenSSL cannot name it (explicit parameters of a curve
    /// it does not know).
    case otherCurve(String?)
    /// Not an EC key: OpenSSL's type name, e.g. `ED25519`, `RSA` (nil when OpenSSL has none).
    case notEllipticCurve(String?)

    init(_ key: OpaquePointer) {
        guard EVP_PKEY_is_a(key, "EC") == 1 else {
            self = .notEllipticCurve(EVP_PKEY_get0_type_name(key).map { String(cString: $0) })
            return
        }
        var name = [CChar](repeating: 0, count: 64)
        var length = 0
        guard EVP_PKEY_get_group_name(key, &name, name.count, &length) == 1 else {
            ERR_clear_error()
            self = .otherCurve(nil)
            return
        }
        let group = String(decoding: name.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
        self = group == ECDSAP256PublicKey.groupName ? .onP256 : .otherCurve(group)
    }
}
