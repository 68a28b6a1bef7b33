/// How a provider proves a delivery came from it. Each case names one scheme; the verification itself lives in
/// `InletSignatures` (one verifier per scheme). Raw values are kebab-case and stable: they appear in docs, logs and
/// configuration.
///
/// Schemes that sign a timestamp reject deliveries outside the receiver's tolerance (300 s by default); the others
/// rely on the deduplicator to make a replayed delivery harmless.
public enum SignatureScheme: String, Sendable, CaseIterable {
    /// GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, body)>`.
    case githubHMACSHA256 = "github-hmac-sha256"
    /// Standard Webhooks (Svix): `webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`,
    /// space-separated during rotation, `whsec_`-prefixed base64 secrets, `webhook-timestamp` within tolerance.
    case standardWebhooks = "standard-webhooks"
    /// Stripe: `Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` (several `v1` during
    /// rotation), `t` within tolerance.
    case stripe
    /// Slack: `X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret, "v0:<X-Slack-Request-Timestamp>:<body>")>`,
    /// timestamp within tolerance.
    case slack
    /// Shopify: `X-Shopify-Hmac-Sha256: <base64 HMAC-SHA256(app client secret, body)>`.
    case shopify
    /// Linear: `Linear-Signature: <hex HMAC-SHA256(secret, body)>`; the body's `webhookTimestamp` (ms) within
    /// tolerance.
    case linear
    /// HubSpot v3: `X-HubSpot-Signature-v3: <base64 HMAC-SHA256(client secret, method + URL + body + timestamp)>`,
    /// `X-HubSpot-Request-Timestamp` (ms) within tolerance. Signs the URL: the receiver needs its public base URL.
    case hubspotV3 = "hubspot-v3"
    /// Twilio: `X-Twilio-Signature: <base64 HMAC-SHA1(auth token, URL + form fields sorted by name, each name+value)>`;
    /// JSON bodies are covered by a `bodySHA256` query parameter instead. Signs the URL.
    case twilio
    /// Zoom: `x-zm-signature: v0=<hex HMAC-SHA256(secret token, "v0:<x-zm-request-timestamp>:<body>")>`, timestamp
    /// within tolerance.
    case zoom
    /// Intercom: `X-Hub-Signature: sha1=<hex HMAC-SHA1(client secret, body)>`.
    case intercom
    /// Square: `x-square-hmacsha256-signature: <base64 HMAC-SHA256(signature key, notification URL + body)>`.
    /// Signs the URL.
    case square
    /// Paddle Billing: `Paddle-Signature: ts=<unix>;h1=<hex HMAC-SHA256(secret, "<ts>:<body>")>`, `ts` within tolerance.
    case paddle
    /// Jira Cloud: `X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, body)>` (webhooks registered with a secret).
    case jira
    /// Okta event hooks: a shared secret sent verbatim in a header (`Authorization` by default), compared in
    /// constant time; the body is not signed.
    case okta
    /// Microsoft Graph change notifications: each notification's `clientState` equals the secret set on the
    /// subscription, compared in constant time; there is no HTTP signature.
    case microsoftGraph = "microsoft-graph"
    /// GitLab: `X-Gitlab-Token` equals the webhook's secret token, compared in constant time; the body is not signed.
    case gitlabToken = "gitlab-token"
    /// Bitbucket Cloud: `X-Hub-Signature: sha256=<hex HMAC-SHA256(secret, body)>`.
    case bitbucket
    /// Mailgun: the body's `signature` object, `signature = hex HMAC-SHA256(signing key, timestamp + token)`; each
    /// token is accepted once (replay cache), timestamp within tolerance.
    case mailgun
    /// SendGrid Event Webhook: `X-Twilio-Email-Event-Webhook-Signature: <base64 ECDSA P-256 SHA-256 signature>` over
    /// `X-Twilio-Email-Event-Webhook-Timestamp` + body, verified with the account's public key.
    case sendgrid
    /// Discord: `X-Signature-Ed25519: <hex Ed25519 signature>` over `X-Signature-Timestamp` + body, verified with
    /// the application's public key.
    case discord
    /// Any HMAC scheme configured per integration (header, algorithm, encoding, prefix, signed content, timestamp):
    /// `GenericHMACOptions` in `InletSignatures`; where the delivery ID and event name are: ``GenericHMACSources``.
    case genericHMAC = "generic-hmac"
}
