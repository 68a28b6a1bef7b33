import InletCrypto

/// Verifies Discord interactions: `X-Signature-Ed25519` is the hex Ed25519 signature of `X-Signature-Timestamp`
/// followed by the raw body, verified with the application's public key (64 hex digits, from the Developer Portal).
/// Discord checks that an endpoint refuses bad signatures before it accepts the endpoint URL.
/// Docs: https://discord.com/developers/docs/interactions/overview#setting-up-an-endpoint-validating-security-request-headers
///
/// Discord's own examples check only the signature; the timestamp is also held to ``Options/toleranceSeconds``
/// here (interactions must be answered within 3 seconds, so a fresh timestamp costs nothing); nil turns it off.
public struct DiscordVerifier: WebhookVerifier {
    public static let signatureHeader = "X-Signature-Ed25519"
    public static let timestampHeader = "X-Signature-Timestamp"

    /// How deliveries are checked beyond the keys.
    public struct Options: Sendable {
        /// Largest accepted difference between the signed timestamp and the receiver's clock, either way; nil
        /// accepts any timestamp text. Default: 300 seconds.
        public var toleranceSeconds: Int64?

        public init(toleranceSeconds: Int64? = 300) {
            self.toleranceSeconds = toleranceSeconds
        }
    }

    private let publicKeys: [Ed25519PublicKey]
    private let options: Options

    /// - Parameter publicKeys: the application's public keys as 64 hex digits, several during a move between
    ///   applications (any may match).
    /// - Throws: ``SignatureError`` `.invalidSecret` when there is none or one is not 32 hex-encoded bytes of a
    ///   valid Ed25519 key (the reason names its position, never its text).
    public init(publicKeys: [String], options: Options = Options()) throws(SignatureError) {
        guard !publicKeys.isEmpty else {
            throw SignatureError(.invalidSecret, "a Discord integration needs the application's public key (Developer Portal → General Information → Public Key)")
        }
        self.publicKeys = try publicKeys.enumerated().map { index, text throws(SignatureError) in
            guard let raw = try? Hex.decode(text), let key = try? Ed25519PublicKey(rawRepresentation: raw) else {
                throw SignatureError(.invalidSecret, "Discord public key #\(index + 1) must be 64 hex digits (32 bytes), as the Developer Portal shows it")
            }
            return key
        }
        self.options = options
    }

    /// The two headers Discord sends for `body` signed at `timestamp` (for tests and tools that imitate Discord).
    public static func headers(timestamp: String, body: [UInt8], privateKey: Ed25519PrivateKey) throws(SignatureError) -> [(name: String, value: String)] {
        do {
            let signature = try privateKey.signature(for: Array(timestamp.utf8) + body)
            return [(signatureHeader, Hex.encode(signature)), (timestampHeader, timestamp)]
        } catch {
            throw SignatureError(.cryptoFailure, "Ed25519 signing failed", underlying: error)
        }
    }

    public func verify(_ request: InboundRequest) -> SignatureRejection? {
        guard let header = request.headers[Self.signatureHeader], !header.isEmpty else {
            return SignatureRejection(.signatureMissing, "the \(Self.signatureHeader) header is required on Discord interactions")
        }
        guard let timestamp = request.headers[Self.timestampHeader], !timestamp.isEmpty else {
            return SignatureRejection(.signatureMissing, "the \(Self.timestampHeader) header is required beside \(Self.signatureHeader)")
        }
        guard header.utf8.count == 2 * Ed25519PublicKey.signatureByteCount, let signature = try? Hex.decode(ascii: Array(header.utf8)) else {
            return SignatureRejection(.signatureMalformed, "the \(Self.signatureHeader) header must be 128 hex digits (a 64-byte Ed25519 signature)")
        }
        if let tolerance = options.toleranceSeconds {
            guard let seconds = SignedUnixTimestamp.parse(timestamp) else {
                return SignatureRejection(.signatureMalformed, "the \(Self.timestampHeader) header must be Unix time in whole seconds")
            }
            if let stale = SignedUnixTimestamp.check(seconds, now: request.now, toleranceSeconds: tolerance, header: Self.timestampHeader) {
                return stale
            }
        }
        let message = Array(timestamp.utf8) + request.body
        // An OpenSSL failure cannot be told from a mismatch by the sender; it is counted as one.
        let valid = publicKeys.contains { (try? $0.isValidSignature(signature, for: message)) == true }
        return valid ? nil : SignatureRejection(.signatureMismatch, "the \(Self.signatureHeader) signature does not verify over the timestamp and body under the application's public key")
    }
}
