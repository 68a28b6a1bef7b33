/// A set-up handshake or challenge a provider sends to a webhook URL, which the receiver must answer itself and
/// never forward as a delivery. The answers are computed in `InletSignatures/Handshakes`
/// (`HandshakeKind.responder(secrets:)`); `docs/providers.md` says, for each, whether it is answered before or after
/// the signature is verified and how echoed values are bounded.
public enum HandshakeKind: String, Sendable, Hashable, CaseIterable {
    /// Slack Events API URL verification: `{"type":"url_verification","challenge":…}`, answered with the challenge.
    case slackURLVerification = "slack-url-verification"
    /// Slack's certificate check for slash commands: a form body with `ssl_check=1`, answered with an empty 200.
    case slackSSLCheck = "slack-ssl-check"
    /// Zoom `endpoint.url_validation`: `plainToken` answered with `encryptedToken = hex HMAC-SHA256(secret, plainToken)`.
    case zoomURLValidation = "zoom-url-validation"
    /// Microsoft Graph subscription validation: the `validationToken` query parameter echoed as `text/plain`.
    case graphValidationToken = "microsoft-graph-validation-token"
    /// Okta event hook one-time verification: `GET` with `X-Okta-Verification-Challenge`, answered with
    /// `{"verification":…}`.
    case oktaVerification = "okta-verification"
    /// Discord `PING`: interactions (`{"type":1}` → `{"type":1}`) and webhook events (`type` 0 → 204).
    case discordPing = "discord-ping"
    /// A Dropbox-style `GET ?challenge=…`, echoed as `text/plain` with `X-Content-Type-Options: nosniff`.
    case challengeQueryEcho = "challenge-query-echo"
}
