import HTTPTypes
import Hummingbird
import InletCore
import InletCrypto
import InletSignatures

/// Verifies the deliveries of one integration: its definition's scheme (from `InletSignatures`) with the
/// integration's secrets, turned into HMAC keys once at start-up (key schedule and OpenSSL contexts are reused by
/// every request). This type only reads the request's headers and maps the scheme's verdict to a rejection code.
struct SignatureVerifier: Sendable {
    let scheme: SignatureScheme
    /// One key per secret, in the integration's order (during rotation, the current secret first).
    let keys: [HMACKey]
    /// Accepted clock difference for schemes that sign a timestamp.
    let toleranceSeconds: Int64

    /// - Throws: ``ReceiverError`` `.invalidSecret` naming the integration (never the secret).
    init(scheme: SignatureScheme, secrets: [String], integrationID: String, toleranceSeconds: Int64) throws(ReceiverError) {
        self.scheme = scheme
        self.toleranceSeconds = toleranceSeconds
        var keys: [HMACKey] = []
        for (index, secret) in secrets.enumerated() {
            do {
                keys.append(try Self.key(scheme: scheme, secret: secret))
            } catch {
                throw ReceiverError(error.code, "integration '\(integrationID)', secrets[\(index)]: \(error.reason)")
            }
        }
        self.keys = keys
    }

    static func key(scheme: SignatureScheme, secret: String) throws(ReceiverError) -> HMACKey {
        do {
            return try scheme.key(secret: secret)
        } catch {
            throw ReceiverError(error)
        }
    }

    /// - Returns: nil when the request is authentic, otherwise the rejection.
    func verify(headers: HTTPFields, body: [UInt8], now: Int64) -> WebhookRejection? {
        let rejection: SignatureRejection?
        switch scheme {
        case .githubHMACSHA256:
            rejection = GitHubSignature.verify(headerValue: headers[HeaderNames.githubSignature].map { $0[...] }, body: body, keys: keys)
        case .standardWebhooks:
            rejection = StandardWebhooksSignature.verify(
                id: headers[HeaderNames.webhookID].map { $0[...] },
                timestamp: headers[HeaderNames.webhookTimestamp].map { $0[...] },
                signatures: headers[HeaderNames.webhookSignature].map { $0[...] },
                body: body, keys: keys, now: now, toleranceSeconds: toleranceSeconds)
        default:
            rejection = SignatureRejection(.signatureMismatch, "scheme '\(scheme.rawValue)' is not verified by this receiver")
        }
        return rejection.map(WebhookRejection.init)
    }
}

extension WebhookRejection {
    /// The receiver's rejection for a scheme's verdict: same message, the matching `signature_*` code.
    init(_ rejection: SignatureRejection) {
        let code: RejectionCode = switch rejection.reason {
        case .signatureMissing: .signatureMissing
        case .signatureMalformed: .signatureMalformed
        case .signatureMismatch: .signatureMismatch
        case .timestampOutOfTolerance: .timestampOutOfTolerance
        case .replayed: .replayed
        }
        self.init(code, rejection.message)
    }
}

extension ReceiverError {
    /// A scheme's error in the receiver's vocabulary: `.invalidSecret` or `.cryptoFailure`, same reason.
    init(_ error: SignatureError, file: String = #fileID, line: Int = #line) {
        self.init(error.code == .invalidSecret ? .invalidSecret : .cryptoFailure, error.reason, file: file, line: line)
    }
}

/// Header names parsed once (HTTPField.Name validates and lower-cases on creation).
enum HeaderNames {
    static let githubSignature = HTTPField.Name(GitHubSignature.headerName)!
    static let webhookID = HTTPField.Name(StandardWebhooksSignature.idHeader)!
    static let webhookTimestamp = HTTPField.Name(StandardWebhooksSignature.timestampHeader)!
    static let webhookSignature = HTTPField.Name(StandardWebhooksSignature.signatureHeader)!
    static let traceparent = HTTPField.Name("traceparent")!
}
