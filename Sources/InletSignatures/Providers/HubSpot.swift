#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import InletCrypto

/// HubSpot's v3 request signature: `X-HubSpot-Signature-v3: <base64 HMAC-SHA256(app client secret,
/// method + URI + raw body + timestamp)>` with `X-HubSpot-Request-Timestamp` in Unix milliseconds.
///
/// The URI is the full URL HubSpot called (`InboundRequest.url`: scheme, host, path and query) with HubSpot's
/// documented set of percent-encodings decoded (``signedURI(_:)``); the timestamp is signed exactly as sent. HubSpot
/// rejects requests older than five minutes; Inlet also rejects timestamps more than five minutes ahead. The body's
/// events carry `eventId`s for the deduplicator. The older v1/v2 signatures HubSpot also sends (unkeyed SHA-256, no
/// timestamp) are not accepted.
/// Docs: https://developers.hubspot.com/docs/apps/legacy-apps/authentication/validating-requests
public enum HubSpotSignature {
    public static let signatureHeader = "X-HubSpot-Signature-v3"
    public static let timestampHeader = "X-HubSpot-Request-Timestamp"
    /// Five minutes, as HubSpot documents.
    public static let defaultToleranceSeconds: Int64 = 300

    /// The HMAC-SHA256 key of an app's client secret.
    /// - Throws: ``SignatureError`` `.invalidSecret` for a blank secret, `.cryptoFailure`.
    public static func key(secret: String) throws(SignatureError) -> HMACKey {
        try HMACKeyRing.signatureKey(secret, algorithm: .sha256, provider: "HubSpot")
    }

    /// The characters HubSpot decodes in the URI before signing, by the two hex digits of their encoding (upper
    /// case): `%3A : %2F / %3F ? %40 @ %21 ! %24 $ %27 ' %28 ( %29 ) %2A * %2C , %3B ;`. Every other `%XX` is signed
    /// as it is.
    static let decodedEncodings: [String: UInt8] = [
        "3A": UInt8(ascii: ":"), "2F": UInt8(ascii: "/"), "3F": UInt8(ascii: "?"), "40": UInt8(ascii: "@"),
        "21": UInt8(ascii: "!"), "24": UInt8(ascii: "$"), "27": UInt8(ascii: "'"), "28": UInt8(ascii: "("),
        "29": UInt8(ascii: ")"), "2A": UInt8(ascii: "*"), "2C": UInt8(ascii: ","), "3B": UInt8(ascii: ";"),
    ]

    /// The URI as HubSpot signs it: `url` with the encodings of ``decodedEncodings`` decoded (hex digits of either
    /// case, since percent-encoding is case-insensitive), in one pass (a decoded `%` is never decoded again).
    public static func signedURI(_ url: some StringProtocol) -> String {
        let utf8 = Array(url.utf8)
        guard utf8.contains(UInt8(ascii: "%")) else { return String(url) }
        var output: [UInt8] = []
        output.reserveCapacity(utf8.count)
        var index = 0
        while index < utf8.count {
            if utf8[index] == UInt8(ascii: "%"), index + 2 < utf8.count,
               let decoded = decodedEncodings[String(decoding: utf8[(index + 1)...(index + 2)].map(uppercased), as: UTF8.self)] {
                output.append(decoded)
                index += 3
            } else {
                output.append(utf8[index])
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func uppercased(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") ? byte - 0x20 : byte
    }

    /// The raw HMAC of `method + signedURI(url) + body + timestamp`, fed in pieces.
    static func authenticationCode(method: String, signedURI: String, body: some ContiguousBytes, timestamp: some StringProtocol,
                                   key: HMACKey) throws(SignatureError) -> [UInt8] {
        do {
            return try key.authenticationCode { mac in
                mac.update(method + signedURI)
                mac.update(body)
                mac.update(String(timestamp))
            }
        } catch {
            throw SignatureError(.cryptoFailure, "HMAC-SHA256 failed", underlying: error)
        }
    }

    /// The `X-HubSpot-Signature-v3` value HubSpot would send for a request to `url` at `timestamp` (Unix
    /// milliseconds).
    public static func headerValue(method: String = "POST", url: String, body: some ContiguousBytes, timestamp: Int64,
                                   key: HMACKey) throws(SignatureError) -> String {
        Base64.encode(try authenticationCode(method: method, signedURI: signedURI(url), body: body, timestamp: String(timestamp), key: key))
    }

    /// The two headers of a signed request: timestamp, then signature.
    public static func headers(method: String = "POST", url: String, body: some ContiguousBytes, timestamp: Int64,
                               key: HMACKey) throws(SignatureError) -> [(name: String, value: String)] {
        [(timestampHeader, String(timestamp)),
         (signatureHeader, try headerValue(method: method, url: url, body: body, timestamp: timestamp, key: key))]
    }
}

/// Verifies HubSpot v3 signatures with the app's client secrets (several during rotation; any may match).
///
/// - Important: `InboundRequest.url` must be the URL HubSpot called, as configured in the app (behind a proxy,
///   rebuilt from the receiver's public base URL), or no signature will match.
public struct HubSpotVerifier: WebhookVerifier {
    private let keys: HMACKeyRing
    private let freshness: TimestampFreshness

    /// - Parameter toleranceSeconds: accepted difference between the request timestamp and the receiver's clock,
    ///   either way (1 to 604,800).
    /// - Throws: ``SignatureError`` `.invalidSecret` when no secret is given or one is blank, `.cryptoFailure`.
    public init(secrets: [String], toleranceSeconds: Int64 = HubSpotSignature.defaultToleranceSeconds) throws(SignatureError) {
        precondition((1...GenericHMACOptions.maximumToleranceSeconds).contains(toleranceSeconds),
                     "HubSpotVerifier: toleranceSeconds must be 1...\(GenericHMACOptions.maximumToleranceSeconds)")
        keys = try HMACKeyRing.signatureSecrets(secrets, algorithm: .sha256, provider: "HubSpot")
        freshness = TimestampFreshness(unit: .milliseconds, toleranceSeconds: toleranceSeconds,
                                       source: "the \(HubSpotSignature.timestampHeader) header")
    }

    public func verify(_ request: InboundRequest) -> SignatureRejection? {
        let name = HubSpotSignature.signatureHeader
        guard let value = request.headers[name], !value.isEmpty else {
            return SignatureRejection(.signatureMissing, "the \(name) header is required; HubSpot sends it on webhooks and workflow actions of apps with a client secret")
        }
        guard let signature = try? Base64.decode(ascii: Array(value.utf8), alphabet: .standard, padding: .optional), signature.count == 32 else {
            return SignatureRejection(.signatureMalformed, "the \(name) header must be the base64 of a 32-byte HMAC-SHA256")
        }
        let timestamp = request.headers[HubSpotSignature.timestampHeader]
        if let rejection = freshness.check(timestamp, now: request.now) { return rejection }
        let uri = HubSpotSignature.signedURI(request.url)
        let authentic = keys.authenticates(anyOf: [signature]) { mac in
            mac.update(request.method + uri)
            mac.update(request.body)
            mac.update(String(timestamp ?? ""))
        }
        return authentic ? nil : .mismatch("the \(name) signature (over method, URL, body and timestamp)", provider: "HubSpot")
    }
}
