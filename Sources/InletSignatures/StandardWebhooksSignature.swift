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
///   key `base64decode(secret without its "whsec_" prefix)`; `v1a` is Ed25519 over the same content, verified with
///   a `whpk_<base64 of 32 bytes>` public key. Several entries appear during secret rotation.
///
/// Inlet uses it both ways: the receiver verifies Standard Webhooks providers (through ``StandardWebhooksVerifier``),
/// the deliverer signs every outbound request and the sink verifies them. Keys come from ``key(secret:)`` and
/// ``publicKey(_:)`` once per secret and are reused (thread-safe).
public enum StandardWebhooksSignature {
    public static let idHeader = "webhook-id"
    public static let timestampHeader = "webhook-timestamp"
    public static let signatureHeader = "webhook-signature"
    /// The prefix of Standard Webhooks secrets.
    public static let secretPrefix = "whsec_"
    /// The prefix of Standard Webhooks Ed25519 public keys (`v1a`).
    public static let publicKeyPrefix = "whpk_"
    /// The prefix of Standard Webhooks Ed25519 private keys; never configured on a receiver.
    public static let privateKeyPrefix = "whsk_"
    /// The symmetric signature version (HMAC-SHA256), signed by Inlet's deliverer and verified.
    public static let version = "v1"
    /// The asymmetric signature version (Ed25519), verified with `whpk_` public keys.
    public static let asymmetricVersion = "v1a"
    /// The tolerance the specification recommends, in seconds.
    public static let recommendedToleranceSeconds: Int64 = 300

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

    /// The Ed25519 public key of a `whpk_<base64>` key (the prefix is optional).
    /// - Throws: ``SignatureError`` `.invalidSecret` when the text is not base64 of exactly 32 bytes or not a valid
    ///   Ed25519 point (the reason never quotes the key).
    public static func publicKey(_ text: String) throws(SignatureError) -> Ed25519PublicKey {
        let encoded = text.hasPrefix(publicKeyPrefix) ? String(text.dropFirst(publicKeyPrefix.count)) : text
        guard let raw = try? Base64.decode(encoded), raw.count == Ed25519PublicKey.byteCount,
              let key = try? Ed25519PublicKey(rawRepresentation: raw)
        else {
            throw SignatureError(.invalidSecret, "a Standard Webhooks public key must be 'whpk_' followed by standard base64 of the 32 Ed25519 public key bytes")
        }
        return key
    }

    /// `<id>.<timestamp>.<body>` as one buffer: Ed25519 needs the whole message at once.
    public static func signedContent(id: some StringProtocol, timestamp: some StringProtocol, body: some ContiguousBytes) -> [UInt8] {
        var content: [UInt8] = []
        body.withUnsafeBytes { body in
            content.reserveCapacity(id.utf8.count + timestamp.utf8.count + 2 + body.count)
            content.append(contentsOf: id.utf8)
            content.append(UInt8(ascii: "."))
            content.append(contentsOf: timestamp.utf8)
            content.append(UInt8(ascii: "."))
            content.append(contentsOf: body)
        }
        return content
    }

    /// The `webhook-signature` entry an Ed25519 sender puts: `v1a,<base64>` (for tests and tools that imitate one).
    public static func asymmetricHeaderValue(id: String, timestamp: Int64, body: some ContiguousBytes,
                                             privateKey: Ed25519PrivateKey) throws(SignatureError) -> String {
        do {
            let signature = try privateKey.signature(for: signedContent(id: id, timestamp: String(timestamp), body: body))
            return asymmetricVersion + "," + Base64.encode(signature)
        } catch {
            throw SignatureError(.cryptoFailure, "Ed25519 signing failed", underlying: error)
        }
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
    /// the `v1` entries matches under one of `keys` or one of the `v1a` entries under one of `publicKeys` (rotation:
    /// any key may match); HMACs are compared in constant time. Entries of other versions are skipped.
    /// - Returns: nil when authentic, otherwise why not.
    public static func verify(id: Substring?, timestamp: Substring?, signatures: Substring?, body: some ContiguousBytes,
                              keys: [HMACKey], publicKeys: [Ed25519PublicKey] = [],
                              now: Int64, toleranceSeconds: Int64) -> SignatureRejection? {
        guard let id, !id.isEmpty else { return missing(idHeader) }
        guard let timestamp, !timestamp.isEmpty else { return missing(timestampHeader) }
        guard let signatures, !signatures.isEmpty else { return missing(signatureHeader) }
        guard let seconds = SignedUnixTimestamp.parse(timestamp) else {
            return SignatureRejection(.signatureMalformed, "the \(timestampHeader) header must be Unix time in whole seconds")
        }
        if let stale = SignedUnixTimestamp.check(seconds, now: now, toleranceSeconds: toleranceSeconds, header: timestampHeader) {
            return stale
        }
        var symmetric: [[UInt8]] = []
        var asymmetric: [[UInt8]] = []
        for entry in ASCIIFields.split(signatures, on: UInt8(ascii: " ")) {
            guard let (entryVersion, encoded) = ASCIIFields.pair(entry, on: UInt8(ascii: ",")) else { continue }
            guard entryVersion == version || entryVersion == asymmetricVersion else { continue }  // future versions
            guard let bytes = try? Base64.decode(ascii: Array(encoded.utf8)), !bytes.isEmpty else { continue }
            if entryVersion == version {
                symmetric.append(bytes)
            } else if bytes.count == Ed25519PublicKey.signatureByteCount {
                asymmetric.append(bytes)
            }
        }
        guard !symmetric.isEmpty || !asymmetric.isEmpty else {
            return SignatureRejection(.signatureMalformed, "the \(signatureHeader) header holds no 'v1,<base64 HMAC-SHA256>' or 'v1a,<base64 64-byte Ed25519 signature>' entry")
        }
        if !symmetric.isEmpty {
            for key in keys {
                // An OpenSSL failure cannot be told from a mismatch by the sender; it is counted as one.
                guard let expected = try? authenticationCode(id: id, timestamp: timestamp, body: body, key: key) else { continue }
                for candidate in symmetric where ConstantTime.isEqual(expected, candidate) { return nil }
            }
        }
        if !asymmetric.isEmpty, !publicKeys.isEmpty {
            let content = signedContent(id: id, timestamp: timestamp, body: body)
            for publicKey in publicKeys {
                for candidate in asymmetric where (try? publicKey.isValidSignature(candidate, for: content)) == true { return nil }
            }
        }
        if symmetric.isEmpty, publicKeys.isEmpty {
            return SignatureRejection(.signatureMismatch, "the \(signatureHeader) header carries only v1a (Ed25519) signatures, but the integration has no 'whpk_' public key configured")
        }
        if asymmetric.isEmpty, keys.isEmpty {
            return SignatureRejection(.signatureMismatch, "the \(signatureHeader) header carries only v1 (HMAC) signatures, but the integration has only 'whpk_' public keys configured")
        }
        return SignatureRejection(.signatureMismatch, "no \(signatureHeader) entry matches the body under any of the integration's secrets or public keys")
    }

    private static func missing(_ header: String) -> SignatureRejection {
        SignatureRejection(.signatureMissing, "the \(header) header is required by Standard Webhooks")
    }
}

/// The Unix-seconds timestamps that timestamped schemes sign (Standard Webhooks, Mailgun, SendGrid, Discord): strict
/// parsing and the tolerance check, with one wording for every scheme.
enum SignedUnixTimestamp {
    /// Longest accepted timestamp (Unix seconds have 10 digits until the year 2286).
    static let maximumDigits = 12

    /// The seconds in `text` when it is 1–12 ASCII digits (no sign, no fraction, no spaces), else nil.
    static func parse(_ text: some StringProtocol) -> Int64? {
        let utf8 = text.utf8
        guard !utf8.isEmpty, utf8.count <= maximumDigits,
              utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { return nil }
        return Int64(String(text))
    }

    /// nil when `seconds` is within `toleranceSeconds` of `now` (either way), otherwise the rejection naming `header`.
    static func check(_ seconds: Int64, now: Int64, toleranceSeconds: Int64, header: String) -> SignatureRejection? {
        let distance = now >= seconds ? now - seconds : seconds - now
        guard distance > toleranceSeconds else { return nil }
        let direction = seconds < now ? "old" : "far in the future"
        return SignatureRejection(.timestampOutOfTolerance, "the \(header) header is \(distance) seconds \(direction); at most \(toleranceSeconds) seconds of clock difference are accepted (check the sender's clock, or resend)")
    }
}
