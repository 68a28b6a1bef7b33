#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import InletCrypto
import InletSignatures

/// Signs the deliverer's requests for one subscription with Standard Webhooks (v1, symmetric): the scheme itself
/// (secret parsing, HMAC, header format, verification) is `InletSignatures.StandardWebhooksSignature`; this type
/// holds the subscription's key and speaks ``DelivererError``.
///
/// Thread-safe: one signer per secret can be shared by any number of tasks (``HMACKey`` pools its contexts).
public struct WebhookSigner: Sendable {
    /// The subscription's HMAC key, made once; also what a subscriber verifies with
    /// (`StandardWebhooksSignature.verify(…, keys: [signer.key], …)`).
    public let key: HMACKey

    /// - Parameter secret: `whsec_<base64>`; a bare base64 secret is accepted too, as the reference libraries do.
    /// - Throws: ``DelivererError`` `.invalidSecret` when the part after `whsec_` is not base64 or decodes to
    ///   nothing, `.signing` when OpenSSL fails. The reason never quotes the secret.
    public init(secret: String) throws(DelivererError) {
        do {
            key = try StandardWebhooksSignature.key(secret: secret)
        } catch {
            throw DelivererError(error)
        }
    }

    /// The three Standard Webhooks headers for one attempt of a request: `webhook-id`, `webhook-timestamp`,
    /// `webhook-signature`.
    public func headers(id: String, timestamp: Int, body: some ContiguousBytes) throws(DelivererError) -> [(name: String, value: String)] {
        do {
            return try StandardWebhooksSignature.headers(id: id, timestamp: Int64(timestamp), body: body, key: key)
        } catch {
            throw DelivererError(error)
        }
    }
}

extension DelivererError {
    /// A scheme's error in the deliverer's vocabulary: `.invalidSecret`, or `.signing` for OpenSSL failures.
    init(_ error: SignatureError) {
        self.init(error.code == .invalidSecret ? .invalidSecret : .signing, error.reason,
                  underlyingCode: error.openSSLErrorCode == 0 ? nil : Int(truncatingIfNeeded: error.openSSLErrorCode))
    }
}
