import InletCrypto

/// Verifies Okta event hooks: Okta sends a static secret, configured on the hook as "Authentication field" (a header
/// name, `Authorization` by default) and "Authentication secret" (the header's exact value). There is no signature
/// and no timestamp, so the secret only proves the sender knows it; TLS is what keeps it from being seen.
/// Docs: https://developer.okta.com/docs/concepts/event-hooks/ ("Event hook setup", authentication field).
///
/// The one-time verification request (`GET` with `X-Okta-Verification-Challenge`) is handled elsewhere.
public struct OktaVerifier: WebhookVerifier {
    /// Okta's default authentication field.
    public static let defaultHeaderName = "Authorization"

    private let headerName: String
    private let secrets: SecretTokenMatcher

    /// - Parameters:
    ///   - secrets: the hook's authentication secrets, several during rotation (any may match), compared with the
    ///     header value byte for byte.
    ///   - headerName: the hook's authentication field. Default: `Authorization`.
    /// - Throws: ``SignatureError`` `.invalidSecret` when there is no secret, a secret is empty, or the header name
    ///   is not a valid HTTP field name.
    public init(secrets: [String], headerName: String = OktaVerifier.defaultHeaderName) throws(SignatureError) {
        guard SecretTokenMatcher.isFieldName(headerName) else {
            throw SignatureError(.invalidSecret, "the Okta authentication field must be an HTTP header name (letters, digits and !#$%&'*+-.^_`|~)")
        }
        self.headerName = headerName
        self.secrets = try SecretTokenMatcher(secrets, what: "Okta event hook authentication secret")
    }

    public func verify(_ request: InboundRequest) -> SignatureRejection? {
        guard let value = request.headers[headerName], !value.isEmpty else {
            return SignatureRejection(.signatureMissing, "the \(headerName) header is required: it must carry the event hook's authentication secret exactly as configured in Okta")
        }
        guard secrets.matches(value) else {
            return SignatureRejection(.signatureMismatch, "the \(headerName) header does not equal any of the integration's Okta authentication secrets")
        }
        return nil
    }
}

/// Static shared secrets sent verbatim (Okta's authentication secret, GitLab's `X-Gitlab-Token`, Microsoft Graph's
/// `clientState`), compared without leaking their length or content through timing.
///
/// `ConstantTime.isEqual` returns early on a length difference, which would reveal a secret's length; comparing
/// SHA-256 digests instead makes every comparison the same 32 bytes. The digests are computed once per secret.
struct SecretTokenMatcher: Sendable {
    private let digests: [[UInt8]]

    /// - Parameter what: how messages name the secret, e.g. `"GitLab secret token"`.
    /// - Throws: ``SignatureError`` `.invalidSecret` for an empty list or an empty secret; `.cryptoFailure`.
    init(_ secrets: [String], what: String) throws(SignatureError) {
        guard !secrets.isEmpty else { throw SignatureError(.invalidSecret, "at least one \(what) is required") }
        var digests: [[UInt8]] = []
        for (index, secret) in secrets.enumerated() {
            guard !secret.isEmpty else { throw SignatureError(.invalidSecret, "\(what) #\(index + 1) is empty; configure the value set at the provider") }
            digests.append(try Self.digest(Array(secret.utf8)))
        }
        self.digests = digests
    }

    /// Whether `candidate` equals one of the secrets. Every secret is compared, so the time does not depend on
    /// which one matched.
    func matches(_ candidate: some StringProtocol) -> Bool {
        guard let digest = try? Self.digest(Array(candidate.utf8)) else { return false }
        var matched = false
        for secret in digests where ConstantTime.isEqual(secret, digest) { matched = true }
        return matched
    }

    private static func digest(_ bytes: [UInt8]) throws(SignatureError) -> [UInt8] {
        do { return try SHA256.hash(bytes) } catch { throw SignatureError(.cryptoFailure, "SHA-256 failed", underlying: error) }
    }

    /// Whether `name` is an RFC 9110 field name (a token).
    static func isFieldName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
            default: Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
            }
        }
    }
}
