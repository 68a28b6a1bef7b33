import InletCrypto

/// Verifies SendGrid's signed Event Webhook: `X-Twilio-Email-Event-Webhook-Signature` is the base64 DER ECDSA
/// P-256/SHA-256 signature of `X-Twilio-Email-Event-Webhook-Timestamp` followed by the raw body, verified with the
/// webhook's verification key (base64 of a DER SubjectPublicKeyInfo, as SendGrid shows it).
/// Docs: https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features
///
/// SendGrid's libraries check only the signature; the timestamp is also held to ``Options/toleranceSeconds``
/// here (set it to nil to accept any signed timestamp, e.g. if deliveries retried late are refused).
public struct SendGridVerifier: WebhookVerifier {
    public static let signatureHeader = "X-Twilio-Email-Event-Webhook-Signature"
    public static let timestampHeader = "X-Twilio-Email-Event-Webhook-Timestamp"

    /// How deliveries are checked beyond the keys.
    public struct Options: Sendable {
        /// Largest accepted difference between the signed timestamp and the receiver's clock, either way; nil
        /// accepts any. Default: 300 seconds.
        public var toleranceSeconds: Int64?

        public init(toleranceSeconds: Int64? = 300) {
            self.toleranceSeconds = toleranceSeconds
        }
    }

    private let publicKeys: [ECDSAP256PublicKey]
    private let options: Options

    /// - Parameter verificationKeys: the webhook's verification keys, several during rotation (any may match):
    ///   base64 of a DER SubjectPublicKeyInfo; a PEM block (`-----BEGIN PUBLIC KEY-----`) is accepted too.
    /// - Throws: ``SignatureError`` `.invalidSecret` when there is none or one is not a P-256 public key (the reason
    ///   names its position, never its text).
    public init(verificationKeys: [String], options: Options = Options()) throws(SignatureError) {
        guard !verificationKeys.isEmpty else {
            throw SignatureError(.invalidSecret, "a SendGrid integration needs at least one verification key (Settings → Mail Settings → Event Webhooks → Signed Event Webhook)")
        }
        self.publicKeys = try verificationKeys.enumerated().map { index, text throws(SignatureError) in
            try Self.publicKey(text, position: index + 1)
        }
        self.options = options
    }

    private static func publicKey(_ text: String, position: Int) throws(SignatureError) -> ECDSAP256PublicKey {
        let base64 = text.split(whereSeparator: { $0 == "\n" || $0 == "\r" })
            .map { $0.filter { $0 != " " && $0 != "\t" } }
            .filter { !$0.hasPrefix("-----") }
            .joined()
        guard let der = try? Base64.decode(base64), let key = try? ECDSAP256PublicKey(derRepresentation: der) else {
            throw SignatureError(.invalidSecret, "SendGrid verification key #\(position) must be base64 of a DER SubjectPublicKeyInfo of an ECDSA P-256 key, as SendGrid shows it")
        }
        return key
    }

    /// The two headers SendGrid sends for `body` signed at `timestamp` (for tests and tools that imitate SendGrid).
    public static func headers(timestamp: String, body: [UInt8], privateKey: ECDSAP256PrivateKey) throws(SignatureError) -> [(name: String, value: String)] {
        do {
            let signature = try privateKey.signature(for: Array(timestamp.utf8) + body)
            return [(signatureHeader, Base64.encode(signature)), (timestampHeader, timestamp)]
        } catch {
            throw SignatureError(.cryptoFailure, "ECDSA P-256 signing failed", underlying: error)
        }
    }

    public func verify(_ request: InboundRequest) -> SignatureRejection? {
        guard let header = request.headers[Self.signatureHeader], !header.isEmpty else {
            return SignatureRejection(.signatureMissing, "the \(Self.signatureHeader) header is required; enable the Signed Event Webhook in SendGrid")
        }
        guard let timestamp = request.headers[Self.timestampHeader], !timestamp.isEmpty else {
            return SignatureRejection(.signatureMissing, "the \(Self.timestampHeader) header is required beside \(Self.signatureHeader)")
        }
        guard let signature = try? Base64.decode(ascii: Array(header.utf8)), !signature.isEmpty,
              signature.count <= ECDSAP256PublicKey.maximumSignatureByteCount
        else {
            return SignatureRejection(.signatureMalformed, "the \(Self.signatureHeader) header must be standard base64 of a DER ECDSA P-256 signature")
        }
        if let tolerance = options.toleranceSeconds {
            guard let seconds = SignedUnixTimestamp.parse(timestamp) else {
                return SignatureRejection(.signatureMalformed, "the \(Self.timestampHeader) header must be Unix time in whole seconds")
            }
            if let stale = SignedUnixTimestamp.check(seconds, now: request.now, toleranceSeconds: tolerance, header: Self.timestampHeader) {
                return stale
            }
        }
        let timestampBytes = Array(timestamp.utf8)
        let valid = timestampBytes.withUnsafeBytes { timestamp in
            request.body.withUnsafeBytes { body in
                publicKeys.contains { key in
                    // An OpenSSL failure cannot be told from a mismatch by the sender; it is counted as one.
                    (try? key.isValidSignature(signature, forConcatenationOf: [timestamp, body])) == true
                }
            }
        }
        return valid ? nil : SignatureRejection(.signatureMismatch, "the \(Self.signatureHeader) signature does not verify over the timestamp and body under any of the integration's verification keys")
    }
}
