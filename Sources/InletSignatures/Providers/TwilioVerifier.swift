#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import InletCrypto

/// Verifies Twilio webhooks: `X-Twilio-Signature` = base64 HMAC of the full URL Twilio called followed by, for form
/// bodies, every POST parameter's name and value sorted by name; keyed by the account's Auth Token (UTF-8 bytes).
/// Docs: https://www.twilio.com/docs/usage/security ("Validating signatures from Twilio").
///
/// - **JSON bodies**: Twilio adds `bodySHA256=<hex SHA-256 of the body>` to the URL's query and signs the URL
///   alone; the body's hash is checked too, in constant time.
/// - **Ports**: Twilio's backend sometimes signs the URL with the default port (`:443`, `:80`) and sometimes
///   without; as in twilio-python's `RequestValidator.validate`, the URL is tried both with its port removed and
///   with the scheme's default port added.
/// - **Algorithm**: HMAC-SHA1 by default; when `X-Twilio-Webhooks-Signature-Settings` names
///   `algorithm=HMAC_SHA256` (webhooks signed with a SharedKey), HMAC-SHA256 with that key's secret, which is then
///   one of the configured secrets.
/// - A non-empty body that is neither form-encoded nor covered by `bodySHA256` is refused: nothing would
///   authenticate it.
///
/// No timestamp: the deduplicator (by `I-Twilio-Idempotency-Token`) makes a replay harmless.
public struct TwilioVerifier: WebhookVerifier {
    public static let signatureHeader = "X-Twilio-Signature"
    /// Names the algorithm and SharedKey of signatures not made with the Auth Token.
    public static let signatureSettingsHeader = "X-Twilio-Webhooks-Signature-Settings"
    /// The query parameter carrying the hex SHA-256 of a JSON body.
    public static let bodyHashParameter = "bodySHA256"

    /// The HMAC behind a Twilio signature.
    public enum Algorithm: String, Sendable, CaseIterable {
        /// The Auth Token signature every account gets.
        case hmacSHA1 = "HMAC_SHA1"
        /// SharedKey signatures, announced by `X-Twilio-Webhooks-Signature-Settings`.
        case hmacSHA256 = "HMAC_SHA256"

        var hmac: HMACAlgorithm { self == .hmacSHA1 ? .sha1 : .sha256 }
    }

    private struct Keys: Sendable {
        let sha1: HMACKey
        let sha256: HMACKey
        func key(for algorithm: Algorithm) -> HMACKey { algorithm == .hmacSHA1 ? sha1 : sha256 }
    }

    private let keys: [Keys]

    /// - Parameter authTokens: the account's Auth Tokens (primary and secondary during rotation) and any SharedKey
    ///   secrets; any may match.
    /// - Throws: ``SignatureError`` `.invalidSecret` when there is none or one is empty; `.cryptoFailure`.
    public init(authTokens: [String]) throws(SignatureError) {
        guard !authTokens.isEmpty, authTokens.allSatisfy({ !$0.isEmpty }) else {
            throw SignatureError(.invalidSecret, "a Twilio integration needs at least one non-empty Auth Token (Console → Account → API keys & tokens)")
        }
        self.keys = try authTokens.map { token throws(SignatureError) in
            Keys(sha1: try HMACKey.signing(.sha1, key: Array(token.utf8)), sha256: try HMACKey.signing(.sha256, key: Array(token.utf8)))
        }
    }

    // MARK: Signing (for tests and tools that imitate Twilio)

    /// The `X-Twilio-Signature` value for a request to `url` with form `parameters` (empty for JSON bodies and GETs).
    public static func signature(url: String, parameters: [(name: String, value: String)] = [], authToken: String,
                                 algorithm: Algorithm = .hmacSHA1) throws(SignatureError) -> String {
        let key = try HMACKey.signing(algorithm.hmac, key: Array(authToken.utf8))
        return Base64.encode(try authenticationCode(url: url, suffix: TwilioFormParameters.signedSuffix(parameters), key: key))
    }

    /// `url` with `bodySHA256=<hex SHA-256 of body>` appended to its query, as Twilio calls it for a JSON body.
    public static func urlWithBodyHash(_ url: String, body: some ContiguousBytes) throws(SignatureError) -> String {
        let hash: [UInt8]
        do { hash = try SHA256.hash(body) } catch { throw SignatureError(.cryptoFailure, "SHA-256 failed", underlying: error) }
        return url + (url.contains("?") ? "&" : "?") + bodyHashParameter + "=" + Hex.encode(hash)
    }

    private static func authenticationCode(url: String, suffix: [UInt8], key: HMACKey) throws(SignatureError) -> [UInt8] {
        do {
            return try key.authenticationCode { mac in
                mac.update(url)
                mac.update(suffix)
            }
        } catch {
            throw SignatureError(.cryptoFailure, "\(key.algorithm.displayName) failed", underlying: error)
        }
    }

    // MARK: Verification

    public func verify(_ request: InboundRequest) -> SignatureRejection? {
        guard let header = request.headers[Self.signatureHeader], !header.isEmpty else {
            return SignatureRejection(.signatureMissing, "the \(Self.signatureHeader) header is required; Twilio sends it on every webhook")
        }
        let algorithm: Algorithm
        switch Self.algorithm(settings: request.headers[Self.signatureSettingsHeader]) {
        case .some(let named): algorithm = named
        case .none:
            return SignatureRejection(.signatureMalformed, "the \(Self.signatureSettingsHeader) header must name 'algorithm=HMAC_SHA1' or 'algorithm=HMAC_SHA256'")
        }
        guard let signature = try? Base64.decode(ascii: Array(header.utf8)), signature.count == algorithm.hmac.byteCount else {
            return SignatureRejection(.signatureMalformed, "the \(Self.signatureHeader) header must be standard base64 of a \(algorithm.hmac.byteCount)-byte \(algorithm.hmac.displayName)")
        }

        let suffix: [UInt8]
        if let bodyHash = TwilioFormParameters.queryValue(Self.bodyHashParameter, in: request.url) {
            guard let claimed = try? Hex.decode(bodyHash), claimed.count == SHA256.byteCount else {
                return SignatureRejection(.signatureMalformed, "the URL's \(Self.bodyHashParameter) parameter must be 64 hex digits (SHA-256 of the body)")
            }
            guard let actual = try? SHA256.hash(request.body), ConstantTime.isEqual(actual, claimed) else {
                return SignatureRejection(.signatureMismatch, "the body does not match the URL's \(Self.bodyHashParameter) parameter")
            }
            suffix = []
        } else if Self.isFormEncoded(request.headers["Content-Type"]) {
            suffix = TwilioFormParameters.signedSuffix(TwilioFormParameters.decode(request.body))
        } else if request.body.isEmpty {
            suffix = []
        } else {
            return SignatureRejection(.signatureMalformed, "the body is neither application/x-www-form-urlencoded nor covered by a \(Self.bodyHashParameter) query parameter, so the \(Self.signatureHeader) signature does not cover it")
        }

        for url in Self.urlVariants(request.url) {
            for keys in keys {
                // An OpenSSL failure cannot be told from a mismatch by the sender; it is counted as one.
                guard let expected = try? Self.authenticationCode(url: url, suffix: suffix, key: keys.key(for: algorithm)) else { continue }
                if ConstantTime.isEqual(expected, signature) { return nil }
            }
        }
        return SignatureRejection(.signatureMismatch, "the \(Self.signatureHeader) signature does not match the URL and parameters under any of the integration's Auth Tokens (check that the receiver's public URL is exactly the webhook URL configured at Twilio)")
    }

    /// The algorithm `X-Twilio-Webhooks-Signature-Settings` names (`key=…,algorithm=…`); HMAC-SHA1 when the header
    /// is absent or names none (as twilio-python reads it); nil when it names an unknown one.
    static func algorithm(settings: Substring?) -> Algorithm? {
        guard let settings else { return .hmacSHA1 }
        for part in settings.split(separator: ",") {
            guard let equals = part.firstIndex(of: "=") else { continue }
            let name = part[..<equals].trimmingCharacters(in: .whitespaces)
            let value = part[part.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            guard name == "algorithm", !value.isEmpty else { continue }
            return Algorithm(rawValue: value.uppercased())
        }
        return .hmacSHA1
    }

    private static func isFormEncoded(_ contentType: Substring?) -> Bool {
        guard let contentType else { return false }
        let mediaType = contentType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return mediaType.trimmingCharacters(in: .whitespaces).lowercased() == "application/x-www-form-urlencoded"
    }

    /// The URL with its port removed and with the scheme's default port added (twilio-python's `remove_port` and
    /// `add_port`; an explicit port is kept in the second); just the URL when it has no `scheme://host`.
    static func urlVariants(_ url: String) -> [String] {
        guard let schemeEnd = url.range(of: "://") else { return [url] }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        let authorityStart = schemeEnd.upperBound
        let authorityEnd = url[authorityStart...].firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? url.endIndex
        let authority = url[authorityStart..<authorityEnd]
        let hostStart = authority.lastIndex(of: "@").map { authority.index(after: $0) } ?? authority.startIndex
        let hostAndPort = authority[hostStart...]
        // The port is after the last ':' that follows the host; an IPv6 literal's colons sit inside brackets.
        let closingBracket = hostAndPort.lastIndex(of: "]")
        let colon = hostAndPort.lastIndex(of: ":").flatMap { colon in
            closingBracket.map { colon > $0 ? colon : nil } ?? colon
        }
        let prefix = url[..<hostStart]
        let suffix = url[authorityEnd...]
        if let colon {
            let withoutPort = String(prefix) + hostAndPort[..<colon] + suffix
            return [withoutPort, url]
        }
        let defaultPort = scheme == "https" ? "443" : "80"
        return [url, String(prefix) + hostAndPort + ":" + defaultPort + suffix]
    }
}
