import Foundation
import InletCore
import Yams

/// The non-secret settings of an integration (signing options of a `generic-hmac` definition, a public base URL, …):
/// one JSON object, stored as `jsonb`.
///
/// Secrets do not belong here: they are sealed in `inlet_integration_secrets`. As a guard against pasting one in,
/// members named like a credential (``credentialKeys``, at any depth) are refused.
public struct IntegrationSettings: Sendable, Hashable, CustomStringConvertible {
    /// The object's members.
    public let members: [String: JSONValue]

    /// Member names refused at any depth, compared case-insensitively with `-` read as `_`.
    public static let credentialKeys: Set<String> = [
        "secret", "secrets", "password", "passphrase", "token", "api_key", "apikey", "private_key", "client_secret",
        "signing_secret", "signing_key", "auth_token", "access_token",
    ]

    public static let empty = IntegrationSettings(validated: [:])

    private init(validated members: [String: JSONValue]) {
        self.members = members
    }

    /// - Throws: ``IntegrationsError`` `.invalidIntegration` when a member is named like a credential.
    public init(members: [String: JSONValue]) throws(IntegrationsError) {
        if let path = Self.credentialPath(in: .object(members), at: "settings") {
            throw IntegrationsError(.invalidIntegration, """
                \(path) looks like a credential; settings are stored in plain text, so pass secrets with \
                --secret-file, --secret-stdin or --generate instead
                """, operation: "read settings")
        }
        self.members = members
    }

    /// Parses a YAML or JSON document (JSON is read as YAML) that must be an object.
    /// - Parameter origin: named in errors, e.g. the file path.
    public init(parsing text: String, origin: String) throws(IntegrationsError) {
        let value: JSONValue
        do {
            value = try YAMLDecoder().decode(JSONValue.self, from: text)
        } catch {
            throw IntegrationsError(.invalidIntegration, "\(origin) is not a YAML or JSON document: \(Self.explain(error))",
                                    operation: "read settings")
        }
        guard case .object(let members) = value else {
            throw IntegrationsError(.invalidIntegration, "\(origin) must hold an object (key: value pairs)", operation: "read settings")
        }
        try self.init(members: members)
    }

    /// Reads the `jsonb` text PostgreSQL returns.
    init(storedJSON text: String) throws(IntegrationsError) {
        do {
            let value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
            guard case .object(let members) = value else { throw NotAnObject() }
            self.init(validated: members)
        } catch {
            throw IntegrationsError(.invalidIntegration, "the stored settings are not a JSON object", operation: "read settings")
        }
    }

    private struct NotAnObject: Error {}

    /// Compact JSON with sorted keys.
    public var jsonText: String { JSONValue.object(members).jsonText() }

    public var description: String { jsonText }

    public func hash(into hasher: inout Hasher) { hasher.combine(jsonText) }

    private static func credentialPath(in value: JSONValue, at path: String) -> String? {
        switch value {
        case .object(let members):
            for key in members.keys.sorted() {
                let normalised = key.lowercased().replacingOccurrences(of: "-", with: "_")
                if credentialKeys.contains(normalised) { return "\(path).\(key)" }
                if let found = credentialPath(in: members[key]!, at: "\(path).\(key)") { return found }
            }
        case .array(let items):
            for (index, item) in items.enumerated() {
                if let found = credentialPath(in: item, at: "\(path)[\(index)]") { return found }
            }
        default: break
        }
        return nil
    }

    /// A decoding error's position, without the document's text (it may hold a pasted secret).
    private static func explain(_ error: any Error) -> String {
        if let error = error as? YamlError {
            switch error {
            case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
                return "syntax error at line \(mark.line), column \(mark.column)"
            default: return "not valid YAML"
            }
        }
        if error is DecodingError { return "contains a value that is not JSON (YAML tags, binary, …)" }
        return "not valid YAML"
    }
}
