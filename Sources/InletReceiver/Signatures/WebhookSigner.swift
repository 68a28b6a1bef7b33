import HTTPTypes
import Hummingbird
import InletCore
import InletCrypto
import InletSignatures

/// A webhook request as a provider would send it: path, headers (signature included) and body.
public struct SignedRequest: Sendable {
    /// `/webhooks/<definition>/<integration>`: append it to the receiver's base URL.
    public var path: String
    /// Header names and values in the order the provider sends them.
    public var headers: [(name: String, value: String)]
    /// The body, as signed. For Linear and Mailgun it is the given body with the signed timestamp or signature object
    /// added (see ``WebhookSigner``).
    public var body: [UInt8]

    /// The headers as `HTTPFields` (for HummingbirdTesting and Hummingbird clients).
    public var httpFields: HTTPFields {
        var fields = HTTPFields()
        for (name, value) in headers {
            if let name = HTTPField.Name(name) { fields.append(HTTPField(name: name, value: value)) }
        }
        return fields
    }

    /// The header value for `name` (case-insensitive), if present.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }
}

/// Signs webhook bodies the way the definition's provider does, for tests, benchmarks and `inlet send`: every scheme
/// Inlet verifies, with the signing helpers of `InletSignatures` (the functions the verifiers are tested against).
///
/// It sets every header the definition reads from headers (delivery ID, event, variant) and the scheme's signature
/// headers. Values a definition reads from the body must already be in it, with three scheme-specific additions:
/// - **Linear** signs a fresh `webhookTimestamp` (ms) appended as the body's last member (Linear's scanner takes the
///   last duplicate, so it wins over any older one);
/// - **Mailgun** puts its `signature` object (`timestamp`, a random `token`, `signature`) first in the body (so the
///   body must not carry one);
/// - **Microsoft Graph** has no signature: every item of the body must already carry the `clientState` (the secret).
///
/// URL-signing schemes (Twilio, HubSpot, Square without `notification_url`) sign ``baseURL`` + the path, so
/// ``baseURL`` must be the receiver's public base URL. Asymmetric schemes sign with a private key given to
/// ``init(definition:integrationID:privateKey:baseURL:)``: Discord and Standard Webhooks `v1a` (Ed25519), SendGrid
/// (ECDSA P-256).
///
/// ```swift
/// let signer = try WebhookSigner(integration: integration, registry: registry)
/// let request = try signer.sign(body: Array(json.utf8), event: "pull_request", deliveryID: signer.newDeliveryID())
/// // POST request.body to signer.baseURL + request.path with request.headers
/// ```
public struct WebhookSigner: Sendable {
    /// The private key of a scheme that signs asymmetrically (for tests and tools imitating the provider).
    public enum PrivateKey: Sendable {
        /// Discord, Standard Webhooks `v1a`.
        case ed25519(Ed25519PrivateKey)
        /// SendGrid.
        case ecdsaP256(ECDSAP256PrivateKey)
    }

    /// Where the signing material comes from.
    private enum Credential: Sendable {
        /// A shared secret, with its HMAC key when the scheme has one (made once: benchmarks sign many requests).
        case secret(String, key: HMACKey?)
        /// GitLab: the secret token and/or the signing token (`whsec_`).
        case gitlab(secretToken: String?, signingKey: HMACKey?)
        case privateKey(PrivateKey)
    }

    /// The receiver's default public base URL (`http://127.0.0.1:8080`).
    public static let defaultBaseURL = "http://127.0.0.1:8080"

    public let definition: WebhookDefinition
    public let integrationID: String
    /// What URL-signing schemes sign: the receiver's public base URL (no trailing slash).
    public var baseURL: String
    private let credential: Credential
    private let options: IntegrationOptions
    private let genericHMAC: GenericHMACOptions?
    /// GitHub still sends an HMAC-SHA1 `X-Hub-Signature` beside the SHA-256 one.
    private let legacyGitHubKey: HMACKey?

    /// Signs with a shared secret (every scheme but Discord and SendGrid).
    /// - Parameters:
    ///   - secret: as written in the integrations file (`whsec_<base64>` for Standard Webhooks; for GitLab a secret
    ///     token, or a `whsec_` signing token).
    ///   - options: the integration's options the signer follows (Okta's `header_name`, Square's `notification_url`).
    ///   - genericHMAC: how a `generic-hmac` sender signs (required for that definition).
    /// - Throws: ``ReceiverError`` `.invalidSecret` when the secret does not suit the scheme or the scheme signs
    ///   with a private key.
    public init(definition: WebhookDefinition, integrationID: String, secret: String,
                options: IntegrationOptions = IntegrationOptions(), genericHMAC: GenericHMACOptions? = nil,
                baseURL: String = WebhookSigner.defaultBaseURL) throws(ReceiverError) {
        let credential: Credential
        do throws(SignatureError) {
            switch definition.signature {
            case .sendgrid, .discord:
                throw SignatureError(.invalidSecret, "\(definition.title) signs with a private key: use WebhookSigner(definition:integrationID:privateKey:)")
            case .gitlabToken:
                credential = secret.hasPrefix(StandardWebhooksSignature.secretPrefix)
                    ? .gitlab(secretToken: nil, signingKey: try StandardWebhooksSignature.key(secret: secret))
                    : .gitlab(secretToken: secret, signingKey: nil)
            case .genericHMAC:
                guard let genericHMAC else {
                    throw SignatureError(.invalidSecret, "signing for generic-hmac needs the integration's signature options")
                }
                credential = .secret(secret, key: try genericHMAC.key(secret: secret))
            default:
                credential = .secret(secret, key: try Self.key(definition.signature, secret: secret))
            }
        } catch {
            throw ReceiverError(error)
        }
        try self.init(definition: definition, integrationID: integrationID, credential: credential, options: options,
                      genericHMAC: genericHMAC, baseURL: baseURL)
    }

    /// Signs with a private key: Discord and Standard Webhooks (`v1a`) take Ed25519, SendGrid ECDSA P-256.
    /// - Throws: ``ReceiverError`` `.invalidSecret` when the definition does not sign with that kind of key.
    public init(definition: WebhookDefinition, integrationID: String, privateKey: PrivateKey,
                baseURL: String = WebhookSigner.defaultBaseURL) throws(ReceiverError) {
        switch (definition.signature, privateKey) {
        case (.discord, .ed25519), (.standardWebhooks, .ed25519), (.sendgrid, .ecdsaP256): break
        default:
            throw ReceiverError(.invalidSecret, "\(definition.title) (scheme '\(definition.signature.rawValue)') does not sign with this kind of private key")
        }
        try self.init(definition: definition, integrationID: integrationID, credential: .privateKey(privateKey),
                      options: IntegrationOptions(), genericHMAC: nil, baseURL: baseURL)
    }

    /// Signs as `integration`'s provider: its first valid secret (or `secret` instead, e.g. a wrong one to see a 401),
    /// its options, GitLab's secret and signing tokens together, and a `generic-hmac` integration's `signature:` and
    /// `metadata:` blocks.
    /// - Throws: ``ReceiverError`` `.unknownDefinition`, `.invalidSecret` (no secret, or the scheme needs a private
    ///   key), `.invalidConfiguration` (a bad `signature:` or `metadata:` block).
    public init(integration: Integration, registry: DefinitionRegistry, secret: String? = nil,
                baseURL: String = WebhookSigner.defaultBaseURL) throws(ReceiverError) {
        guard var definition = registry.definitions[integration.definition] else {
            throw ReceiverError(.unknownDefinition, "integration '\(integration.id)' names definition '\(integration.definition)', which is not registered")
        }
        var genericHMAC: GenericHMACOptions?
        if definition.signature == .genericHMAC {
            do {
                definition = try GenericHMACSources(options: integration.metadata ?? [:]).definition(from: definition)
            } catch {
                throw ReceiverError(.invalidConfiguration, "integration '\(integration.id)', metadata: \(error.reason)")
            }
            guard let block = integration.signature else {
                throw ReceiverError(.invalidConfiguration, "integration '\(integration.id)' has no signature: block to sign with")
            }
            do {
                genericHMAC = try VerifierFactory.genericHMACOptions(block)
            } catch {
                throw ReceiverError(.invalidConfiguration, "integration '\(integration.id)', \(error.reason)")
            }
        }
        let now = ReceiverHealth.unixSeconds()
        let active = integration.activeSecrets(at: now)
        if definition.signature == .gitlabToken, secret == nil {
            let secretToken = (active + (integration.options.secretTokens ?? [])).first
            let signingKey: HMACKey?
            do {
                signingKey = try integration.options.signingTokens?.first.map { token throws(SignatureError) in
                    try StandardWebhooksSignature.key(secret: token)
                }
            } catch {
                throw ReceiverError(error)
            }
            guard secretToken != nil || signingKey != nil else {
                throw ReceiverError(.invalidSecret, "integration '\(integration.id)' has no GitLab token to sign with")
            }
            try self.init(definition: definition, integrationID: integration.id,
                          credential: .gitlab(secretToken: secretToken, signingKey: signingKey),
                          options: integration.options, genericHMAC: nil, baseURL: baseURL)
            return
        }
        guard let secret = secret ?? active.first else {
            let why = integration.publicKeys.isEmpty ? "no valid secret" : "only public keys; sign with the provider's private key"
            throw ReceiverError(.invalidSecret, "integration '\(integration.id)' has \(why)")
        }
        try self.init(definition: definition, integrationID: integration.id, secret: secret, options: integration.options,
                      genericHMAC: genericHMAC, baseURL: baseURL)
    }

    private init(definition: WebhookDefinition, integrationID: String, credential: Credential, options: IntegrationOptions,
                 genericHMAC: GenericHMACOptions?, baseURL: String) throws(ReceiverError) {
        self.definition = definition
        self.integrationID = integrationID
        self.credential = credential
        self.options = options
        self.genericHMAC = genericHMAC
        self.baseURL = baseURL
        if definition.signature == .githubHMACSHA256, case .secret(let secret, _) = credential {
            do {
                legacyGitHubKey = try GitHubSignature.legacyKey(secret: secret)
            } catch {
                throw ReceiverError(error)
            }
        } else {
            legacyGitHubKey = nil
        }
    }

    /// The scheme's HMAC key for `secret`, or nil for schemes whose helpers take the secret itself.
    private static func key(_ scheme: SignatureScheme, secret: String) throws(SignatureError) -> HMACKey? {
        switch scheme {
        case .githubHMACSHA256: try GitHubSignature.key(secret: secret)
        case .standardWebhooks: try StandardWebhooksSignature.key(secret: secret)
        case .stripe: try StripeSignature.key(secret: secret)
        case .slack: try SlackSignature.key(secret: secret)
        case .shopify: try ShopifySignature.key(secret: secret)
        case .linear: try LinearSignature.key(secret: secret)
        case .hubspotV3: try HubSpotSignature.key(secret: secret)
        case .zoom: try ZoomSignature.key(secret: secret)
        case .intercom: try IntercomSignature.key(secret: secret)
        case .square: try SquareVerifier.key(signatureKey: secret)
        case .paddle: try PaddleSignature.key(secret: secret)
        case .jira: try JiraSignature.key(secret: secret)
        case .bitbucket: try BitbucketSignature.key(secret: secret)
        case .twilio, .okta, .microsoftGraph, .mailgun, .gitlabToken, .sendgrid, .discord, .genericHMAC: nil
        }
    }

    /// The path of this integration on the receiver.
    public var path: String { "/webhooks/\(definition.name.rawValue)/\(integrationID)" }

    /// Signs `body` as a delivery of `event` with `deliveryID` (definitions that read those from the body ignore them).
    /// - Parameters:
    ///   - variant: the definition's variant header value (GitHub: `X-GitHub-Hook-Installation-Target-Type`), if any.
    ///   - timestamp: Unix seconds for schemes that sign one. Default: now.
    /// - Throws: ``ReceiverError`` `.invalidSecret` or `.cryptoFailure` when signing fails, `.invalidConfiguration`
    ///   when the body lacks what the scheme needs (a form body for Twilio, a JSON object for Linear and Mailgun).
    public func sign(body: [UInt8], event: String, deliveryID: String, variant: String? = nil,
                     timestamp: Int64? = nil) throws(ReceiverError) -> SignedRequest {
        let seconds = timestamp ?? ReceiverHealth.unixSeconds()
        let url = baseURL + path
        var body = body
        var headers: [(name: String, value: String)] = [("Content-Type", definition.bodyEncoding.mediaType)]
        func set(_ source: ValueSource?, _ value: String?) {
            guard let value, let name = source.flatMap(Self.firstHeader) else { return }
            if !headers.contains(where: { $0.name.lowercased() == name.lowercased() }) { headers.append((name, value)) }
        }
        set(definition.eventName, event)
        set(definition.deliveryID, deliveryID)
        set(definition.variant, variant)
        /// Scheme headers replace a metadata header of the same name (Standard Webhooks' `webhook-id`).
        func put(_ pairs: [(name: String, value: String)]) {
            for pair in pairs {
                headers.removeAll { $0.name.lowercased() == pair.name.lowercased() }
                headers.append(pair)
            }
        }

        do throws(SignatureError) {
            switch (definition.signature, credential) {
            case (.githubHMACSHA256, .secret(_, let key?)):
                headers.insert(("User-Agent", "GitHub-Hookshot/inlet"), at: 1)
                if let legacyGitHubKey {
                    headers.append((GitHubSignature.legacyHeaderName, try GitHubSignature.legacyHeaderValue(body: body, key: legacyGitHubKey)))
                }
                headers.append((GitHubSignature.headerName, try GitHubSignature.headerValue(body: body, key: key)))
            case (.standardWebhooks, .secret(_, let key?)):
                put(try StandardWebhooksSignature.headers(id: deliveryID, timestamp: seconds, body: body, key: key))
            case (.standardWebhooks, .privateKey(.ed25519(let privateKey))):
                put([(StandardWebhooksSignature.idHeader, deliveryID), (StandardWebhooksSignature.timestampHeader, String(seconds)),
                            (StandardWebhooksSignature.signatureHeader,
                             try StandardWebhooksSignature.asymmetricHeaderValue(id: deliveryID, timestamp: seconds, body: body, privateKey: privateKey))])
            case (.stripe, .secret(_, let key?)):
                headers.append((StripeSignature.signatureHeader, try StripeSignature.headerValue(timestamp: seconds, body: body, key: key)))
            case (.slack, .secret(_, let key?)):
                headers += try SlackSignature.headers(timestamp: seconds, body: body, key: key)
            case (.shopify, .secret(_, let key?)):
                headers.append((ShopifySignature.signatureHeader, try ShopifySignature.headerValue(body: body, key: key)))
            case (.linear, .secret(_, let key?)):
                body = try Self.appendingMember(LinearSignature.timestampField, String(seconds * 1000), to: body)
                headers.append((LinearSignature.signatureHeader, try LinearSignature.headerValue(body: body, key: key)))
            case (.hubspotV3, .secret(_, let key?)):
                headers += try HubSpotSignature.headers(url: url, body: body, timestamp: seconds * 1000, key: key)
            case (.twilio, .secret(let authToken, _)):
                let parameters: [(name: String, value: String)]
                do {
                    parameters = try FormFields.parse(body)
                } catch {
                    throw SignatureError(.invalidSecret, "Twilio signs form parameters: the body must be application/x-www-form-urlencoded (\(error.message))")
                }
                headers.append((TwilioVerifier.signatureHeader, try TwilioVerifier.signature(url: url, parameters: parameters, authToken: authToken)))
            case (.zoom, .secret(_, let key?)):
                headers += try ZoomSignature.headers(timestamp: seconds, body: body, key: key)
            case (.intercom, .secret(_, let key?)):
                headers.append((IntercomSignature.signatureHeader, try IntercomSignature.headerValue(body: body, key: key)))
            case (.square, .secret(_, let key?)):
                headers.append((SquareVerifier.signatureHeader,
                                try SquareVerifier.headerValue(notificationURL: options.notificationURL ?? url, body: body, key: key)))
            case (.paddle, .secret(_, let key?)):
                headers.append((PaddleSignature.signatureHeader, try PaddleSignature.headerValue(timestamp: seconds, body: body, key: key)))
            case (.jira, .secret(_, let key?)):
                headers.append((JiraSignature.signatureHeader, try JiraSignature.headerValue(body: body, key: key)))
            case (.bitbucket, .secret(_, let key?)):
                headers.append((BitbucketSignature.signatureHeader, try BitbucketSignature.headerValue(body: body, key: key)))
            case (.okta, .secret(let secret, _)):
                headers.append((options.headerName ?? OktaVerifier.defaultHeaderName, secret))
            case (.microsoftGraph, .secret):
                break  // the clientState travels in every item of the body
            case (.gitlabToken, .gitlab(let secretToken, let signingKey)):
                if let secretToken { headers.append((GitLabVerifier.tokenHeader, secretToken)) }
                if let signingKey {
                    put(try StandardWebhooksSignature.headers(id: deliveryID, timestamp: seconds, body: body, key: signingKey))
                }
            case (.mailgun, .secret(let signingKey, _)):
                let token = Self.randomHex(bytes: 25)
                let signature = try MailgunVerifier.signature(timestamp: String(seconds), token: token, signingKey: signingKey)
                let object = #"{"timestamp":"\#(seconds)","token":"\#(token)","signature":"\#(signature)"}"#
                body = try Self.prependingMember("signature", object, to: body)
            case (.sendgrid, .privateKey(.ecdsaP256(let privateKey))):
                headers += try SendGridVerifier.headers(timestamp: String(seconds), body: body, privateKey: privateKey)
            case (.discord, .privateKey(.ed25519(let privateKey))):
                headers += try DiscordVerifier.headers(timestamp: String(seconds), body: body, privateKey: privateKey)
            case (.genericHMAC, .secret(_, let key?)):
                guard let options = genericHMAC else { throw SignatureError(.invalidSecret, "generic-hmac signing needs its options") }
                if let header = options.timestampHeader {
                    headers.append((header, String(options.timestampUnit == .milliseconds ? seconds * 1000 : seconds)))
                }
                for (placeholder, header) in options.headers.sorted(by: { $0.key < $1.key })
                where !headers.contains(where: { $0.name.lowercased() == header.lowercased() }) {
                    throw SignatureError(.invalidSecret, "the signed header \(header) ({\(placeholder)}) is not one the signer sets (delivery ID, event, variant)")
                }
                let request = InboundRequest(method: "POST", url: url, headers: InboundHeaders(headers), body: body, now: seconds)
                headers.append((options.header, try options.signatureHeaderValue(for: request, key: key)))
            default:
                throw SignatureError(.invalidSecret, "scheme '\(definition.signature.rawValue)' cannot be signed with this kind of credential")
            }
        } catch {
            throw ReceiverError(error)
        }
        return SignedRequest(path: path, headers: headers, body: body)
    }

    /// A fresh random delivery ID in the provider's usual shape: a UUID for providers whose IDs are UUIDs, `msg_…`
    /// for Standard Webhooks, 32 hex digits otherwise.
    public func newDeliveryID() -> String {
        let hex = Self.randomHex(bytes: 16)
        switch definition.signature {
        case .githubHMACSHA256, .gitlabToken, .bitbucket, .linear, .jira, .shopify, .okta:
            let h = Array(hex)
            return [h[0..<8], h[8..<12], h[12..<16], h[16..<20], h[20..<32]].map { String($0) }.joined(separator: "-")
        case .standardWebhooks:
            return "msg_" + hex
        default:
            return hex
        }
    }

    // MARK: Helpers

    /// The header a source reads first (`.header`, or a `.firstPresent` whose first choice is a header), to set it.
    private static func firstHeader(_ source: ValueSource) -> String? {
        switch source {
        case .header(let name): name
        case .firstPresent(let sources): sources.first.flatMap(firstHeader)
        default: nil
        }
    }

    private static func randomHex(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.encode((0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

    /// `body` (a JSON object) with `"name":raw` added as its last member.
    static func appendingMember(_ name: String, _ raw: String, to body: [UInt8]) throws(SignatureError) -> [UInt8] {
        guard let close = body.lastIndex(where: { !isWhitespace($0) }), body[close] == UInt8(ascii: "}"),
              let first = body.firstIndex(where: { !isWhitespace($0) }), body[first] == UInt8(ascii: "{") else {
            throw SignatureError(.invalidSecret, "the body must be a JSON object to add '\(name)' to it")
        }
        let before = body[..<close].lastIndex(where: { !isWhitespace($0) }).map { body[$0] }
        let member = (before == UInt8(ascii: "{") ? "" : ",") + "\"\(name)\":\(raw)"
        return Array(body[..<close]) + Array(member.utf8) + Array(body[close...])
    }

    /// `body` (a JSON object) with `"name":raw` added as its first member.
    static func prependingMember(_ name: String, _ raw: String, to body: [UInt8]) throws(SignatureError) -> [UInt8] {
        guard let open = body.firstIndex(where: { !isWhitespace($0) }), body[open] == UInt8(ascii: "{"),
              let close = body.lastIndex(where: { !isWhitespace($0) }), body[close] == UInt8(ascii: "}") else {
            throw SignatureError(.invalidSecret, "the body must be a JSON object to add '\(name)' to it")
        }
        let after = body[(open + 1)...].first(where: { !isWhitespace($0) })
        let member = "\"\(name)\":\(raw)" + (after == UInt8(ascii: "}") ? "" : ",")
        return Array(body[...open]) + Array(member.utf8) + Array(body[(open + 1)...])
    }
}
