extension WebhookDefinition {
    /// The definitions compiled into this build of Inlet, in the order `docs/providers.md` lists them.
    /// Each lives in `Definitions/Providers/<Provider>.swift`.
    public static let builtIn: [WebhookDefinition] = [
        .github, .standardWebhooks, .stripe, .slack, .shopify, .linear, .hubspot, .twilio, .zoom, .intercom,
        .square, .paddle, .jira, .okta, .microsoftGraph, .gitlab, .bitbucket, .mailgun, .sendgrid, .discord,
        .genericHMAC,
    ]
}
