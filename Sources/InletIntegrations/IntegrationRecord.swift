import Foundation
import InletCore

/// Whether the receiver accepts deliveries for an integration. A disabled integration keeps its secrets and
/// settings; its deliveries are answered 404 `integration_disabled`.
public enum IntegrationStatus: String, Sendable, Hashable, CaseIterable {
    case enabled
    case disabled
}

/// What a sealed secret is used for.
public enum SecretKind: String, Sendable, Hashable, CaseIterable {
    /// A verification secret: the integration's `secrets` (for GitLab: its secret tokens).
    case secret
    /// A GitLab signing token (`options.signing_tokens`, `whsec_…`).
    case signingToken = "signing_token"
}

/// What is stored about one secret, without the secret: safe to list, log and print.
public struct SecretRecord: Sendable, Hashable {
    /// `v1`, `v2`, …: numbered per integration, never reused, the highest the newest.
    public var id: String
    public var kind: SecretKind
    /// The master key that sealed it.
    public var keyID: String
    public var createdAt: Date
    /// The last second it verifies (inclusive, like `not_after` in the integrations file); nil: no end.
    public var notAfter: Date?

    public init(id: String, kind: SecretKind = .secret, keyID: String, createdAt: Date, notAfter: Date?) {
        self.id = id
        self.kind = kind
        self.keyID = keyID
        self.createdAt = createdAt
        self.notAfter = notAfter
    }

    /// `not_after` as Unix seconds, the receiver's unit.
    public var notAfterSeconds: Int64? { notAfter.map { Int64($0.timeIntervalSince1970.rounded(.down)) } }

    /// Whether it still verifies at `now`: up to and including the second of `not_after`, as
    /// `IntegrationSecret.isActive(at:)` decides.
    public func isActive(at now: Date) -> Bool {
        notAfterSeconds.map { Int64(now.timeIntervalSince1970.rounded(.down)) <= $0 } ?? true
    }

    /// The number in `v<n>`, 0 for an id of another form (set by hand).
    var number: Int { id.hasPrefix("v") ? Int(id.dropFirst()) ?? 0 : 0 }

    static func id(number: Int) -> String { "v\(number)" }

    /// Newest first: by creation time, then by number (secrets added in one transaction share a creation time).
    static func newestFirst(_ lhs: SecretRecord, _ rhs: SecretRecord) -> Bool {
        lhs.createdAt != rhs.createdAt ? lhs.createdAt > rhs.createdAt : lhs.number > rhs.number
    }
}

/// An integration as stored, without secret material: what `inlet integrations list` shows.
public struct IntegrationRecord: Sendable, Hashable {
    public var id: String
    public var definition: DefinitionName
    public var settings: IntegrationSettings
    /// CEL over the delivery that must hold for the mapper to map it; nil maps everything.
    public var filter: String?
    public var status: IntegrationStatus
    public var createdAt: Date
    /// Last change of the row or of its secrets.
    public var updatedAt: Date
    /// Counts the changes of the row and its secrets; starts at 1.
    public var revision: Int64
    /// Newest first, every kind.
    public var secrets: [SecretRecord]

    /// The receiver's value, with `values` standing for the secrets (by secret id). Secrets without a value are
    /// left out.
    func integration(values: [String: WebhookSecret]) -> Integration {
        var options = settings.options
        let signingTokens = secrets.filter { $0.kind == .signingToken }.compactMap { values[$0.id]?.value }
        options.signingTokens = signingTokens.isEmpty ? nil : signingTokens
        return Integration(
            id: id, definition: definition,
            secrets: secrets.filter { $0.kind == .secret }.compactMap { secret in
                values[secret.id].map { IntegrationSecret($0.value, notAfter: secret.notAfterSeconds) }
            },
            publicKeys: settings.publicKeys, options: options, signature: settings.signature, metadata: settings.metadata,
            filter: filter, enabled: status == .enabled)
    }

    /// Checks the record's shape against its definition with `Integration.validate(against:)`: which material the
    /// scheme needs, which options it reads. That check looks only at whether secrets are present and non-empty,
    /// never at their values, so stored secrets (sealed, not opened here) are represented by a placeholder.
    func validate(definitions: DefinitionRegistry, operation: String) throws(IntegrationsError) {
        guard let definition = definitions.definitions[self.definition] else {
            let names = definitions.definitions.keys.sorted().map(\.rawValue).joined(separator: ", ")
            throw IntegrationsError(.invalidIntegration, "'\(self.definition)' is not a known definition (known: \(names))",
                                    operation: operation)
        }
        let placeholder = WebhookSecret(checked: "sealed")
        let shape = integration(values: Dictionary(uniqueKeysWithValues: secrets.map { ($0.id, placeholder) }))
        do {
            try shape.validate(against: definition)
        } catch {
            throw IntegrationsError(.invalidIntegration, "integration '\(id)': \(error.reason)", operation: operation)
        }
    }
}

/// An integration to add: everything but its secrets.
public struct NewIntegration: Sendable {
    public let id: String
    public let definition: DefinitionName
    public var settings: IntegrationSettings
    public var filter: String?
    public var status: IntegrationStatus

    /// - Throws: ``IntegrationsError`` `.invalidIntegration` for a definition the registry does not know (the error
    ///   lists the known ones). The rest, id included, is checked with `Integration.validate(against:)` when it is
    ///   added, together with its secrets.
    public init(id: String, definition: String, definitions: DefinitionRegistry, settings: IntegrationSettings = .empty,
                filter: String? = nil, status: IntegrationStatus = .enabled) throws(IntegrationsError)
    {
        guard let known = definitions[definition] else {
            let names = definitions.definitions.keys.sorted().map(\.rawValue).joined(separator: ", ")
            throw IntegrationsError(.invalidIntegration, "'\(definition.prefix(64))' is not a known definition (known: \(names))",
                                    operation: "add integration \(id)")
        }
        self.id = id
        self.definition = known.name
        self.settings = settings
        self.filter = IntegrationFilter.normalised(filter)
        self.status = status
    }

    /// From an integration read from a file (id and definition checked there).
    init(of integration: Integration) {
        id = integration.id
        definition = integration.definition
        settings = IntegrationSettings(of: integration)
        filter = IntegrationFilter.normalised(integration.filter)
        status = integration.enabled ? .enabled : .disabled
    }

    /// The record it becomes with `secrets` (newest first), before anything is written: for validation.
    func record(secrets: [SecretRecord], now: Date) -> IntegrationRecord {
        IntegrationRecord(id: id, definition: definition, settings: settings, filter: filter, status: status, createdAt: now,
                          updatedAt: now, revision: 1, secrets: secrets)
    }
}

/// Filters are stored trimmed; an empty one is no filter.
enum IntegrationFilter {
    static func normalised(_ filter: String?) -> String? {
        guard let trimmed = filter?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else { return nil }
        return trimmed
    }
}
