import HTTPTypes
import Hummingbird
import InletCore
import InletCrypto

/// Verifies the deliveries of one integration: its definition's scheme with the integration's secrets, turned into
/// HMAC keys once at start-up (key schedule and OpenSSL contexts are reused by every request).
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
        switch scheme {
        case .githubHMACSHA256: try GitHubSignature.key(secret: secret)
        case .standardWebhooks: try StandardWebhooksSignature.key(secret: secret)
        }
    }

    /// - Returns: nil when the request is authentic, otherwise the rejection.
    func verify(headers: HTTPFields, body: [UInt8], now: Int64) -> WebhookRejection? {
        switch scheme {
        case .githubHMACSHA256:
            return GitHubSignature.verify(headerValue: headers[HeaderNames.githubSignature].map { $0[...] }, body: body, keys: keys)
        case .standardWebhooks:
            return StandardWebhooksSignature.verify(
                id: headers[HeaderNames.webhookID].map { $0[...] },
                timestamp: headers[HeaderNames.webhookTimestamp].map { $0[...] },
                signatures: headers[HeaderNames.webhookSignature].map { $0[...] },
                body: body, keys: keys, now: now, toleranceSeconds: toleranceSeconds)
        }
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
