#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import InletCrypto

/// Jira Cloud's secure admin webhooks: `X-Hub-Signature: sha256=<hex HMAC-SHA256(webhook secret, raw body)>`.
///
/// Jira signs only webhooks registered with a secret. It signs no timestamp: replays are made harmless by the
/// deduplicator, keyed by `X-Atlassian-Webhook-Identifier` (the same on every retry of a delivery).
/// Docs: https://developer.atlassian.com/cloud/jira/platform/webhooks/ ("Secure admin webhooks").
public enum JiraSignature {
    public static let signatureHeader = "X-Hub-Signature"
    public static let prefix = "sha256="
    /// Identifies a delivery; the same on every retry.
    public static let deliveryIDHeader = "X-Atlassian-Webhook-Identifier"
    static let options = GenericHMACOptions.builtIn(algorithm: .sha256, header: signatureHeader, prefix: prefix)

    /// The HMAC key of the webhook's secret (UTF-8).
    /// - Throws: ``SignatureError`` `.invalidSecret` for a blank secret, `.cryptoFailure`.
    public static func key(secret: String) throws(SignatureError) -> HMACKey {
        try HMACKeyRing.signatureKey(secret, algorithm: .sha256, provider: "Jira Cloud")
    }

    /// The `X-Hub-Signature` value Jira Cloud would send for `body`.
    public static func headerValue(body: some ContiguousBytes, key: HMACKey) throws(SignatureError) -> String {
        try options.signatureHeaderValue(key: key) { $0.update(body) }
    }
}

/// Verifies Jira Cloud deliveries with the integration's secrets (several during rotation; any may match).
public struct JiraVerifier: WebhookVerifier {
    private let verifier: GenericHMACVerifier

    /// - Throws: ``SignatureError`` `.invalidSecret` when no secret is given or one is blank, `.cryptoFailure`.
    public init(secrets: [String]) throws(SignatureError) {
        verifier = try GenericHMACVerifier(secrets: secrets, options: JiraSignature.options, provider: "Jira Cloud")
    }

    public func verify(_ request: InboundRequest) -> SignatureRejection? {
        verifier.verify(request)
    }
}
