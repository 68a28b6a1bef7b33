#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import InletCrypto

/// Shopify's webhook signature: `X-Shopify-Hmac-SHA256: <base64 HMAC-SHA256(app client secret, raw body)>`.
///
/// The key is the app's client secret (API secret key) as UTF-8. Shopify signs no timestamp: replays are made harmless
/// by the deduplicator, keyed by `X-Shopify-Webhook-Id` (the same on every retry of a delivery).
/// Docs: https://shopify.dev/docs/apps/build/webhooks/subscribe/https (step "Verify the webhook").
public enum ShopifySignature {
    public static let signatureHeader = "X-Shopify-Hmac-SHA256"
    /// Identifies a delivery; the same on every retry.
    public static let deliveryIDHeader = "X-Shopify-Webhook-Id"
    static let options = GenericHMACOptions.builtIn(encoding: .base64, header: signatureHeader)

    /// The HMAC-SHA256 key of an app's client secret.
    /// - Throws: ``SignatureError`` `.invalidSecret` for a blank secret, `.cryptoFailure`.
    public static func key(secret: String) throws(SignatureError) -> HMACKey {
        try HMACKeyRing.signatureKey(secret, algorithm: .sha256, provider: "Shopify")
    }

    /// The `X-Shopify-Hmac-SHA256` value Shopify would send for `body`.
    public static func headerValue(body: some ContiguousBytes, key: HMACKey) throws(SignatureError) -> String {
        try options.signatureHeaderValue(key: key) { $0.update(body) }
    }
}

/// Verifies Shopify deliveries with the integration's client secrets (several during rotation; any may match).
public struct ShopifyVerifier: WebhookVerifier {
    private let verifier: GenericHMACVerifier

    /// - Throws: ``SignatureError`` `.invalidSecret` when no secret is given or one is blank, `.cryptoFailure`.
    public init(secrets: [String]) throws(SignatureError) {
        verifier = try GenericHMACVerifier(secrets: secrets, options: ShopifySignature.options, provider: "Shopify")
    }

    public func verify(_ request: InboundRequest) -> SignatureRejection? {
        verifier.verify(request)
    }
}
