import COpenSSL
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A 256-bit AES key. The bytes live in memory that is wiped (`OPENSSL_cleanse`) when the key is deinitialised.
public final class AES256GCMKey: @unchecked Sendable {
    // @unchecked Sendable: `storage` is written once in init and only read afterwards.
    /// Key length in bytes.
    public static let byteCount = 32

    private let storage: UnsafeMutableRawBufferPointer

    /// Creates a key from 32 raw bytes.
    /// - Throws: `CryptoError` with `.invalidKey` for any other length.
    public init(rawRepresentation: some ContiguousBytes) throws {
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.byteCount, alignment: 16)
        let copied = rawRepresentation.withUnsafeBytes { raw -> Bool in
            guard raw.count == Self.byteCount else { return false }
            storage.copyMemory(from: raw)
            return true
        }
        guard copied else {
            storage.deallocate()
            throw CryptoError(code: .invalidKey, reason: "an AES-256 key must be exactly \(Self.byteCount) bytes", operation: "AES256GCMKey init")
        }
        self.storage = storage
    }

    /// A new random key from `SecureRandom`.
    public static func random() throws -> AES256GCMKey {
        try AES256GCMKey(rawRepresentation: SecureRandom.bytes(count: byteCount))
    }

    deinit {
        OPENSSL_cleanse(storage.baseAddress, storage.count)
        storage.deallocate()
    }

    func withKeyPointer<R>(_ body: (UnsafePointer<UInt8>) throws -> R) rethrows -> R {
        try body(UnsafePointer(storage.baseAddress!.assumingMemoryBound(to: UInt8.self)))
    }
}

/// AES-256-GCM authenticated encryption (`EVP_CIPHER` "AES-256-GCM", 12-byte nonce, 16-byte tag), for secrets at rest.
public enum AES256GCM {
    /// Nonce length in bytes.
    public static let nonceByteCount = 12
    /// Tag length in bytes.
    public static let tagByteCount = 16

    /// The output of `seal`: nonce, ciphertext and tag.
    public struct SealedBox: Sendable, Hashable {
        public var nonce: [UInt8]
        public var ciphertext: [UInt8]
        public var tag: [UInt8]

        public init(nonce: [UInt8], ciphertext: [UInt8], tag: [UInt8]) throws {
            guard nonce.count == AES256GCM.nonceByteCount else {
                throw CryptoError(code: .invalidArgument, reason: "an AES-GCM nonce must be \(AES256GCM.nonceByteCount) bytes", operation: "SealedBox init")
            }
            guard tag.count == AES256GCM.tagByteCount else {
                throw CryptoError(code: .invalidArgument, reason: "an AES-GCM tag must be \(AES256GCM.tagByteCount) bytes", operation: "SealedBox init")
            }
            self.nonce = nonce
            self.ciphertext = ciphertext
            self.tag = tag
        }

        /// `nonce ‖ ciphertext ‖ tag`: the form to store.
        public var combined: [UInt8] { nonce + ciphertext + tag }

        /// Splits a stored `nonce ‖ ciphertext ‖ tag`.
        public init(combined: some ContiguousBytes) throws {
            let bytes = combined.withUnsafeBytes { [UInt8]($0) }
            guard bytes.count >= AES256GCM.nonceByteCount + AES256GCM.tagByteCount else {
                throw CryptoError(code: .invalidArgument, reason: "a sealed box must be at least \(AES256GCM.nonceByteCount + AES256GCM.tagByteCount) bytes", operation: "SealedBox init")
            }
            try self.init(
                nonce: Array(bytes.prefix(AES256GCM.nonceByteCount)),
                ciphertext: Array(bytes.dropFirst(AES256GCM.nonceByteCount).dropLast(AES256GCM.tagByteCount)),
                tag: Array(bytes.suffix(AES256GCM.tagByteCount))
            )
        }
    }

    /// Encrypts and authenticates `plaintext`, and authenticates `associatedData` without encrypting it.
    /// - Parameter nonce: 12 bytes that must never repeat under one key; default: 12 random bytes (safe for up to
    ///   about 2^32 messages per key).
    public static func seal(
        _ plaintext: some ContiguousBytes,
        using key: AES256GCMKey,
        nonce: [UInt8]? = nil,
        authenticating associatedData: some ContiguousBytes = [UInt8]()
    ) throws -> SealedBox {
        let nonce = try nonce ?? SecureRandom.bytes(count: nonceByteCount)
        guard nonce.count == nonceByteCount else {
            throw CryptoError(code: .invalidArgument, reason: "an AES-GCM nonce must be \(nonceByteCount) bytes", operation: "AES-GCM seal")
        }
        let context = try start(encrypt: true, key: key, nonce: nonce)
        try absorb(associatedData, context: context, operation: "AES-GCM seal")
        let ciphertext = try transform(plaintext, context: context, operation: "AES-GCM seal")
        var tag = [UInt8](repeating: 0, count: tagByteCount)
        var finalCount: Int32 = 0
        var scratch = [UInt8](repeating: 0, count: 16)
        guard EVP_EncryptFinal_ex(context.pointer, &scratch, &finalCount) == 1,
              inlet_gcm_get_tag(context.pointer, &tag, Int32(tagByteCount)) == 1 else {
            throw CryptoError.openSSL("AES-GCM seal")
        }
        return try SealedBox(nonce: nonce, ciphertext: ciphertext, tag: tag)
    }

    /// Decrypts `box` after checking its tag over the ciphertext and `associatedData`.
    /// - Throws: `CryptoError` with `.authenticationFailure` when the key, the associated data or the box is wrong.
    public static func open(
        _ box: SealedBox,
        using key: AES256GCMKey,
        authenticating associatedData: some ContiguousBytes = [UInt8]()
    ) throws -> [UInt8] {
        let context = try start(encrypt: false, key: key, nonce: box.nonce)
        try absorb(associatedData, context: context, operation: "AES-GCM open")
        let plaintext = try transform(box.ciphertext, context: context, operation: "AES-GCM open")
        guard inlet_gcm_set_tag(context.pointer, box.tag, Int32(tagByteCount)) == 1 else {
            throw CryptoError.openSSL("AES-GCM open")
        }
        var finalCount: Int32 = 0
        var scratch = [UInt8](repeating: 0, count: 16)
        guard EVP_DecryptFinal_ex(context.pointer, &scratch, &finalCount) == 1 else {
            ERR_clear_error()
            throw CryptoError(code: .authenticationFailure, reason: "the sealed box did not authenticate: wrong key, wrong associated data, or the data was altered", operation: "AES-GCM open")
        }
        return plaintext
    }

    private static func start(encrypt: Bool, key: AES256GCMKey, nonce: [UInt8]) throws -> CipherContext {
        let cipher = try FetchedAlgorithm.require(FetchedAlgorithm.aes256gcm, "AES-256-GCM")
        let context = try CipherContext()
        let operation = encrypt ? "AES-GCM seal" : "AES-GCM open"
        let initialise = encrypt ? EVP_EncryptInit_ex : EVP_DecryptInit_ex
        guard initialise(context.pointer, cipher, nil, nil, nil) == 1,
              inlet_gcm_set_ivlen(context.pointer, Int32(nonceByteCount)) == 1 else {
            throw CryptoError.openSSL(operation)
        }
        let ok = key.withKeyPointer { keyPointer in initialise(context.pointer, nil, nil, keyPointer, nonce) }
        guard ok == 1 else { throw CryptoError.openSSL(operation) }
        return context
    }

    /// Feeds associated data (output pointer NULL, as OpenSSL's GCM API requires).
    private static func absorb(_ data: some ContiguousBytes, context: CipherContext, operation: String) throws {
        let ok = data.withUnsafeBytes { raw -> Int32 in
            guard raw.count > 0 else { return 1 }
            var ignored: Int32 = 0
            return EVP_CipherUpdate(context.pointer, nil, &ignored, raw.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(raw.count))
        }
        guard ok == 1 else { throw CryptoError.openSSL(operation) }
    }

    /// Encrypts or decrypts; GCM is a stream mode, so the output has the input's length.
    private static func transform(_ data: some ContiguousBytes, context: CipherContext, operation: String) throws -> [UInt8] {
        var ok: Int32 = 1
        let output = data.withUnsafeBytes { raw in
            [UInt8](unsafeUninitializedCapacity: raw.count) { buffer, count in
                guard raw.count > 0 else { count = 0; return }
                var written: Int32 = 0
                ok = EVP_CipherUpdate(context.pointer, buffer.baseAddress, &written, raw.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(raw.count))
                count = ok == 1 ? Int(written) : 0
            }
        }
        guard ok == 1 else { throw CryptoError.openSSL(operation) }
        return output
    }
}
