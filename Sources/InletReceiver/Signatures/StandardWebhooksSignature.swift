import InletCrypto

/// The Standard Webhooks signature scheme (https://www.standardwebhooks.com, the scheme Svix uses).
///
/// - `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature` headers;
/// - the signed content is `<id>.<timestamp>.<body>`;
/// - `webhook-signature` is a space-separated list of `<version>,<base64 signature>`; `v1` is HMAC-SHA256 with the
///   key `base64decode(secret without its "whsec_" prefix)`. Several entries appear during secret rotation.
/// - `v1a` (Ed25519, asymmetric) entries are ignored for now: verifying them needs public keys per integration,
///   which the integrations file does not carry yet.
enum StandardWebhooksSignature {
    static let idHeader = "webhook-id"
    static let timestampHeader = "webhook-timestamp"
    static let signatureHeader = "webhook-signature"
    static let secretPrefix = "whsec_"
    static let version = "v1"

    /// The HMAC key of a `whsec_<base64>` secret (the prefix is optional, as in the reference libraries).
    static func key(secret: String) throws(ReceiverError) -> HMACKey {
        let encoded = secret.hasPrefix(secretPrefix) ? String(secret.dropFirst(secretPrefix.count)) : secret
        let bytes: [UInt8]
        do {
            bytes = try Base64.decode(encoded)
        } catch {
            throw ReceiverError(.invalidSecret, "a Standard Webhooks secret must be 'whsec_' followed by base64 of the key bytes")
        }
        guard !bytes.isEmpty else {
            throw ReceiverError(.invalidSecret, "a Standard Webhooks secret must not be empty after 'whsec_'")
        }
        do {
            return try HMACKey(algorithm: .sha256, key: bytes)
        } catch {
            throw ReceiverError(.cryptoFailure, "cannot create an HMAC-SHA256 key: \(error)")
        }
    }

    /// The raw HMAC of `<id>.<timestamp>.<body>`, fed in pieces so the body is not copied.
    static func authenticationCode(id: some StringProtocol, timestamp: some StringProtocol, body: [UInt8],
                                   key: HMACKey) throws -> [UInt8] {
        try key.authenticationCode { mac in
            mac.update(String(id))
            mac.update(".")
            mac.update(String(timestamp))
            mac.update(".")
            mac.update(body)
        }
    }

    /// The `webhook-signature` value a sender would put: `v1,<base64>`.
    static func headerValue(id: String, timestamp: Int64, body: [UInt8], key: HMACKey) throws(ReceiverError) -> String {
        do {
            return version + "," + Base64.encode(try authenticationCode(id: id, timestamp: String(timestamp), body: body, key: key))
        } catch {
            throw ReceiverError(.cryptoFailure, "HMAC-SHA256 failed: \(error)")
        }
    }

    /// Verifies a delivery. `now` is Unix seconds; `tolerance` the accepted clock difference either way.
    /// - Returns: nil when a `v1` signature matches under one of `keys`, otherwise the rejection.
    static func verify(id: Substring?, timestamp: Substring?, signatures: Substring?, body: [UInt8],
                       keys: [HMACKey], now: Int64, toleranceSeconds: Int64) -> WebhookRejection? {
        guard let id, !id.isEmpty else { return missing(idHeader) }
        guard let timestamp, !timestamp.isEmpty else { return missing(timestampHeader) }
        guard let signatures, !signatures.isEmpty else { return missing(signatureHeader) }
        guard timestamp.utf8.count <= 12, timestamp.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let seconds = Int64(timestamp)
        else {
            return WebhookRejection(.signatureMalformed, "the \(timestampHeader) header must be Unix time in whole seconds")
        }
        guard abs(now - seconds) <= toleranceSeconds else {
            let direction = seconds < now ? "old" : "far in the future"
            return WebhookRejection(.timestampOutOfTolerance, "the \(timestampHeader) header is \(abs(now - seconds)) seconds \(direction); at most \(toleranceSeconds) seconds of clock difference are accepted (check the sender's clock, or resend)")
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
            return WebhookRejection(.signatureMalformed, "the \(signatureHeader) header holds no 'v1,<base64>' entry (v1a Ed25519 signatures are not supported yet)")
        }
        for key in keys {
            guard let expected = try? authenticationCode(id: id, timestamp: timestamp, body: body, key: key) else { continue }
            for candidate in candidates where ConstantTime.isEqual(expected, candidate) { return nil }
        }
        return WebhookRejection(.signatureMismatch, "no \(signatureHeader) entry matches the body under any of the integration's secrets")
    }

    private static func missing(_ header: String) -> WebhookRejection {
        WebhookRejection(.signatureMissing, "the \(header) header is required by Standard Webhooks")
    }
}
