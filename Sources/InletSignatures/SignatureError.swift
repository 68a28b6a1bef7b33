/// The one error type of `InletSignatures`: a secret that does not suit its scheme, or OpenSSL failing to set up or
/// compute an HMAC. Verification outcomes are not errors: they are ``SignatureRejection``s.
///
/// The description says what failed and what to do; it never contains secrets, signatures or payloads.
public struct SignatureError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure this is. Extensible: switch with a `default` branch.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// The secret cannot be used by the scheme (e.g. a Standard Webhooks secret that is not `whsec_` + base64).
        public static let invalidSecret = Code("invalidSecret")
        /// OpenSSL could not set up or compute an HMAC.
        public static let cryptoFailure = Code("cryptoFailure")

        public var description: String { name }
    }

    public var code: Code
    /// A human explanation that says what to do.
    public var reason: String
    /// The underlying OpenSSL error code (`ERR_get_error`), 0 when there is none.
    public var openSSLErrorCode: UInt
    /// Never: a bad secret stays bad, and an OpenSSL failure here is a broken installation.
    public var isRetriable: Bool { false }

    public init(_ code: Code, _ reason: String, openSSLErrorCode: UInt = 0) {
        self.code = code
        self.reason = reason
        self.openSSLErrorCode = openSSLErrorCode
    }

    public var description: String {
        "SignatureError.\(code): \(reason)\(openSSLErrorCode == 0 ? "" : " [OpenSSL \(openSSLErrorCode)]")"
    }
}
