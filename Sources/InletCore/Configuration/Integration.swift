import Foundation
import Yams

/// One configured source of webhooks: a tenant's account at a provider, with what its deliveries are verified with.
///
/// Integrations come from a YAML file (`deploy/local/integrations.yaml`, read by ``ConfigurationFiles``); the type is a
/// plain `Codable` value whose coding keys are the file's keys, so a store can persist exactly this shape
/// (`docs/receiver.md`, "Integration options"). Nothing secret is ever printed: ``description`` redacts every secret
/// and token.
///
/// ```yaml
/// - id: acme-stripe
///   definition: stripe
///   secrets:
///     - whsec_current
///     - { value: whsec_previous, not_after: "2026-12-01T00:00:00Z" }   # accepted until then (rotation)
///   options: { tolerance_seconds: 600 }
///   filter: "payload.livemode == true"                                   # carried to the mapper
///   enabled: true
/// ```
public struct Integration: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Unique among all integrations; the last segment of the receiver URL `/webhooks/<definition>/<id>`.
    public var id: String
    public var definition: DefinitionName
    /// Shared secrets in configuration order (during rotation the current one first), each with an optional end of
    /// validity. File key `secrets`: each entry a string, or `{value, not_after}`.
    public var secretEntries: [IntegrationSecret]
    /// Public keys for schemes verified with the sender's key pair: SendGrid (base64 DER or PEM ECDSA P-256), Discord
    /// (64 hex digits, Ed25519), Standard Webhooks (`whpk_…`). File key `public_keys`. Not secret, but configuration.
    public var publicKeys: [String]
    /// Scheme-specific settings (tolerance, GitHub's legacy SHA-1, Square's notification URL, …). File key `options`.
    public var options: IntegrationOptions
    /// How a `generic-hmac` sender signs (file key `signature`); required for `generic-hmac`, refused for others.
    public var signature: GenericHMACSignatureSettings?
    /// Where a `generic-hmac` sender puts its delivery ID, event name, variant and time: the ``GenericHMACSources``
    /// syntax (`delivery_id: "header:X-Acme-Delivery"`). File key `metadata`; only for `generic-hmac`.
    public var metadata: [String: String]?
    /// A CEL expression over the delivery (`payload`, `envelope`, …) that must hold for the mapper to map it; deliveries
    /// that fail it are still received and deduplicated. File key `filter`. The receiver only carries it.
    public var filter: String?
    /// A disabled integration answers 404 `integration_disabled`. File key `enabled`; default true.
    public var enabled: Bool

    public init(id: String, definition: DefinitionName, secrets: [IntegrationSecret], publicKeys: [String] = [],
                options: IntegrationOptions = IntegrationOptions(), signature: GenericHMACSignatureSettings? = nil,
                metadata: [String: String]? = nil, filter: String? = nil, enabled: Bool = true) {
        self.id = id
        self.definition = definition
        self.secretEntries = secrets
        self.publicKeys = publicKeys
        self.options = options
        self.signature = signature
        self.metadata = metadata
        self.filter = filter
        self.enabled = enabled
    }

    /// An integration whose secrets never expire.
    public init(id: String, definition: DefinitionName, secrets: [String], enabled: Bool = true) {
        self.init(id: id, definition: definition, secrets: secrets.map { IntegrationSecret($0) }, enabled: enabled)
    }

    /// Every configured secret value in order, expired ones included; verifiers use ``activeSecrets(at:)``.
    public var secrets: [String] { secretEntries.map(\.value) }

    /// The secrets accepted at `unixSeconds`, in configuration order.
    public func activeSecrets(at unixSeconds: Int64) -> [String] {
        secretEntries.filter { $0.isActive(at: unixSeconds) }.map(\.value)
    }

    public var description: String {
        var parts = ["id: \(id)", "definition: \(definition)", "secrets: \(secretEntries.count) redacted"]
        if !publicKeys.isEmpty { parts.append("public keys: \(publicKeys.count)") }
        if !options.isEmpty { parts.append("options: \(options)") }
        if signature != nil { parts.append("signature: configured") }
        if metadata != nil { parts.append("metadata: configured") }
        if filter != nil { parts.append("filter: set") }
        parts.append("enabled: \(enabled)")
        return "Integration(\(parts.joined(separator: ", ")))"
    }

    // MARK: Validation

    /// The checks a file or store must pass before the receiver builds a verifier: the material the definition's
    /// scheme needs is there, and only options that scheme reads are set.
    /// - Throws: ``InletCoreError`` `.invalidConfiguration` whose reason starts with the offending key relative to
    ///   the entry (`secrets[1].not_after …`, `options.notification_url …`); the caller prefixes where the entry is.
    public func validate(against definition: WebhookDefinition) throws(InletCoreError) {
        func fail(_ message: String) -> InletCoreError { InletCoreError(.invalidConfiguration, message) }
        guard !id.isEmpty, id.utf8.count <= 128, id.utf8.allSatisfy(NameCharacters.isTopicSafe) else {
            throw fail("id '\(id.prefix(80))' must be 1–128 characters of a-z, 0-9, '_' or '-'")
        }
        guard definition.name == self.definition else {
            throw fail("definition '\(self.definition)' does not match '\(definition.name)'")
        }
        let scheme = definition.signature
        for (index, secret) in secretEntries.enumerated() where secret.value.trimmingCharacters(in: .whitespaces).isEmpty {
            throw fail("secrets[\(index)] is empty; write the secret, or remove the entry")
        }
        for (index, key) in publicKeys.enumerated() where key.trimmingCharacters(in: .whitespaces).isEmpty {
            throw fail("public_keys[\(index)] is empty; write the key, or remove the entry")
        }
        switch scheme.material {
        case .secrets:
            guard !secretEntries.isEmpty else {
                throw fail("secrets must list at least one secret: \(definition.title) deliveries are verified with a shared secret")
            }
            guard publicKeys.isEmpty else {
                throw fail("public_keys is not used by \(definition.title) (scheme '\(scheme.rawValue)'); its deliveries are verified with secrets")
            }
        case .publicKeys:
            guard secretEntries.isEmpty else {
                throw fail("secrets is not used by \(definition.title): it signs with a private key; put its public key under public_keys")
            }
            guard !publicKeys.isEmpty else {
                throw fail("public_keys must list at least one public key: \(definition.title) signs with a private key")
            }
        case .secretsOrPublicKeys:
            guard !secretEntries.isEmpty || !publicKeys.isEmpty else {
                throw fail("secrets must list at least one 'whsec_' secret, or public_keys one 'whpk_' public key")
            }
        case .tokens:
            guard !secretEntries.isEmpty || !(options.secretTokens ?? []).isEmpty || !(options.signingTokens ?? []).isEmpty else {
                throw fail("secrets must list at least one secret token (or set options.secret_tokens / options.signing_tokens)")
            }
            guard publicKeys.isEmpty else { throw fail("public_keys is not used by \(definition.title)") }
        }
        for key in options.setKeys where !scheme.optionKeys.contains(key) {
            let accepted = scheme.optionKeys.isEmpty ? "none" : scheme.optionKeys.joined(separator: ", ")
            throw fail("options.\(key) does not apply to \(definition.title) (scheme '\(scheme.rawValue)'; options it reads: \(accepted))")
        }
        if let tolerance = options.toleranceSeconds {
            let minimum: Int64 = scheme.toleranceCanBeOff ? 0 : 1
            guard (minimum...IntegrationOptions.maximumToleranceSeconds).contains(tolerance) else {
                throw fail("options.tolerance_seconds must be between \(minimum) and \(IntegrationOptions.maximumToleranceSeconds)"
                           + (scheme.toleranceCanBeOff ? " (0 turns the timestamp check off)" : ""))
            }
        }
        if let url = options.notificationURL, !(url.hasPrefix("https://") || url.hasPrefix("http://")) || url.contains(" ") {
            throw fail("options.notification_url must be the absolute http(s) URL configured at the provider")
        }
        if let name = options.headerName, !HTTPToken.isValid(name) {
            throw fail("options.header_name must be an HTTP header name, e.g. Authorization")
        }
        for (key, tokens) in [("secret_tokens", options.secretTokens), ("signing_tokens", options.signingTokens)] {
            for (index, token) in (tokens ?? []).enumerated() where token.trimmingCharacters(in: .whitespaces).isEmpty {
                throw fail("options.\(key)[\(index)] is empty; write the token, or remove the entry")
            }
        }
        if scheme == .genericHMAC {
            guard signature != nil else {
                throw fail("signature is required for generic-hmac: say how the sender signs, e.g. signature: { header: X-Signature, prefix: \"sha256=\" }")
            }
            do {
                _ = try GenericHMACSources(options: metadata ?? [:])
            } catch {
                throw fail("metadata: \(error.reason)")
            }
        } else {
            guard signature == nil else { throw fail("signature applies only to generic-hmac integrations; \(definition.title) has a scheme of its own") }
            guard metadata == nil else { throw fail("metadata applies only to generic-hmac integrations; \(definition.title)'s metadata is built in") }
        }
        if let filter, filter.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw fail("filter is empty; write a CEL expression, or remove the key")
        }
    }

    // MARK: Coding (the keys of the integrations file)

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, definition, secrets, options, signature, metadata, filter, enabled
        case publicKeys = "public_keys"
    }

    public init(from decoder: any Decoder) throws {
        try ConfigurationKeys.refuseUnknown(in: decoder, known: CodingKeys.allCases.map(\.rawValue), what: "integration")
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        let name = try container.decode(String.self, forKey: .definition)
        do {
            definition = try DefinitionName(name)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: container.codingPath + [CodingKeys.definition], debugDescription: error.reason))
        }
        secretEntries = try container.decodeIfPresent([IntegrationSecret].self, forKey: .secrets) ?? []
        publicKeys = try container.decodeIfPresent([String].self, forKey: .publicKeys) ?? []
        options = try container.decodeIfPresent(IntegrationOptions.self, forKey: .options) ?? IntegrationOptions()
        signature = try container.decodeIfPresent(GenericHMACSignatureSettings.self, forKey: .signature)
        metadata = try container.decodeIfPresent([String: String].self, forKey: .metadata)
        filter = try container.decodeIfPresent(String.self, forKey: .filter)
        enabled = try container.decodeIfPresent(Bool.self, forKey: .enabled) ?? true
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(definition, forKey: .definition)
        try container.encode(secretEntries, forKey: .secrets)
        if !publicKeys.isEmpty { try container.encode(publicKeys, forKey: .publicKeys) }
        if !options.isEmpty { try container.encode(options, forKey: .options) }
        try container.encodeIfPresent(signature, forKey: .signature)
        try container.encodeIfPresent(metadata, forKey: .metadata)
        try container.encodeIfPresent(filter, forKey: .filter)
        try container.encode(enabled, forKey: .enabled)
    }
}

/// One shared secret of an integration. In files: a plain string, or `{value: …, not_after: <RFC 3339>}` for a
/// secret being rotated out: it is accepted up to and including `not_after` and refused after, without a restart.
public struct IntegrationSecret: Sendable, Hashable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    public var value: String
    /// The last instant (Unix seconds) the secret is accepted; nil: no end.
    public var notAfter: Int64?

    public init(_ value: String, notAfter: Int64? = nil) {
        self.value = value
        self.notAfter = notAfter
    }

    public init(stringLiteral value: String) { self.init(value) }

    public func isActive(at unixSeconds: Int64) -> Bool { notAfter.map { unixSeconds <= $0 } ?? true }

    public var description: String {
        "IntegrationSecret(redacted\(notAfter.map { ", not_after: \(RFC3339.format(seconds: Int($0)))" } ?? ""))"
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case value
        case notAfter = "not_after"
    }

    public init(from decoder: any Decoder) throws {
        if let single = try? decoder.singleValueContainer(), let text = try? single.decode(String.self) {
            self.init(text)
            return
        }
        try ConfigurationKeys.refuseUnknown(in: decoder, known: CodingKeys.allCases.map(\.rawValue), what: "secret")
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let value = try container.decode(String.self, forKey: .value)
        guard let text = try container.decodeIfPresent(String.self, forKey: .notAfter) else {
            self.init(value)
            return
        }
        guard let seconds = RFC3339Instant.unixSeconds(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: container.codingPath + [CodingKeys.notAfter],
                                                    debugDescription: "must be an RFC 3339 time with an offset, e.g. 2026-12-01T00:00:00Z"))
        }
        self.init(value, notAfter: seconds)
    }

    public func encode(to encoder: any Encoder) throws {
        guard let notAfter else {
            var single = encoder.singleValueContainer()
            try single.encode(value)
            return
        }
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(value, forKey: .value)
        try container.encode(RFC3339.format(seconds: Int(notAfter)), forKey: .notAfter)
    }
}

/// Scheme-specific verification settings of an integration (file key `options`). Every key is optional and applies
/// only to the schemes listed; setting one a scheme does not read is refused, so a typo or a misplaced option is
/// never silently ignored.
public struct IntegrationOptions: Sendable, Hashable, Codable, CustomStringConvertible {
    /// `tolerance_seconds`: accepted difference between a signed timestamp and the receiver's clock, either way.
    /// Schemes with a signed timestamp (Stripe, Slack, Linear, HubSpot, Zoom, Paddle, Standard Webhooks, GitLab
    /// signing tokens, Mailgun, SendGrid, Discord). 1…604,800; SendGrid and Discord also take 0 (no check).
    /// Default: the receiver's `INLET_RECEIVER_TIMESTAMP_TOLERANCE_SECONDS` if set, else the provider's (300 s;
    /// Linear 60 s, Paddle 5 s).
    public var toleranceSeconds: Int64?
    /// `accept_legacy_sha1` (GitHub): also accept `X-Hub-Signature: sha1=…` when `X-Hub-Signature-256` is absent.
    /// Default: false.
    public var acceptLegacySHA1: Bool?
    /// `notification_url` (Square): the notification URL configured at Square, which Square signs. Default: the
    /// receiver's public base URL + the request's path.
    public var notificationURL: String?
    /// `header_name` (Okta): the header carrying the event hook's authentication secret. Default: `Authorization`.
    public var headerName: String?
    /// `secret_tokens` (GitLab): more `X-Gitlab-Token` secret tokens besides `secrets` (which are secret tokens too).
    public var secretTokens: [String]?
    /// `signing_tokens` (GitLab): `whsec_` signing tokens; when set with secret tokens, both checks must pass.
    public var signingTokens: [String]?

    /// Largest `tolerance_seconds`: one week.
    public static let maximumToleranceSeconds: Int64 = 604_800

    public init(toleranceSeconds: Int64? = nil, acceptLegacySHA1: Bool? = nil, notificationURL: String? = nil,
                headerName: String? = nil, secretTokens: [String]? = nil, signingTokens: [String]? = nil) {
        self.toleranceSeconds = toleranceSeconds
        self.acceptLegacySHA1 = acceptLegacySHA1
        self.notificationURL = notificationURL
        self.headerName = headerName
        self.secretTokens = secretTokens
        self.signingTokens = signingTokens
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case toleranceSeconds = "tolerance_seconds"
        case acceptLegacySHA1 = "accept_legacy_sha1"
        case notificationURL = "notification_url"
        case headerName = "header_name"
        case secretTokens = "secret_tokens"
        case signingTokens = "signing_tokens"
    }

    public init(from decoder: any Decoder) throws {
        try ConfigurationKeys.refuseUnknown(in: decoder, known: CodingKeys.allCases.map(\.rawValue), what: "option")
        let container = try decoder.container(keyedBy: CodingKeys.self)
        toleranceSeconds = try container.decodeIfPresent(Int64.self, forKey: .toleranceSeconds)
        acceptLegacySHA1 = try container.decodeIfPresent(Bool.self, forKey: .acceptLegacySHA1)
        notificationURL = try container.decodeIfPresent(String.self, forKey: .notificationURL)
        headerName = try container.decodeIfPresent(String.self, forKey: .headerName)
        secretTokens = try container.decodeIfPresent([String].self, forKey: .secretTokens)
        signingTokens = try container.decodeIfPresent([String].self, forKey: .signingTokens)
    }

    /// The file keys that are set, in declaration order.
    public var setKeys: [String] {
        let set: [(CodingKeys, Bool)] = [
            (.toleranceSeconds, toleranceSeconds != nil), (.acceptLegacySHA1, acceptLegacySHA1 != nil),
            (.notificationURL, notificationURL != nil), (.headerName, headerName != nil),
            (.secretTokens, secretTokens != nil), (.signingTokens, signingTokens != nil),
        ]
        return set.filter(\.1).map(\.0.rawValue)
    }

    public var isEmpty: Bool { setKeys.isEmpty }

    /// Lists the keys that are set; tokens are redacted.
    public var description: String {
        var parts: [String] = []
        if let toleranceSeconds { parts.append("tolerance_seconds: \(toleranceSeconds)") }
        if let acceptLegacySHA1 { parts.append("accept_legacy_sha1: \(acceptLegacySHA1)") }
        if let notificationURL { parts.append("notification_url: \(notificationURL.prefix(200))") }
        if let headerName { parts.append("header_name: \(headerName)") }
        if let secretTokens { parts.append("secret_tokens: \(secretTokens.count) redacted") }
        if let signingTokens { parts.append("signing_tokens: \(signingTokens.count) redacted") }
        return "[\(parts.joined(separator: ", "))]"
    }
}

/// The `signature:` block of a `generic-hmac` integration, as written: the keys of `GenericHMACOptions`
/// (`InletSignatures`), which validates them when the receiver builds the verifier (naming the key on error). Kept
/// as plain values here so configuration stays `Codable` without depending on the signature module.
public struct GenericHMACSignatureSettings: Sendable, Hashable, Codable {
    /// `sha1`, `sha256` or `sha512`. Default: `sha256`.
    public var algorithm: String?
    /// `hex`, `base64` or `base64url`. Default: `hex`.
    public var encoding: String?
    /// The header carrying the signature. Required.
    public var header: String
    public var prefix: String?
    /// What is signed, a template (`{body}`, `{timestamp}`, `{method}`, `{url}`, names from `headers`).
    public var signed: String?
    public var headers: [String: String]?
    public var timestampHeader: String?
    /// `s` or `ms`.
    public var timestampUnit: String?
    public var toleranceSeconds: Int64?

    public init(algorithm: String? = nil, encoding: String? = nil, header: String, prefix: String? = nil,
                signed: String? = nil, headers: [String: String]? = nil, timestampHeader: String? = nil,
                timestampUnit: String? = nil, toleranceSeconds: Int64? = nil) {
        self.algorithm = algorithm
        self.encoding = encoding
        self.header = header
        self.prefix = prefix
        self.signed = signed
        self.headers = headers
        self.timestampHeader = timestampHeader
        self.timestampUnit = timestampUnit
        self.toleranceSeconds = toleranceSeconds
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case algorithm, encoding, header, prefix, signed, headers
        case timestampHeader = "timestamp_header"
        case timestampUnit = "timestamp_unit"
        case toleranceSeconds = "tolerance_seconds"
    }

    public init(from decoder: any Decoder) throws {
        try ConfigurationKeys.refuseUnknown(in: decoder, known: CodingKeys.allCases.map(\.rawValue), what: "signature option")
        let container = try decoder.container(keyedBy: CodingKeys.self)
        algorithm = try container.decodeIfPresent(String.self, forKey: .algorithm)
        encoding = try container.decodeIfPresent(String.self, forKey: .encoding)
        header = try container.decode(String.self, forKey: .header)
        prefix = try container.decodeIfPresent(String.self, forKey: .prefix)
        signed = try container.decodeIfPresent(String.self, forKey: .signed)
        headers = try container.decodeIfPresent([String: String].self, forKey: .headers)
        timestampHeader = try container.decodeIfPresent(String.self, forKey: .timestampHeader)
        timestampUnit = try container.decodeIfPresent(String.self, forKey: .timestampUnit)
        toleranceSeconds = try container.decodeIfPresent(Int64.self, forKey: .toleranceSeconds)
    }
}

extension SignatureScheme {
    /// What an integration of this scheme is verified with.
    enum Material {
        case secrets, publicKeys, secretsOrPublicKeys, tokens
    }

    var material: Material {
        switch self {
        case .sendgrid, .discord: .publicKeys
        case .standardWebhooks: .secretsOrPublicKeys
        case .gitlabToken: .tokens
        default: .secrets
        }
    }

    /// The `options` keys this scheme reads.
    var optionKeys: [String] {
        switch self {
        case .githubHMACSHA256: ["accept_legacy_sha1"]
        case .square: ["notification_url"]
        case .okta: ["header_name"]
        case .gitlabToken: ["tolerance_seconds", "secret_tokens", "signing_tokens"]
        case .stripe, .slack, .linear, .hubspotV3, .zoom, .paddle, .standardWebhooks, .mailgun, .sendgrid, .discord:
            ["tolerance_seconds"]
        case .shopify, .twilio, .intercom, .jira, .microsoftGraph, .bitbucket, .genericHMAC: []
        }
    }

    /// Whether `tolerance_seconds: 0` may turn the timestamp check off (the sender's own libraries do not check it).
    var toleranceCanBeOff: Bool { self == .sendgrid || self == .discord }
}

/// Refuses keys a configuration block does not know, naming the first one and listing the known ones.
enum ConfigurationKeys {
    private struct AnyKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    static func refuseUnknown(in decoder: any Decoder, known: [String], what: String) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        if let unknown = container.allKeys.map(\.stringValue).sorted().first(where: { !known.contains($0) }) {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath + [AnyKey(stringValue: unknown)],
                debugDescription: "unknown \(what) key '\(unknown.prefix(60))' (known: \(known.sorted().joined(separator: ", ")))"))
        }
    }
}

/// Parses RFC 3339 instants (`2026-12-01T00:00:00Z`, `…T00:00:00.5+02:00`) to Unix seconds, fractions dropped.
enum RFC3339Instant {
    static func unixSeconds(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count, bytes[range].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            return bytes[range].reduce(0) { $0 * 10 + Int($1 - 0x30) }
        }
        func at(_ index: Int, _ expected: [UInt8]) -> Bool { index < bytes.count && expected.contains(bytes[index]) }
        guard let year = number(0..<4), at(4, [0x2D]), let month = number(5..<7), at(7, [0x2D]), let day = number(8..<10),
              at(10, Array("Tt ".utf8)), let hour = number(11..<13), at(13, [0x3A]), let minute = number(14..<16),
              at(16, [0x3A]), let second = number(17..<19),
              (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second <= 60
        else { return nil }
        var index = 19
        if at(index, [0x2E]) {
            index += 1
            let start = index
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
            guard index > start else { return nil }
        }
        var offset = 0
        if at(index, Array("Zz".utf8)), index + 1 == bytes.count {
            offset = 0
        } else if at(index, Array("+-".utf8)), index + 6 == bytes.count, let hours = number(index + 1..<index + 3),
                  at(index + 3, [0x3A]), let minutes = number(index + 4..<index + 6), hours < 24, minutes < 60 {
            offset = (hours * 60 + minutes) * 60 * (bytes[index] == UInt8(ascii: "-") ? -1 : 1)
        } else {
            return nil
        }
        // Days from 1970-01-01 (H. Hinnant's days_from_civil).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return Int64(days * 86_400 + hour * 3600 + minute * 60 + min(second, 59) - offset)
    }
}

/// A consumer of normalised records over HTTP: the deliverer POSTs signed JSON batches to its URL.
public struct Subscription: Sendable, Equatable, CustomStringConvertible {
    public let id: String
    public let url: String
    /// Standard Webhooks secret (`whsec_<base64>`) the deliverer signs every request with.
    public let secret: String
    public let models: [ModelName]

    public init(id: String, url: String, secret: String, models: [ModelName]) {
        self.id = id
        self.url = url
        self.secret = secret
        self.models = models
    }

    public var description: String { "Subscription(id: \(id), url: \(url), models: \(models), secret: redacted)" }
}

/// Reads the YAML files of the local deployment, naming the file and key of every bad value.
public enum ConfigurationFiles {
    private struct IntegrationsFile: Decodable {
        let integrations: [Integration]
    }

    private struct SubscriptionsFile: Decodable {
        struct Entry: Decodable {
            let id: String
            let url: String
            let secret: String
            let models: [String]
        }
        let subscriptions: [Entry]
    }

    /// Every integration in the file, validated (``Integration/validate(against:)``) against `definitions`.
    /// - Throws: ``InletCoreError`` naming the file and key: `path: integrations[2].options.tolerance_seconds …`.
    public static func integrations(at path: String, definitions: DefinitionRegistry) throws(InletCoreError) -> [Integration] {
        let file: IntegrationsFile = try decode(path)
        var seen = Set<String>()
        for (index, integration) in file.integrations.enumerated() {
            let at = "\(path): integrations[\(index)]"
            guard !integration.id.isEmpty, integration.id.utf8.allSatisfy(NameCharacters.isTopicSafe) else {
                throw InletCoreError(.invalidConfiguration, "\(at).id '\(integration.id.prefix(80))' must be a-z, 0-9, '_' or '-'")
            }
            guard seen.insert(integration.id).inserted else {
                throw InletCoreError(.invalidConfiguration, "\(at).id '\(integration.id)' is used twice")
            }
            guard let definition = definitions.definitions[integration.definition] else {
                throw InletCoreError(.unknownDefinition, "\(at).definition '\(integration.definition.rawValue.prefix(80))' is not a known definition (known: \(definitions.definitions.keys.sorted().map(\.rawValue).joined(separator: ", ")))")
            }
            do {
                try integration.validate(against: definition)
            } catch {
                throw InletCoreError(error.code, "\(at).\(error.reason)")
            }
        }
        return file.integrations
    }

    public static func subscriptions(at path: String, models: ModelRegistry) throws(InletCoreError) -> [Subscription] {
        let file: SubscriptionsFile = try decode(path)
        return try file.subscriptions.enumerated().map { (index, entry) throws(InletCoreError) in
            let at = "\(path): subscriptions[\(index)]"
            guard entry.url.hasPrefix("http://") || entry.url.hasPrefix("https://") else {
                throw InletCoreError(.invalidConfiguration, "\(at).url must be an http or https URL")
            }
            guard entry.secret.hasPrefix("whsec_") else {
                throw InletCoreError(.invalidConfiguration, "\(at).secret must be a Standard Webhooks secret ('whsec_' followed by base64)")
            }
            var names: [ModelName] = []
            for model in entry.models {
                guard let declaration = models[model] else {
                    throw InletCoreError(.unknownModel, "\(at).models names unknown model '\(model.prefix(80))'")
                }
                names.append(declaration.name)
            }
            return Subscription(id: entry.id, url: entry.url, secret: entry.secret, models: names)
        }
    }

    private static func decode<T: Decodable>(_ path: String) throws(InletCoreError) -> T {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InletCoreError(.invalidConfiguration, "cannot read \(path); check the path (set by environment) exists")
        }
        do {
            return try YAMLDecoder().decode(T.self, from: data)
        } catch let error as DecodingError {
            throw InletCoreError(.invalidConfiguration, "\(path) is not valid: \(ConfigurationFiles.explain(error))")
        } catch {
            throw InletCoreError(.invalidConfiguration, "\(path) is not valid YAML: \(error)")
        }
    }

    static func explain(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing key '\(path(context)).\(key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "bad value at '\(path(context))': \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }
}
