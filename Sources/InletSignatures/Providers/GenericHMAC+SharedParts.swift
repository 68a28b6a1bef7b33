import InletCrypto

// The parts every HMAC-family scheme in this folder is made of. The generic scheme (`GenericHMACVerifier`) exposes
// all of them as options; each named provider fixes them. They live beside the generic scheme because it is their
// most general user.

extension HMACKeyRing {
    /// The key ring of an integration's secrets as written in the integrations file (UTF-8 bytes, used as-is: every
    /// HMAC provider here keys its MAC with the secret string, prefixes such as `whsec_` included).
    ///
    /// - Parameter provider: named in errors, e.g. "Stripe".
    /// - Throws: ``SignatureError`` `.invalidSecret` when there is no secret or one is empty or blank (the reason
    ///   gives its position, never the secret); `.cryptoFailure` when OpenSSL cannot set a key up.
    static func signatureSecrets(_ secrets: [String], algorithm: HMACAlgorithm, provider: String) throws(SignatureError) -> HMACKeyRing {
        guard !secrets.isEmpty else {
            throw SignatureError(.invalidSecret, "no \(provider) signing secret is configured; add the integration's secret (during rotation, the current and the previous one)")
        }
        var keys: [HMACKey] = []
        for (index, secret) in secrets.enumerated() {
            keys.append(try signatureKey(secret, algorithm: algorithm, provider: provider, position: "secrets[\(index)]"))
        }
        return HMACKeyRing(keys)
    }

    /// One key, for signing helpers; the same rules as ``signatureSecrets(_:algorithm:provider:)``.
    static func signatureKey(_ secret: String, algorithm: HMACAlgorithm, provider: String,
                             position: String = "the secret") throws(SignatureError) -> HMACKey {
        guard secret.utf8.contains(where: { !Self.isBlank($0) }) else {
            throw SignatureError(.invalidSecret, "\(position) is empty or blank; copy the \(provider) signing secret exactly as the provider shows it")
        }
        return try HMACKey.signing(algorithm, key: Array(secret.utf8))
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0B || byte == 0x0C
    }
}

/// Replay protection for schemes that sign a timestamp: the timestamp must be a plain decimal number and lie within
/// `toleranceSeconds` of the receiver's clock, in either direction.
///
/// Rejecting timestamps from the future as well as stale ones is deliberate, even where a provider's SDK checks only
/// the age: a sender whose clock runs minutes ahead is misconfigured, and accepting its future timestamps would keep
/// a captured request replayable for longer than the tolerance.
struct TimestampFreshness: Sendable, Hashable {
    enum Unit: Sendable, Hashable {
        case seconds
        case milliseconds

        var perSecond: Int64 { self == .seconds ? 1 : 1000 }
        /// Longest accepted number: Unix seconds have 10 digits until 2286, milliseconds 13.
        var maximumDigits: Int { self == .seconds ? 12 : 15 }
        var phrase: String { self == .seconds ? "Unix time in whole seconds" : "Unix time in whole milliseconds" }
    }

    let unit: Unit
    let toleranceSeconds: Int64
    /// Where the timestamp is read, for messages, e.g. "the X-Slack-Request-Timestamp header".
    let source: String

    /// - Precondition: `toleranceSeconds` is positive (a configuration error otherwise, caught where it is read).
    init(unit: Unit, toleranceSeconds: Int64, source: String) {
        precondition(toleranceSeconds > 0, "a timestamp tolerance must be positive")
        self.unit = unit
        self.toleranceSeconds = toleranceSeconds
        self.source = source
    }

    /// The timestamp in `unit`, or nil unless `text` is 1 to `maximumDigits` ASCII digits (no sign, space or point).
    func parse(_ text: Substring) -> Int64? {
        let utf8 = text.utf8
        guard !utf8.isEmpty, utf8.count <= unit.maximumDigits else { return nil }
        var value: Int64 = 0
        for byte in utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return value
    }

    /// Parses and checks `text`: nil when fresh, otherwise `.signatureMissing`, `.signatureMalformed` or
    /// `.timestampOutOfTolerance`.
    func check(_ text: Substring?, now: Int64) -> SignatureRejection? {
        guard let text, !text.isEmpty else {
            return SignatureRejection(.signatureMissing, "\(source) is required; it carries the signed timestamp")
        }
        guard let value = parse(text) else { return malformed() }
        return check(value: value, now: now)
    }

    /// Checks a timestamp already read (in `unit`) against `now` (Unix seconds).
    func check(value: Int64, now: Int64) -> SignatureRejection? {
        // Both sides in the timestamp's unit. `parse` bounds `value`; a clock so far off that this overflows is
        // out of tolerance by any measure.
        let (nowInUnit, overflowed) = now.multipliedReportingOverflow(by: unit.perSecond)
        let (difference, subtractionOverflowed) = nowInUnit.subtractingReportingOverflow(value)
        guard !overflowed, !subtractionOverflowed else {
            return SignatureRejection(.timestampOutOfTolerance, "\(source) is too far from the receiver's clock; check the sender's clock")
        }
        guard difference.magnitude > UInt64(toleranceSeconds) * UInt64(unit.perSecond) else { return nil }
        let seconds = difference.magnitude / UInt64(unit.perSecond)
        let direction = difference > 0 ? "old" : "in the future"
        return SignatureRejection(.timestampOutOfTolerance, "\(source) is \(seconds) seconds \(direction); at most \(toleranceSeconds) seconds of clock difference are accepted (check the sender's clock, or resend)")
    }

    func malformed() -> SignatureRejection {
        SignatureRejection(.signatureMalformed, "\(source) must be \(unit.phrase)")
    }
}

extension SignatureRejection {
    /// The rejection for a signature that matches under none of the integration's secrets.
    static func mismatch(_ what: String, provider: String) -> SignatureRejection {
        SignatureRejection(.signatureMismatch, "\(what) does not match the request under any of the integration's secrets; check that the integration holds the current \(provider) signing secret and that nothing rewrites the body on the way")
    }
}
