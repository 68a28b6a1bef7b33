#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import InletCrypto

/// Intercom's signed webhook notifications: `X-Hub-Signature: sha1=<hex HMAC-SHA1(app client secret, raw body)>`.
///
/// The key is the app's client secret as UTF-8. Intercom signs no timestamp; the notification's `id` in the body
/// (`notif_…`) identifies it for the deduplicator.
/// Docs: https://developers.intercom.com/docs/webhooks/webhook-notifications ("Signed notifications").
public enum IntercomSignature {
    public static let signatureHeader = "X-Hub-Signature"
    public static let prefix = "sha1="
    static let options = GenericHMACOptions.builtIn(algorithm: .sha1, header: signatureHeader, prefix: prefix)

    /// The HMAC-SHA1 key of the app's client secret (UTF-8).
    /// - Throws: ``SignatureError`` `.invalidSecret` for a blank secret, `.cryptoFailure`.
    public static func key(secret: String) throws(SignatureError) -> HMACKey {
        try HMACKeyRing.signatureKey(secret, algorithm: .sha1, provider: "Intercom")
    }

    /// The `X-Hub-Signature` value Intercom would send for `body`.
    public static func headerValue(body: some ContiguousBytes, key: HMACKey) throws(SignatureError) -> String {
        try options.signatureHeaderValue(key: key) { $0.update(body) }
    }
}

/// Verifies Intercom deliveries with the integration's client secrets (several during rotation; any may match).
public struct IntercomVerifier: WebhookVerifier {
    private let verifier: GenericHMACVerifier

    /// - Throws: ``SignatureError`` `.invalidSecret` when no secret is given or one is blank, `.cryptoFailure`.
    public init(secrets: [String]) throws(SignatureError) {
        verifier = try GenericHMACVerifier(secrets: secrets, options: IntercomSignature.options, provider: "Intercom")
    }

    public func verify(_ request: InboundRequest) -> SignatureRejection? {
        verifier.verify(request)
    }
}
