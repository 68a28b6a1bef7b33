import COpenSSL
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An ECDSA P-256 private key that makes SHA-256 signatures in DER form: for tests and for tools that imitate a
/// provider (`inlet send sendgrid`); Inlet never signs with ECDSA in production.
///
/// Generated, or imported from what `openssl` writes: PEM or DER, PKCS#8 (`-----BEGIN PRIVATE KEY-----`, from
/// `openssl genpkey`) or SEC1 (`-----BEGIN EC PRIVATE KEY-----`, from `openssl ecparam -genkey` and `openssl ec`).
/// Safe to share between tasks: each signature uses its own OpenSSL digest context. The private scalar lives only
/// inside OpenSSL, which cleanses it when the key is deinitialised.
public final class ECDSAP256PrivateKey: Sendable {
    /// A P-256 key is 121 bytes as SEC1 and 138 as PKCS#8 (a little more with explicit curve parameters); anything
    /// longer is not one and is refused before OpenSSL parses it.
    static let maximumDERByteCount = 1024
    /// The PEM labels of the two unencrypted forms.
    static let pkcs8Label = "PRIVATE KEY"
    static let sec1Label = "EC PRIVATE KEY"
    /// A PEM block OpenSSL writes before the key (`openssl ecparam -genkey` without `-noout`); the key carries the
    /// curve itself, so the block is skipped.
    static let parametersLabel = "EC PARAMETERS"
    /// How to make a key this type accepts, for error messages.
    static let howToGenerate = "generate one with `openssl ecparam -name prime256v1 -genkey -noout -out private-key.pem`"

    private let key: PrivateKeyHandle

    private init(key: PrivateKeyHandle) { self.key = key }

    /// Imports a DER private key: PKCS#8 `PrivateKeyInfo` or SEC1 `ECPrivateKey` (OpenSSL's `d2i_AutoPrivateKey`).
    /// - Throws: `CryptoError` `.invalidKey` when the bytes are not exactly one unencrypted private key, the key is
    ///   not an EC key, not on P-256 (prime256v1), or its public point does not belong to its private scalar. The
    ///   message says which and what to do; it never contains key bytes.
    public init(derRepresentation: some ContiguousBytes) throws {
        key = try derRepresentation.withUnsafeBytes { try Self.importDER($0) }
    }

    /// Imports a PEM private key: `-----BEGIN PRIVATE KEY-----` (PKCS#8) or `-----BEGIN EC PRIVATE KEY-----` (SEC1).
    ///
    /// Text around the block and an `EC PARAMETERS` block before it are ignored; the text must hold exactly one
    /// private key. The decoded bytes are wiped once OpenSSL holds the key.
    /// - Throws: `CryptoError` `.invalidEncoding` for malformed PEM; `.invalidKey` for an encrypted key, a text with
    ///   no or several private keys, and everything ``init(derRepresentation:)`` refuses. Messages name PEM labels
    ///   and line numbers only, never key text.
    public init(pemRepresentation: String) throws {
        let reader = PEMReader(pemRepresentation)
        let blocks = try reader.blocks()
        let keys = blocks.filter { $0.label != Self.parametersLabel }
        guard keys.count == 1, let block = keys.first else {
            let found = keys.isEmpty ? "found no PEM block" : "found \(keys.count) blocks (\(keys.map { PEMReader.quoted($0.label) }.joined(separator: ", ")))"
            throw Self.invalid("the text must hold exactly one `-----BEGIN PRIVATE KEY-----` or `-----BEGIN EC PRIVATE KEY-----` block, but \(found); pass the private key file alone")
        }
        guard !block.label.contains("ENCRYPTED"), !block.isEncrypted else {
            throw Self.invalid("the private key is encrypted; write an unencrypted copy with `openssl pkey -in KEY.pem -out plain.pem` (a throwaway signing key for tests needs no passphrase)")
        }
        guard block.label == Self.pkcs8Label || block.label == Self.sec1Label else {
            throw Self.invalid("a \(PEMReader.quoted(block.label)) block is not an ECDSA private key; expected `-----BEGIN PRIVATE KEY-----` (PKCS#8) or `-----BEGIN EC PRIVATE KEY-----` (SEC1): \(Self.howToGenerate)")
        }
        key = try reader.withBody(of: block) { try Self.importDER($0) }
    }

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

    // MARK: Import

    /// Decodes one DER private key and checks it is a consistent key pair on P-256.
    private static func importDER(_ der: UnsafeRawBufferPointer) throws -> PrivateKeyHandle {
        guard der.count > 0, der.count <= maximumDERByteCount,
              let start = der.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            throw invalid("expected a DER private key of at most \(maximumDERByteCount) bytes (got \(der.count)); a P-256 key is about 140: \(howToGenerate)")
        }
        var cursor: UnsafePointer<UInt8>? = UnsafePointer(start)
        guard let pointer = d2i_AutoPrivateKey(nil, &cursor, der.count) else {
            var error = CryptoError.openSSL("d2i_AutoPrivateKey")
            error.code = .invalidKey
            error.operation = operation
            error.reason = "the bytes are not an unencrypted PKCS#8 or SEC1 private key; PEM text goes to init(pemRepresentation:), and an encrypted key must be decrypted first (`openssl pkey -in KEY.pem -out plain.pem`)"
            throw error
        }
        let handle = PrivateKeyHandle(pointer)
        ERR_clear_error()
        // d2i_* stops at the end of the first structure; trailing bytes mean this was not one key.
        guard cursor == UnsafePointer(start) + der.count else {
            throw invalid("\(UnsafePointer(start) + der.count - (cursor ?? UnsafePointer(start))) bytes follow the key; pass exactly one DER private key")
        }
        switch P256KeyCheck(handle.pointer) {
        case .onP256 where namesItsCurve(handle):
            break
        case .onP256:
            throw invalid("the key spells out P-256's parameters instead of naming the curve, so its public key would not be in the form providers publish; rewrite it with `openssl ec -in KEY.pem -param_enc named_curve -out named.pem`")
        case .otherCurve(let curve):
            throw invalid("the EC key is on \(curve ?? "a curve given by explicit parameters"), not P-256 (prime256v1); \(howToGenerate)")
        case .notEllipticCurve(let type):
            throw invalid("the key's type is \(type ?? "unknown"), not EC (ECDSA on P-256); \(howToGenerate)")
        }
        try checkPair(handle)
        return handle
    }

    /// Whether the key names its curve (`named_curve`) rather than carrying explicit parameters (`openssl ec
    /// -param_enc explicit`), which OpenSSL matches to P-256 but keeps in every DER it writes, public key included.
    private static func namesItsCurve(_ key: PrivateKeyHandle) -> Bool {
        var encoding = [CChar](repeating: 0, count: 32)
        var length = 0
        guard EVP_PKEY_get_utf8_string_param(key.pointer, OSSL_PKEY_PARAM_EC_ENCODING, &encoding, encoding.count, &length) == 1 else {
            ERR_clear_error()
            return false
        }
        return String(decoding: encoding.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self) == OSSL_PKEY_EC_ENCODING_GROUP
    }

    /// Refuses a key whose public point is not its private scalar times the generator: a SEC1 file carries both, and
    /// OpenSSL's decoder takes the point as written, so a damaged or hand-edited file would otherwise sign with one
    /// key and publish another.
    private static func checkPair(_ key: PrivateKeyHandle) throws {
        let context = try KeyCheckContext(key)
        guard EVP_PKEY_pairwise_check(context.pointer) == 1 else {
            ERR_clear_error()
            throw invalid("the key's public point does not match its private scalar (a damaged or edited key file): \(howToGenerate)")
        }
    }

    private static let operation = "ECDSAP256PrivateKey init"

    private static func invalid(_ reason: String) -> CryptoError {
        CryptoError(code: .invalidKey, reason: reason, operation: operation)
    }
}

/// Owns one `EVP_PKEY_CTX` made from a key, for the duration of one check of that key.
private final class KeyCheckContext {
    let pointer: OpaquePointer

    init(_ key: PrivateKeyHandle) throws {
        guard let pointer = EVP_PKEY_CTX_new_from_pkey(nil, key.pointer, nil) else {
            throw CryptoError.openSSL("EVP_PKEY_CTX_new_from_pkey")
        }
        self.pointer = pointer
    }

    deinit { EVP_PKEY_CTX_free(pointer) }
}
