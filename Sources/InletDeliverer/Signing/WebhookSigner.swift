#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import InletCrypto

/// Standard Webhooks (v1, symmetric) signatures: `webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<ts>.<body>")>`,
/// where `key` is the base64 decoding of the secret after its `whsec_` prefix.
///
/// Both sides of Inlet use it: the deliverer signs every request, the sink (and any Swift subscriber) verifies.
/// Thread-safe: one signer per secret can be shared by any number of tasks (``HMACKey`` pools its contexts).
public struct WebhookSigner: Sendable {
    /// Header names, in one place.
    public enum Header {
        public static let id = "webhook-id"
        public static let timestamp = "webhook-timestamp"
        public static let signature = "webhook-signature"
    }

    /// The prefix of Standard Webhooks secrets.
    public static let secretPrefix = "whsec_"
    /// The signature version this signer writes and verifies.
    public static let version = "v1"

    private let key: HMACKey

    /// - Parameter secret: `whsec_<base64>`; a bare base64 secret is accepted too, as the reference libraries do.
    /// - Throws: ``DelivererError`` `.invalidSecret` when the part after `whsec_` is not base64 or decodes to
    ///   nothing. The reason never quotes the secret.
    public init(secret: String) throws(DelivererError) {
        let encoded = secret.hasPrefix(Self.secretPrefix) ? String(secret.dropFirst(Self.secretPrefix.count)) : secret
        let raw: [UInt8]
        do {
            raw = try Base64.decode(encoded)
        } catch {
            throw DelivererError(.invalidSecret, "the webhook secret is not 'whsec_' followed by standard base64; generate one with `openssl rand -base64 32`")
        }
        guard !raw.isEmpty else {
            throw DelivererError(.invalidSecret, "the webhook secret decodes to no bytes; use at least 24 random bytes")
        }
        do {
            key = try HMACKey(algorithm: .sha256, key: raw)
        } catch {
            throw DelivererError(.signing, "OpenSSL could not set up HMAC-SHA256: \(error)")
        }
    }

    /// The raw HMAC-SHA256 over `"<id>.<timestamp>.<body>"`, computed without concatenating the body.
    public func authenticationCode(id: String, timestamp: String, body: some ContiguousBytes) throws(DelivererError) -> [UInt8] {
        do {
            return try key.authenticationCode { mac in
                mac.update(id)
                mac.update(".")
                mac.update(timestamp)
                mac.update(".")
                mac.update(body)
            }
        } catch {
            throw DelivererError(.signing, "HMAC-SHA256 failed in OpenSSL: \(error)")
        }
    }

    /// The `webhook-signature` header value: `v1,<base64>`.
    public func signature(id: String, timestamp: Int, body: some ContiguousBytes) throws(DelivererError) -> String {
        Self.version + "," + Base64.encode(try authenticationCode(id: id, timestamp: String(timestamp), body: body))
    }

    /// The three Standard Webhooks headers for one attempt of a request.
    public func headers(id: String, timestamp: Int, body: some ContiguousBytes) throws(DelivererError) -> [(name: String, value: String)] {
        [
            (Header.id, id),
            (Header.timestamp, String(timestamp)),
            (Header.signature, try signature(id: id, timestamp: timestamp, body: body)),
        ]
    }

    /// Why a request did not verify.
    public enum VerificationFailure: String, Sendable, Error, CustomStringConvertible {
        case missingHeaders = "missing_headers"
        case invalidTimestamp = "invalid_timestamp"
        case timestampOutOfTolerance = "timestamp_out_of_tolerance"
        case noMatchingSignature = "no_matching_signature"
        public var description: String { rawValue }
    }

    /// Verifies a received request: the timestamp is within `tolerance` seconds of `now`, and one of the
    /// space-separated `v1,<base64>` entries of the signature header matches (compared in constant time).
    /// Entries of other versions are skipped.
    public func verify(
        id: String?, timestamp: String?, signatureHeader: String?, body: some ContiguousBytes,
        now: Int, toleranceSeconds: Int = 300
    ) -> Result<Void, VerificationFailure> {
        guard let id, let timestamp, let signatureHeader, !id.isEmpty else { return .failure(.missingHeaders) }
        guard let seconds = Int(timestamp), timestamp.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            return .failure(.invalidTimestamp)
        }
        guard abs(now - seconds) <= toleranceSeconds else { return .failure(.timestampOutOfTolerance) }
        guard let expected = try? authenticationCode(id: id, timestamp: timestamp, body: body) else {
            return .failure(.noMatchingSignature)
        }
        for entry in signatureHeader.split(separator: " ", omittingEmptySubsequences: true) {
            guard entry.hasPrefix(Self.version + ","),
                  let candidate = try? Base64.decode(String(entry.dropFirst(Self.version.count + 1)))
            else { continue }
            if ConstantTime.isEqual(candidate, expected) { return .success(()) }
        }
        return .failure(.noMatchingSignature)
    }
}
