#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import InletCrypto

/// Zoom's webhook signature: `x-zm-signature: v0=<hex HMAC-SHA256(secret token, "v0:<timestamp>:<raw body>")>` with
/// the timestamp in `x-zm-request-timestamp` (Unix seconds).
///
/// The key is the app's webhook secret token as UTF-8. Zoom does not state a tolerance; five minutes is the window its
/// sample code uses, and it is configurable. Zoom also validates an endpoint before sending events
/// (`endpoint.url_validation`, signed like any event): the receiver answers with the plain token and
/// ``urlValidationToken(plainToken:key:)``.
/// Docs: https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events
public enum ZoomSignature {
    public static let signatureHeader = "x-zm-signature"
    public static let timestampHeader = "x-zm-request-timestamp"
    public static let version = "v0"
    public static let defaultToleranceSeconds: Int64 = 300

    /// The scheme, shared with the other `v0=` timestamp signer (Slack, Zoom).
    static let scheme = VersionedTimestampHMAC(provider: "Zoom", signatureHeader: signatureHeader,
                                               timestampHeader: timestampHeader,
                                               defaultToleranceSeconds: defaultToleranceSeconds)

    /// The HMAC-SHA256 key of a Zoom app's secret token.
    /// - Throws: ``SignatureError`` `.invalidSecret` for a blank secret, `.cryptoFailure`.
    public static func key(secret: String) throws(SignatureError) -> HMACKey {
        try scheme.key(secret: secret)
    }

    /// The `x-zm-signature` value Zoom would send for `body` at `timestamp` (Unix seconds).
    public static func headerValue(timestamp: Int64, body: some ContiguousBytes, key: HMACKey) throws(SignatureError) -> String {
        try scheme.headerValue(timestamp: timestamp, body: body, key: key)
    }

    /// The two headers of a signed request: timestamp, then signature.
    public static func headers(timestamp: Int64, body: some ContiguousBytes, key: HMACKey) throws(SignatureError) -> [(name: String, value: String)] {
        try scheme.headers(timestamp: timestamp, body: body, key: key)
    }

    /// The `encryptedToken` of Zoom's endpoint validation: hex HMAC-SHA256(secret token, plainToken).
    public static func urlValidationToken(plainToken: String, key: HMACKey) throws(SignatureError) -> String {
        do {
            return Hex.encode(try key.authenticationCode(for: Array(plainToken.utf8)))
        } catch {
            throw SignatureError(.cryptoFailure, "HMAC-SHA256 failed", underlying: error)
        }
    }
}

/// Verifies Zoom deliveries with the app's secret tokens (several during rotation; any may match).
public struct ZoomVerifier: WebhookVerifier {
    private let verifier: GenericHMACVerifier

    /// - Parameter toleranceSeconds: accepted clock difference, either way (1 to 604,800).
    /// - Throws: ``SignatureError`` `.invalidSecret` when no secret is given or one is blank, `.cryptoFailure`.
    public init(secrets: [String], toleranceSeconds: Int64 = ZoomSignature.defaultToleranceSeconds) throws(SignatureError) {
        verifier = try ZoomSignature.scheme.verifier(secrets: secrets, toleranceSeconds: toleranceSeconds)
    }

    public func verify(_ request: InboundRequest) -> SignatureRejection? {
        verifier.verify(request)
    }
}
