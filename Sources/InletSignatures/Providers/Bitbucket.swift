#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import InletCrypto

/// Bitbucket Cloud's webhook secrets: `X-Hub-Signature: sha256=<hex HMAC-SHA256(webhook secret, raw body)>`.
///
/// Bitbucket signs only webhooks with a secret, always with SHA-256. It signs no timestamp: replays are made harmless
/// by the deduplicator, keyed by `X-Request-UUID`.
/// Docs: https://support.atlassian.com/bitbucket-cloud/docs/manage-webhooks/ ("Secure webhooks").
public enum BitbucketSignature {
    public static let signatureHeader = "X-Hub-Signature"
    public static let prefix = "sha256="
    /// Identifies a request.
    public static let deliveryIDHeader = "X-Request-UUID"
    static let options = GenericHMACOptions.builtIn(algorithm: .sha256, header: signatureHeader, prefix: prefix)

    /// The HMAC key of the webhook's secret (UTF-8).
    /// - Throws: ``SignatureError`` `.invalidSecret` for a blank secret, `.cryptoFailure`.
    public static func key(secret: String) throws(SignatureError) -> HMACKey {
        try HMACKeyRing.signatureKey(secret, algorithm: .sha256, provider: "Bitbucket Cloud")
    }

    /// The `X-Hub-Signature` value Bitbucket Cloud would send for `body`.
    public static func headerValue(body: some ContiguousBytes, key: HMACKey) throws(SignatureError) -> String {
        try options.signatureHeaderValue(key: key) { $0.update(body) }
    }
}

/// Verifies Bitbucket Cloud deliveries with the integration's secrets (several during rotation; any may match).
public struct BitbucketVerifier: WebhookVerifier {
    private let verifier: GenericHMACVerifier

    /// - Throws: ``SignatureError`` `.invalidSecret` when no secret is given or one is blank, `.cryptoFailure`.
    public init(secrets: [String]) throws(SignatureError) {
        verifier = try GenericHMACVerifier(secrets: secrets, options: BitbucketSignature.options, provider: "Bitbucket Cloud")
    }

    public func verify(_ request: InboundRequest) -> SignatureRejection? {
        verifier.verify(request)
    }
}
