#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import InletCrypto

/// The Standard Webhooks signature scheme (https://www.standardwebhooks.com, the scheme Svix uses).
///
/// - `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature` headers;
/// - the signed content is `<id>.<timestamp>.<body>`, fed to the HMAC in pieces so the body is never copied;
/// - `webhook-signature` is a space-separated list of `<version>,<base64 signature>`; `v1` is HMAC-SHA256 with the
///   key `base64decode(secret without its "whsec_" prefix)`. Several entries appear during secret rotation.
/// - `v1a` (Ed25519, asymmetric) entries are ignored for now: verifying them needs public keys per integration,
///   which the integrations file does not carry yet.
///
/// Inlet uses it both ways: the receiver verifies Standard Webhooks providers, the deliverer signs every outbound
/// request and the sink verifies them. Keys come from ``key(secret:)`` once per secret and are reused (thread-safe).
public enum StandardWebhooksSignature {
    public static let idHeader = "webhook-id"
    public static let timestampHeader = "webhook-timestamp"
    public static let signatureHeader = "webhook-signature"
    /// The prefix of Standard Webhooks secrets.
    public static let secretPrefix = "whsec_"
    /// The signature version signed and verified.
    public static let version = "v1"
    /// The tolerance the specification recommends, in seconds.
    public static let recommendedToleranceSeconds: Int64 = 300
    /// Longest accepted `webhook-timestamp` (Unix seconds have 10 digits until the year 2286).
    private static let maximumTimestampDigits = 12

    /// The HMAC key of a `whsec_<base64>` secret (the prefix is optional, as in the reference libraries).
    /// - Throws: ``SignatureError`` `.invalidSecret` when the part after `whsec_` is not base64 or decodes to
    ///   nothing (the reason never quotes the secret); `.cryptoFailure` when OpenSSL fails.
    public static func key(secret: String) throws(SignatureError) -> HMACKey {
        let encoded = secret.hasPrefix(secretPrefix) ? String(secret.dropFirst(secretPrefix.count)) : secret
        let bytes: [UInt8]
        do {
            bytes = try Base64.decode(encoded)
        } catch {
            throw SignatureError(.invalidSecret, "a Standard Webhooks secret must be 'whsec_' followed by standard base64 of the key bytes; generate one with `openssl rand -base64 32`")
        }
        guard !bytes.isEmpty else {
            throw SignatureError(.invalidSecret, "a Standard Webhooks secret must not be empty after 'whsec_'; use at least 24 random bytes")
        }
        return try HMACKey.signing(.sha256, key: bytes)
    }

    /// The raw HMAC of `<id>.<timestamp>.<body>`, fed in pieces so the body is not copied.
    public static func authenticationCode(id: some StringProtocol, timestamp: some StringProtocol,
                                          body: some ContiguousBytes, key: HMACKey) throws(SignatureError) -> [UInt8] {
        do {
            return try key.authenticationCode { mac in
                mac.update(String(id))
                mac.update(".")
                mac.update(String(timestamp))
                mac.update(".")
                mac.update(body)
            }
        } catch {
            throw SignatureError(.cryptoFailure, "HMAC-SHA256 failed", underlying: error)
        }
    }

    /// The `webhook-signature` value a sender puts: `v1,<base64>`.
    public static func headerValue(id: String, timestamp: Int64, body: some ContiguousBytes,
                                   key: HMACKey) throws(SignatureError) -> String {
        version + "," + Base64.encode(try authenticationCode(id: id, timestamp: String(timestamp), body: body, key: key))
    }

    /// The three headers of one signed request, in the order senders put them: id, timestamp, signature.
    public static func headers(id: String, timestamp: Int64, body: some ContiguousBytes,
                               key: HMACKey) throws(SignatureError) -> [(name: String, value: String)] {
        [
            (idHeader, id),
            (timestampHeader, String(timestamp)),
            (signatureHeader, try headerValue(id: id, timestamp: timestamp, body: body, key: key)),
        ]
    }

    /// Verifies a delivery: the timestamp is within `toleranceSeconds` of `now` (Unix seconds, either way), and one of
    /// the `v1` entries matches under one of `keys` (rotation: any key may match), compared in constant time.
    /// Entries of other versions are skipped.
    /// - Returns: nil when authentic, otherwise why not.
    public static func verify(id: Substring?, timestamp: Substring?, signatures: Substring?, body: some ContiguousBytes,
                              keys: [HMACKey], now: Int64, toleranceSeconds: Int64) -> SignatureRejection? {
        guard let id, !id.isEmpty else { return missing(idHeader) }
        guard let timestamp, !timestamp.isEmpty else { return missing(timestampHeader) }
        guard let signatures, !signatures.isEmpty else { return missing(signatureHeader) }
        guard timestamp.utf8.count <= maximumTimestampDigits,
              timestamp.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let seconds = Int64(timestamp)
        else {
            return SignatureRejection(.signatureMalformed, "the \(timestampHeader) header must be Unix time in whole seconds")
        }
        guard abs(now - seconds) <= toleranceSeconds else {
            let direction = seconds < now ? "old" : "far in the future"
            return SignatureRejection(.timestampOutOfTolerance, "the \(timestampHeader) header is \(abs(now - seconds)) seconds \(direction); at most \(toleranceSeconds) seconds of clock difference are accepted (check the sender's clock, or resend)")
        }
        var candidates: [[UInt8]] = []
        for entry in signatures.split(separator: " ", omittingEmptySubsequences: true) {
            guard let comma = entry.firstIndex(of: ",") else { continue }
            guard entry[..<comma] == version else { continue }  // v1a and future versions: not verified here
            if let bytes = try? Base64.decode(ascii: Array(entry[entry.index(after: comma)...].utf8)), !bytes.isEmpty {
                candidates.append(bytes)
            }
        }
        guard !candidates.isEmpty else {
            return SignatureRejection(.signatureMalformed, "the \(signatureHeader) header holds no 'v1,<base64>' entry (v1a Ed25519 signatures are not supported yet)")
        }
        for key in keys {
            // An OpenSSL failure cannot be told from a mismatch by the sender; it is counted as one.
            guard let expected = try? authenticationCode(id: id, timestamp: timestamp, body: body, key: key) else { continue }
            for candidate in candidates where ConstantTime.isEqual(expected, candidate) { return nil }
        }
        return SignatureRejection(.signatureMismatch, "no \(signatureHeader) entry matches the body under any of the integration's secrets")
    }

    private static func missing(_ header: String) -> SignatureRejection {
        SignatureRejection(.signatureMissing, "the \(header) header is required by Standard Webhooks")
    }
}
