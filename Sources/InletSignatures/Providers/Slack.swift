#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import InletCrypto

/// Slack's request signing (Events API, interactivity, slash commands):
/// `X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret, "v0:<timestamp>:<raw body>")>` with the timestamp in
/// `X-Slack-Request-Timestamp` (Unix seconds), accepted within five minutes of the receiver's clock.
///
/// The key is the app's signing secret as UTF-8. Events API deliveries carry `event_id` in the body (the
/// deduplicator's key); retries add `X-Slack-Retry-Num`.
/// Docs: https://api.slack.com/authentication/verifying-requests-from-slack
public enum SlackSignature {
    public static let signatureHeader = "X-Slack-Signature"
    public static let timestampHeader = "X-Slack-Request-Timestamp"
    /// The version of the scheme, also the prefix of the basestring and of the signature (`v0=`).
    public static let version = "v0"
    /// Five minutes, as Slack's documentation and its SDK's `SignatureVerifier` use.
    public static let defaultToleranceSeconds: Int64 = 300

    /// The scheme, shared with the other `v0=` timestamp signer (Slack, Zoom).
    static let scheme = VersionedTimestampHMAC(provider: "Slack", signatureHeader: signatureHeader,
                                               timestampHeader: timestampHeader,
                                               defaultToleranceSeconds: defaultToleranceSeconds)

    /// The HMAC-SHA256 key of a Slack app's signing secret.
    /// - Throws: ``SignatureError`` `.invalidSecret` for a blank secret, `.cryptoFailure`.
    public static func key(secret: String) throws(SignatureError) -> HMACKey {
        try scheme.key(secret: secret)
    }

    /// The `X-Slack-Signature` value Slack would send for `body` at `timestamp` (Unix seconds).
    public static func headerValue(timestamp: Int64, body: some ContiguousBytes, key: HMACKey) throws(SignatureError) -> String {
        try scheme.headerValue(timestamp: timestamp, body: body, key: key)
    }

    /// The two headers of a signed request: timestamp, then signature.
    public static func headers(timestamp: Int64, body: some ContiguousBytes, key: HMACKey) throws(SignatureError) -> [(name: String, value: String)] {
        try scheme.headers(timestamp: timestamp, body: body, key: key)
    }
}

/// Verifies Slack requests with the app's signing secrets (several during rotation; any may match).
public struct SlackVerifier: WebhookVerifier {
    private let verifier: GenericHMACVerifier

    /// - Parameter toleranceSeconds: accepted clock difference, either way (1 to 604,800).
    /// - Throws: ``SignatureError`` `.invalidSecret` when no secret is given or one is blank, `.cryptoFailure`.
    public init(secrets: [String], toleranceSeconds: Int64 = SlackSignature.defaultToleranceSeconds) throws(SignatureError) {
        verifier = try SlackSignature.scheme.verifier(secrets: secrets, toleranceSeconds: toleranceSeconds)
    }

    public func verify(_ request: InboundRequest) -> SignatureRejection? {
        verifier.verify(request)
    }
}
