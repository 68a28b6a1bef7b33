import InletCrypto

extension HMACKey {
    /// An HMAC key for a scheme, with OpenSSL failures as ``SignatureError`` `.cryptoFailure`.
    static func signing(_ algorithm: HMACAlgorithm, key: [UInt8]) throws(SignatureError) -> HMACKey {
        do {
            return try HMACKey(algorithm: algorithm, key: key)
        } catch {
            throw SignatureError(.cryptoFailure, "cannot create an \(algorithm.displayName) key", underlying: error)
        }
    }
}

extension SignatureError {
    /// A `.cryptoFailure` carrying OpenSSL's reason and code from `underlying` when it is a `CryptoError`.
    init(_ code: Code, _ reason: String, underlying: any Error) {
        let crypto = underlying as? CryptoError
        self.init(code, "\(reason): \(crypto?.reason ?? String(describing: underlying))",
                  openSSLErrorCode: crypto?.openSSLErrorCode ?? 0)
    }
}

extension HMACAlgorithm {
    /// `HMAC-SHA256` and so on, for messages.
    var displayName: String {
        switch self {
        case .sha1: "HMAC-SHA1"
        case .sha256: "HMAC-SHA256"
        case .sha512: "HMAC-SHA512"
        }
    }
}
