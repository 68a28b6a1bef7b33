#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import InletCrypto

/// A parsed `<timestamp>,<scheme>=<hex>[,<scheme>=<hex>…]` header (Stripe's `t=…,v1=…`, Paddle's `ts=…;h1=…`).
public struct TimestampedSignatures: Sendable, Hashable {
    /// The timestamp element as sent (digits only).
    public var timestamp: Substring
    /// The well-formed signatures of the verified scheme (32 bytes each), in order; malformed entries are dropped.
    public var signatures: [[UInt8]]
}

/// The grammar Stripe and Paddle share: a list of `name=value` elements holding one Unix-seconds timestamp and one or
/// more hex HMAC-SHA256 signatures of `"<timestamp><joiner><raw body>"` (several while a secret rotates). Only the
/// separators, names and joiner differ, so both providers are this one type with their own spelling.
struct TimestampedSignatureList: Sendable {
    let provider: String
    let header: String
    /// Between elements: `,` (Stripe), `;` (Paddle).
    let elementSeparator: UInt8
    /// The timestamp element's name: `t`, `ts`.
    let timestampName: String
    /// The signature element's name: `v1`, `h1`; elements of other names are skipped.
    let scheme: String
    /// Between timestamp and body in the signed string: `.`, `:`.
    let joiner: String
    /// What the sender should know when the header is absent.
    let missingHint: String

    /// Parses a header value: the first timestamp element (all digits) and every signature element of 64 hex digits
    /// (either case); everything else is skipped. Nil when there is no well-formed timestamp. Total on any input.
    func parse(_ value: Substring) -> TimestampedSignatures? {
        var timestamp: Substring?
        var signatures: [[UInt8]] = []
        for element in ASCIIFields.split(value, on: elementSeparator) {
            guard let (name, content) = ASCIIFields.pair(element, on: UInt8(ascii: "=")) else { continue }
            if name == timestampName {
                if timestamp == nil { timestamp = content }
            } else if name == scheme, content.utf8.count == 64, let bytes = try? Hex.decode(ascii: Array(content.utf8)) {
                signatures.append(bytes)
            }
        }
        guard let timestamp, !timestamp.isEmpty, timestamp.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return nil
        }
        return TimestampedSignatures(timestamp: timestamp, signatures: signatures)
    }

    /// The raw HMAC of `"<timestamp><joiner><body>"`, fed in pieces.
    func authenticationCode(timestamp: some StringProtocol, body: some ContiguousBytes, key: HMACKey) throws(SignatureError) -> [UInt8] {
        do {
            return try key.authenticationCode { mac in
                mac.update(String(timestamp) + joiner)
                mac.update(body)
            }
        } catch {
            throw SignatureError(.cryptoFailure, "HMAC-SHA256 failed", underlying: error)
        }
    }

    /// The header value the provider would send for `body` at `timestamp`: one signature element per key, in order.
    func headerValue(timestamp: Int64, body: some ContiguousBytes, keys: [HMACKey]) throws(SignatureError) -> String {
        let separator = String(UnicodeScalar(elementSeparator))
        var value = timestampName + "=" + String(timestamp)
        for key in keys {
            value += separator + scheme + "=" + Hex.encode(try authenticationCode(timestamp: String(timestamp), body: body, key: key))
        }
        return value
    }

    /// The freshness check of this header's timestamp.
    func freshness(toleranceSeconds: Int64) -> TimestampFreshness {
        TimestampFreshness(unit: .seconds, toleranceSeconds: toleranceSeconds,
                           source: "the \(timestampName)= timestamp of the \(header) header")
    }

    /// Nil when one of the header's signatures is the HMAC of the request under one of `keys`, otherwise why not.
    func verify(_ request: InboundRequest, keys: HMACKeyRing, freshness: TimestampFreshness) -> SignatureRejection? {
        guard let value = request.headers[header], !value.isEmpty else {
            return SignatureRejection(.signatureMissing, "the \(header) header is required; \(missingHint)")
        }
        let separator = String(UnicodeScalar(elementSeparator))
        guard let parsed = parse(value) else {
            return SignatureRejection(.signatureMalformed, "the \(header) header must be '\(timestampName)=<Unix seconds>\(separator)\(scheme)=<64 hex digits>' (more \(scheme) entries may follow)")
        }
        guard !parsed.signatures.isEmpty else {
            return SignatureRejection(.signatureMalformed, "the \(header) header holds no '\(scheme)=<64 hex digits>' signature")
        }
        if let rejection = freshness.check(parsed.timestamp, now: request.now) { return rejection }
        let authentic = keys.authenticates(anyOf: parsed.signatures) { mac in
            mac.update(String(parsed.timestamp) + joiner)
            mac.update(request.body)
        }
        return authentic ? nil : .mismatch("no \(scheme) signature of the \(header) header", provider: provider)
    }
}
