#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import InletCrypto

/// The scheme Slack and Zoom share: `<signature header>: v0=<hex HMAC-SHA256(secret, "v0:<timestamp>:<raw body>")>`
/// with the Unix-seconds timestamp in a header of its own. Only the header names (and the provider named in messages)
/// differ, so both are this one type, expressed as built-in ``GenericHMACOptions``.
struct VersionedTimestampHMAC: Sendable {
    let provider: String
    let signatureHeader: String
    let timestampHeader: String
    static let version = "v0"
    /// The options with the default tolerance, compiled once (the signing helpers use them).
    let defaultOptions: GenericHMACOptions

    init(provider: String, signatureHeader: String, timestampHeader: String, defaultToleranceSeconds: Int64) {
        self.provider = provider
        self.signatureHeader = signatureHeader
        self.timestampHeader = timestampHeader
        defaultOptions = Self.options(signatureHeader: signatureHeader, timestampHeader: timestampHeader,
                                      toleranceSeconds: defaultToleranceSeconds)
    }

    private static func options(signatureHeader: String, timestampHeader: String, toleranceSeconds: Int64) -> GenericHMACOptions {
        .builtIn(header: signatureHeader, prefix: version + "=", signed: version + ":{timestamp}:{body}",
                 timestampHeader: timestampHeader, timestampUnit: .seconds, toleranceSeconds: toleranceSeconds)
    }

    func key(secret: String) throws(SignatureError) -> HMACKey {
        try HMACKeyRing.signatureKey(secret, algorithm: .sha256, provider: provider)
    }

    func headerValue(timestamp: Int64, body: some ContiguousBytes, key: HMACKey) throws(SignatureError) -> String {
        try defaultOptions.signatureHeaderValue(key: key) { mac in
            mac.update(Self.version + ":" + String(timestamp) + ":")
            mac.update(body)
        }
    }

    func headers(timestamp: Int64, body: some ContiguousBytes, key: HMACKey) throws(SignatureError) -> [(name: String, value: String)] {
        [(timestampHeader, String(timestamp)), (signatureHeader, try headerValue(timestamp: timestamp, body: body, key: key))]
    }

    /// A verifier of `secrets` (several during rotation; any may match).
    /// - Precondition: `toleranceSeconds` in 1...604,800.
    func verifier(secrets: [String], toleranceSeconds: Int64) throws(SignatureError) -> GenericHMACVerifier {
        precondition((1...GenericHMACOptions.maximumToleranceSeconds).contains(toleranceSeconds),
                     "\(provider)Verifier: toleranceSeconds must be 1...\(GenericHMACOptions.maximumToleranceSeconds)")
        let options = Self.options(signatureHeader: signatureHeader, timestampHeader: timestampHeader, toleranceSeconds: toleranceSeconds)
        return try GenericHMACVerifier(secrets: secrets, options: options, provider: provider)
    }
}
