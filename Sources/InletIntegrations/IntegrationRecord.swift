import Foundation
import InletCore

/// Whether the receiver accepts deliveries for an integration. A disabled integration keeps its secrets and
/// settings; its deliveries are answered 404 `integration_disabled`.
public enum IntegrationStatus: String, Sendable, Hashable, CaseIterable {
    case enabled
    case disabled
}

/// What is stored about one secret, without the secret: safe to list, log and print.
public struct SecretRecord: Sendable, Hashable {
    /// `v1`, `v2`, …: numbered per integration, never reused, the highest the newest.
    public var id: String
    /// The master key that sealed it.
    public var keyID: String
    public var createdAt: Date
    /// When it stops verifying; nil while it is the current secret or has no end.
    public var notAfter: Date?

    public init(id: String, keyID: String, createdAt: Date, notAfter: Date?) {
        self.id = id
        self.keyID = keyID
        self.createdAt = createdAt
        self.notAfter = notAfter
    }

    /// Whether it still verifies deliveries at `now`.
    public func isActive(at now: Date) -> Bool { notAfter.map { $0 > now } ?? true }

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
    /// CEL over the delivery, evaluated by the receiver; nil accepts every delivery.
    public var filter: String?
    public var status: IntegrationStatus
    public var createdAt: Date
    /// Last change of the row or of its secrets.
    public var updatedAt: Date
    /// Counts the changes of the row and its secrets; starts at 1.
    public var revision: Int64
    /// Newest first.
    public var secrets: [SecretRecord]

    /// The secrets that verify at `now`, newest first.
    public func activeSecrets(at now: Date) -> [SecretRecord] { secrets.filter { $0.isActive(at: now) } }
}

/// An integration to add: everything but its secrets, checked.
public struct NewIntegration: Sendable {
    public let id: String
    public let definition: DefinitionName
    public var settings: IntegrationSettings
    public var filter: String?
    public var status: IntegrationStatus

    /// - Throws: ``IntegrationsError`` `.invalidIntegration` for an id that is not 1–64 characters of `a-z 0-9 _ -`,
    ///   or a definition the registry does not know (the error lists the known ones).
    public init(id: String, definition: String, definitions: DefinitionRegistry, settings: IntegrationSettings = .empty,
                filter: String? = nil, status: IntegrationStatus = .enabled) throws(IntegrationsError)
    {
        try IntegrationID.validate(id)
        guard let known = definitions[definition] else {
            let names = definitions.definitions.keys.sorted().map(\.rawValue).joined(separator: ", ")
            throw IntegrationsError(.invalidIntegration, "'\(definition.prefix(64))' is not a known definition (known: \(names))",
                                    operation: "add integration \(id)")
        }
        let filter = filter?.trimmingCharacters(in: .whitespacesAndNewlines)
        self.id = id
        self.definition = known.name
        self.settings = settings
        self.filter = filter?.isEmpty == false ? filter : nil
        self.status = status
    }
}

/// The rules for integration ids: they appear in URLs (`/webhooks/<definition>/<id>`) and topic headers.
public enum IntegrationID {
    /// - Throws: ``IntegrationsError`` `.invalidIntegration` unless `id` is 1–64 characters of `a-z 0-9 _ -`.
    public static func validate(_ id: String) throws(IntegrationsError) {
        let valid = !id.isEmpty && id.utf8.count <= 64 && id.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
        guard valid else {
            throw IntegrationsError(.invalidIntegration, "integration id '\(id.prefix(64))' must be 1 to 64 characters of a-z, 0-9, '_' or '-'",
                                    operation: "check integration id")
        }
    }
}
