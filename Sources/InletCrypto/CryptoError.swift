import COpenSSL

/// The one error type InletCrypto throws.
///
/// The description names the operation and, when OpenSSL failed, its error string; it never contains key
/// material, plaintext, MACs or the input being decoded.
public struct CryptoError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is. Extensible: switch with a `default`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// An OpenSSL call failed (allocation, missing provider, …). See `openSSLReason`.
        public static let openSSLFailure = Code("openSSLFailure")
        /// A key has the wrong length or form (e.g. an Ed25519 public key that is not 32 bytes).
        public static let invalidKey = Code("invalidKey")
        /// An argument has the wrong size (nonce, tag, sealed box).
        public static let invalidArgument = Code("invalidArgument")
        /// Base64 or hex input is not well formed.
        public static let invalidEncoding = Code("invalidEncoding")
        /// AES-GCM authentication failed: wrong key, wrong associated data, or tampered data.
        public static let authenticationFailure = Code("authenticationFailure")
    }

    /// The kind of failure.
    public var code: Code
    /// What went wrong and what to do about it, for humans.
    public var reason: String
    /// The operation that failed, e.g. `"HMAC init"`.
    public var operation: String
    /// The first OpenSSL error code from `ERR_get_error()`, or 0 when OpenSSL reported none.
    public var openSSLErrorCode: UInt
    /// OpenSSL's text for `openSSLErrorCode` (`ERR_error_string_n`), if any.
    public var openSSLReason: String?

    /// Cryptographic failures are deterministic: retrying the same call does not help.
    public var isRetriable: Bool { false }

    public init(code: Code, reason: String, operation: String, openSSLErrorCode: UInt = 0, openSSLReason: String? = nil) {
        self.code = code
        self.reason = reason
        self.operation = operation
        self.openSSLErrorCode = openSSLErrorCode
        self.openSSLReason = openSSLReason
    }

    public var description: String {
        var text = "CryptoError(\(code)) in \(operation): \(reason)"
        if let openSSLReason { text += " [OpenSSL: \(openSSLReason)]" }
        return text
    }

    /// Builds an error from the calling thread's OpenSSL error queue and clears that queue.
    static func openSSL(_ operation: String, reason: String = "OpenSSL call failed; this usually means memory is exhausted or libcrypto is misconfigured") -> CryptoError {
        let first = ERR_get_error()
        ERR_clear_error()
        var text: String?
        if first != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(first, &buffer, buffer.count)
            text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return CryptoError(code: .openSSLFailure, reason: reason, operation: operation, openSSLErrorCode: first, openSSLReason: text)
    }
}
