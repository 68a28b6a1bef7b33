import InletCore
import InletCrypto

/// Builds each integration's verifier from its definition's ``SignatureScheme`` and the integration's material
/// (secrets, public keys, options, the `generic-hmac` `signature:` block): the one place that knows which verifier
/// and which settings every scheme takes.
///
/// Build once per integration, at start-up (keys are parsed, HMAC contexts set up and replay caches created then), and
/// share the result between requests:
///
/// ```swift
/// let factory = VerifierFactory(defaultToleranceSeconds: nil)                 // providers' own defaults
/// let verifier = try factory.makeVerifier(for: integration, scheme: definition.signature, now: now)
/// let request = InboundRequest(method: "POST", url: verifier.readsURL ? publicURL : "",
///                              headers: InboundHeaders(only: verifier.headerNames, …), body: body, now: now)
/// if let rejection = verifier.verify(request) { … 401 … }
/// ```
///
/// **Tolerance** of signed timestamps: the integration's `options.tolerance_seconds`, else
/// ``defaultToleranceSeconds``, else the provider's default (300 s; Linear 60 s, Paddle 5 s). SendGrid and Discord
/// take 0 as "do not check".
///
/// **Rotation by time**: secrets with a `not_after` are accepted up to that instant and refused after it, without a
/// restart: the factory builds one verifier per period between expiries (usually one or two) and picks the period by
/// the request's clock. Each period's verifier has its own keys and, for Mailgun, its own replay cache (a token seen
/// just before an expiry is not remembered after it; the deduplicator still drops the repeat). When no secret is
/// left, every request is refused as `signature_mismatch` with a message saying the secrets expired.
public struct VerifierFactory: Sendable {
    /// Tolerance for every timestamped scheme when the integration sets none; nil: each provider's default.
    public var defaultToleranceSeconds: Int64?

    public init(defaultToleranceSeconds: Int64? = nil) {
        self.defaultToleranceSeconds = defaultToleranceSeconds
    }

    /// The verifier of `integration`, whose definition is signed with `scheme`.
    /// - Parameter now: the clock (Unix seconds) deciding which secrets are still valid at start.
    /// - Throws: ``SignatureError`` `.invalidSecret` when a secret, key or option cannot be used (the reason names the
    ///   key, e.g. `secrets[1]`, `public_keys[0]`, `signature.signed`, never the secret), `.cryptoFailure` when
    ///   OpenSSL fails.
    public func makeVerifier(for integration: Integration, scheme: SignatureScheme, now: Int64) throws(SignatureError) -> IntegrationVerifier {
        let settings = try Settings(integration: integration, scheme: scheme, defaultTolerance: defaultToleranceSeconds)
        let verifier: any WebhookVerifier
        if integration.secretEntries.contains(where: { $0.notAfter != nil }) {
            verifier = try SecretExpiryVerifier(secrets: integration.secretEntries, now: now) { secrets throws(SignatureError) in
                settings.hasMaterial(secrets: secrets) ? try settings.makeBase(secrets: secrets) : nil
            }
        } else {
            verifier = try settings.makeBase(secrets: integration.secrets)
        }
        return IntegrationVerifier(scheme: scheme, verifier: verifier, headerNames: settings.headerNames, readsURL: settings.readsURL)
    }

    /// The `GenericHMACOptions` a `generic-hmac` integration's `signature:` block describes.
    /// - Throws: ``SignatureError`` `.invalidSecret` whose reason starts with the offending key
    ///   (`signature.signed: must include {body}: …`).
    public static func genericHMACOptions(_ settings: GenericHMACSignatureSettings) throws(SignatureError) -> GenericHMACOptions {
        func parse<T: RawRepresentable & CaseIterable>(_ text: String?, _ key: String, as type: T.Type) throws(SignatureError) -> T?
            where T.RawValue == String {
            guard let text else { return nil }
            guard let value = T(rawValue: text) else {
                throw SignatureError(.invalidSecret, "signature.\(key) must be one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return value
        }
        let algorithm = try parse(settings.algorithm, "algorithm", as: GenericHMACOptions.Algorithm.self) ?? .sha256
        let encoding = try parse(settings.encoding, "encoding", as: GenericHMACOptions.Encoding.self) ?? .hex
        let unit = try parse(settings.timestampUnit, "timestamp_unit", as: GenericHMACOptions.TimestampUnit.self)
        do {
            return try GenericHMACOptions(algorithm: algorithm, encoding: encoding, header: settings.header,
                                          prefix: settings.prefix ?? "", signed: settings.signed ?? "{body}",
                                          headers: settings.headers ?? [:], timestampHeader: settings.timestampHeader,
                                          timestampUnit: unit, toleranceSeconds: settings.toleranceSeconds)
        } catch {
            let context: DecodingError.Context? = switch error {
            case .dataCorrupted(let context), .keyNotFound(_, let context), .typeMismatch(_, let context), .valueNotFound(_, let context): context
            @unknown default: nil
            }
            let key = context?.codingPath.last?.stringValue ?? "?"
            throw SignatureError(.invalidSecret, "signature.\(key): \(context?.debugDescription ?? "\(error)")")
        }
    }

    /// What one scheme needs, resolved once from the integration.
    private struct Settings: Sendable {
        let scheme: SignatureScheme
        let options: IntegrationOptions
        let publicKeys: [String]
        let genericHMAC: GenericHMACOptions?
        /// nil: the provider's default.
        let tolerance: Int64?
        let headerNames: [String]
        let readsURL: Bool

        init(integration: Integration, scheme: SignatureScheme, defaultTolerance: Int64?) throws(SignatureError) {
            self.scheme = scheme
            options = integration.options
            publicKeys = integration.publicKeys
            tolerance = integration.options.toleranceSeconds ?? defaultTolerance
            if scheme == .genericHMAC {
                guard let block = integration.signature else {
                    throw SignatureError(.invalidSecret, "a generic-hmac integration needs a signature: block saying how the sender signs")
                }
                genericHMAC = try VerifierFactory.genericHMACOptions(block)
            } else {
                genericHMAC = nil
            }
            var names: [String]
            var readsURL = false
            switch scheme {
            case .githubHMACSHA256:
                names = [GitHubSignature.headerName] + (options.acceptLegacySHA1 == true ? [GitHubSignature.legacyHeaderName] : [])
            case .standardWebhooks, .gitlabToken:
                names = [StandardWebhooksSignature.idHeader, StandardWebhooksSignature.timestampHeader,
                         StandardWebhooksSignature.signatureHeader, StandardWebhooksVerifier.svixIDHeader,
                         StandardWebhooksVerifier.svixTimestampHeader, StandardWebhooksVerifier.svixSignatureHeader]
                if scheme == .gitlabToken { names.append(GitLabVerifier.tokenHeader) }
            case .stripe: names = [StripeSignature.signatureHeader]
            case .slack: names = [SlackSignature.signatureHeader, SlackSignature.timestampHeader]
            case .shopify: names = [ShopifySignature.signatureHeader]
            case .linear: names = [LinearSignature.signatureHeader]
            case .hubspotV3:
                names = [HubSpotSignature.signatureHeader, HubSpotSignature.timestampHeader]
                readsURL = true
            case .twilio:
                // Twilio decides between form parameters and a body hash by the content type.
                names = [TwilioVerifier.signatureHeader, TwilioVerifier.signatureSettingsHeader, "Content-Type"]
                readsURL = true
            case .zoom: names = [ZoomSignature.signatureHeader, ZoomSignature.timestampHeader]
            case .intercom: names = [IntercomSignature.signatureHeader]
            case .square:
                names = [SquareVerifier.signatureHeader]
                readsURL = options.notificationURL == nil
            case .paddle: names = [PaddleSignature.signatureHeader]
            case .jira: names = [JiraSignature.signatureHeader]
            case .bitbucket: names = [BitbucketSignature.signatureHeader]
            case .okta: names = [options.headerName ?? OktaVerifier.defaultHeaderName]
            case .microsoftGraph, .mailgun: names = []  // the proof is in the body
            case .sendgrid: names = [SendGridVerifier.signatureHeader, SendGridVerifier.timestampHeader]
            case .discord: names = [DiscordVerifier.signatureHeader, DiscordVerifier.timestampHeader]
            case .genericHMAC:
                let generic = genericHMAC!
                names = [generic.header] + (generic.timestampHeader.map { [$0] } ?? []) + generic.template.headerNames
                readsURL = generic.template.contains(.url)
            }
            var unique: [String] = []
            for name in names.map(InboundHeaders.lowercasedName) where !unique.contains(name) { unique.append(name) }
            headerNames = unique
            self.readsURL = readsURL
        }

        /// Whether there is anything to verify with when `secrets` are the integration's valid secrets.
        func hasMaterial(secrets: [String]) -> Bool {
            !secrets.isEmpty || !publicKeys.isEmpty || !(options.secretTokens ?? []).isEmpty || !(options.signingTokens ?? []).isEmpty
        }

        /// The scheme's verifier over `secrets` (the integration's valid ones).
        func makeBase(secrets: [String]) throws(SignatureError) -> any WebhookVerifier {
            func seconds(_ providerDefault: Int64) -> Int64 { tolerance ?? providerDefault }
            /// SendGrid and Discord: 0 turns the check off.
            func optionalSeconds(_ providerDefault: Int64) -> Int64? {
                let value = tolerance ?? providerDefault
                return value == 0 ? nil : value
            }
            switch scheme {
            case .githubHMACSHA256:
                return try GitHubVerifier(secrets: secrets, acceptLegacySHA1: options.acceptLegacySHA1 ?? false)
            case .standardWebhooks:
                return try StandardWebhooksVerifier(
                    secrets: secrets + publicKeys,
                    options: .init(toleranceSeconds: seconds(StandardWebhooksSignature.recommendedToleranceSeconds)))
            case .stripe: return try StripeVerifier(secrets: secrets, toleranceSeconds: seconds(StripeSignature.defaultToleranceSeconds))
            case .slack: return try SlackVerifier(secrets: secrets, toleranceSeconds: seconds(SlackSignature.defaultToleranceSeconds))
            case .shopify: return try ShopifyVerifier(secrets: secrets)
            case .linear: return try LinearVerifier(secrets: secrets, toleranceSeconds: seconds(LinearSignature.defaultToleranceSeconds))
            case .hubspotV3: return try HubSpotVerifier(secrets: secrets, toleranceSeconds: seconds(HubSpotSignature.defaultToleranceSeconds))
            case .twilio: return try TwilioVerifier(authTokens: secrets)
            case .zoom: return try ZoomVerifier(secrets: secrets, toleranceSeconds: seconds(ZoomSignature.defaultToleranceSeconds))
            case .intercom: return try IntercomVerifier(secrets: secrets)
            case .square: return try SquareVerifier(signatureKeys: secrets, options: .init(notificationURL: options.notificationURL))
            case .paddle: return try PaddleVerifier(secrets: secrets, toleranceSeconds: seconds(PaddleSignature.defaultToleranceSeconds))
            case .jira: return try JiraVerifier(secrets: secrets)
            case .okta: return try OktaVerifier(secrets: secrets, headerName: options.headerName ?? OktaVerifier.defaultHeaderName)
            case .microsoftGraph: return try MicrosoftGraphVerifier(clientStates: secrets)
            case .gitlabToken:
                return try GitLabVerifier(
                    secretTokens: secrets + (options.secretTokens ?? []), signingTokens: options.signingTokens ?? [],
                    options: .init(toleranceSeconds: seconds(StandardWebhooksSignature.recommendedToleranceSeconds)))
            case .bitbucket: return try BitbucketVerifier(secrets: secrets)
            case .mailgun: return try MailgunVerifier(signingKeys: secrets, options: .init(toleranceSeconds: seconds(300)))
            case .sendgrid: return try SendGridVerifier(verificationKeys: publicKeys, options: .init(toleranceSeconds: optionalSeconds(300)))
            case .discord: return try DiscordVerifier(publicKeys: publicKeys, options: .init(toleranceSeconds: optionalSeconds(300)))
            case .genericHMAC: return try GenericHMACVerifier(secrets: secrets, options: genericHMAC!)
            }
        }
    }
}

/// The verifier of one integration (from ``VerifierFactory``), with what it reads from a request so the receiver
/// copies no more than that: the lower-cased names of the headers it looks at, and whether it needs the URL the
/// provider called (Twilio, HubSpot, Square without a configured notification URL, generic templates with `{url}`).
public struct IntegrationVerifier: WebhookVerifier {
    public let scheme: SignatureScheme
    private let verifier: any WebhookVerifier
    /// Lower-cased header names the verifier reads; every other header may be left out of the request.
    public let headerNames: [String]
    /// Whether ``InboundRequest/url`` must be the full URL the provider called.
    public let readsURL: Bool

    init(scheme: SignatureScheme, verifier: any WebhookVerifier, headerNames: [String], readsURL: Bool) {
        self.scheme = scheme
        self.verifier = verifier
        self.headerNames = headerNames
        self.readsURL = readsURL
    }

    public func verify(_ request: InboundRequest) -> SignatureRejection? { verifier.verify(request) }
}

/// Secrets with an end of validity: one verifier per period between expiries, chosen by the request's clock.
struct SecretExpiryVerifier: WebhookVerifier {
    /// In time order; a period serves requests whose `now` is at most its `end` (the last ends at `Int64.max`). A nil
    /// verifier means no secret is valid in that period.
    let periods: [(end: Int64, verifier: (any WebhookVerifier)?)]

    /// - Parameter make: the verifier over the secrets valid in a period, or nil when there is nothing to verify with.
    init(secrets: [IntegrationSecret], now: Int64,
         make: ([String]) throws(SignatureError) -> (any WebhookVerifier)?) throws(SignatureError) {
        let ends = Set(secrets.compactMap(\.notAfter).filter { $0 >= now }).sorted() + [Int64.max]
        var periods: [(end: Int64, verifier: (any WebhookVerifier)?)] = []
        for end in ends {
            // Valid throughout the period: no end, or an end at or after the period's.
            let valid = secrets.filter { $0.notAfter.map { $0 >= end } ?? true }.map(\.value)
            periods.append((end, try make(valid)))
        }
        self.periods = periods
    }

    func verify(_ request: InboundRequest) -> SignatureRejection? {
        for period in periods where request.now <= period.end {
            guard let verifier = period.verifier else { break }
            return verifier.verify(request)
        }
        return SignatureRejection(.signatureMismatch, "none of the integration's secrets is valid any more (each passed its not_after); configure the provider's current secret")
    }
}

extension InboundHeaders {
    /// `name` in ASCII lower case, as ``fields`` stores names.
    static func lowercasedName(_ name: String) -> String {
        guard name.utf8.contains(where: { $0 >= 0x41 && $0 <= 0x5A }) else { return name }
        return String(decoding: name.utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 + 0x20 : $0 }, as: UTF8.self)
    }
}
