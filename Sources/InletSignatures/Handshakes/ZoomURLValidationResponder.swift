import InletCore
import InletCrypto

/// Zoom's `endpoint.url_validation`: Zoom POSTs `{"event":"endpoint.url_validation","payload":{"plainToken":…}}`
/// when the endpoint is saved and every 72 hours, and expects
/// `200 {"plainToken":"<plainToken>","encryptedToken":"<hex HMAC-SHA256(secret token, plainToken)>"}`.
///
/// Answered after verification: Zoom signs validation requests like events (`x-zm-signature`), and the answer is an
/// HMAC under the secret, so an unauthenticated caller must not obtain one. As a second barrier, `plainToken` must be
/// 1–256 characters of letters, digits and `-_+/=.`: it can then never be Zoom's signed message
/// (`v0:<timestamp>:<body>`, which holds `:`), so an answer can never be a valid event signature.
/// The integration's first secret is used: Zoom has one secret token at a time, and the first is the current one.
/// Docs: https://developers.zoom.us/docs/api/webhooks/#validate-your-webhook-endpoint
public struct ZoomURLValidationResponder: HandshakeResponder {
    public let kind = HandshakeKind.zoomURLValidation
    static let plainToken = EchoedToken(what: "the Zoom plainToken", maximumLength: 256, alphabet: .base64)
    private let key: HMACKey

    /// - Throws: ``SignatureError`` `.invalidSecret` when there is no secret, `.cryptoFailure` when OpenSSL fails.
    public init(secrets: [String]) throws(SignatureError) {
        guard let secret = secrets.first, !secret.isEmpty else {
            throw SignatureError(.invalidSecret, "Zoom URL validation needs the app's secret token as the integration's first secret")
        }
        key = try HMACKey.signing(.sha256, key: Array(secret.utf8))
    }

    public func respond(to request: InboundRequest) -> HandshakeOutcome? {
        guard request.method == "POST", request.jsonMembers([["event"]])?[0] == .string("endpoint.url_validation") else { return nil }
        let token = request.jsonMembers([["payload", "plainToken"]])?[0].flatMap { if case .string(let text) = $0 { text } else { nil } }
        if let problem = Self.plainToken.problem(with: token) { return .refuse(HandshakeRefusal(kind: kind, problem)) }
        guard let mac = try? key.authenticationCode(for: Array(token!.utf8)) else {
            return .refuse(HandshakeRefusal(kind: kind, "the encrypted token could not be computed (OpenSSL failed); retry the validation"))
        }
        return .respond(.json(["plainToken": token!, "encryptedToken": Hex.encode(mac)]))
    }
}
