import Foundation
import InletCore
import Yams

/// The non-secret configuration of an integration, stored as `jsonb`: the keys of an integrations-file entry that
/// hold no secret (`public_keys`, `options`, `signature`, `metadata`), with the same meaning and validation
/// (`docs/receiver.md`, "Integration options").
///
/// Secrets never live here: `secrets` and GitLab's `options.secret_tokens` / `options.signing_tokens` are sealed in
/// `inlet_integration_secrets`. A settings document that holds them, or any key this type does not know, is refused.
public struct IntegrationSettings: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Public keys of schemes verified with the sender's key pair (SendGrid, Discord, Standard Webhooks `whpk_`).
    public var publicKeys: [String]
    /// Scheme options, without the token lists (those are secrets).
    public var options: IntegrationOptions
    /// How a `generic-hmac` sender signs.
    public var signature: GenericHMACSignatureSettings?
    /// Where a `generic-hmac` sender puts its delivery ID, event name, variant and time.
    public var metadata: [String: String]?

    public static let empty = IntegrationSettings()

    public init(publicKeys: [String] = [], options: IntegrationOptions = IntegrationOptions(),
                signature: GenericHMACSignatureSettings? = nil, metadata: [String: String]? = nil) {
        self.publicKeys = publicKeys
        self.options = options
        self.signature = signature
        self.metadata = metadata
    }

    /// The settings of an integration read from a file, whose token lists are stored as secrets instead.
    init(of integration: Integration) {
        var options = integration.options
        options.secretTokens = nil
        options.signingTokens = nil
        self.init(publicKeys: integration.publicKeys, options: options, signature: integration.signature,
                  metadata: integration.metadata)
    }

    /// Parses a YAML or JSON document (JSON is read as YAML) holding any of `public_keys`, `options`, `signature`,
    /// `metadata`.
    /// - Parameter origin: named in errors, e.g. the file path.
    /// - Throws: ``IntegrationsError`` `.invalidIntegration` naming the offending key, never quoting a value.
    public init(parsing text: String, origin: String) throws(IntegrationsError) {
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            self.init()
            return
        }
        do {
            self = try YAMLDecoder().decode(IntegrationSettings.self, from: text)
        } catch {
            throw IntegrationsError(.invalidIntegration, "\(origin): \(Self.explain(error))", operation: "read settings")
        }
        if options.secretTokens != nil || options.signingTokens != nil {
            throw IntegrationsError(.invalidIntegration, """
                \(origin): options.secret_tokens and options.signing_tokens are secrets, which are never stored as \
                settings; give secret tokens with --secret-file/--secret-stdin/--generate, and signing tokens with \
                `inlet integrations rotate-secret ID --signing-token`
                """, operation: "read settings")
        }
    }

    /// Reads the `jsonb` text PostgreSQL returns.
    init(storedJSON text: String, integrationID: String) throws(IntegrationsError) {
        do {
            self = try JSONDecoder().decode(IntegrationSettings.self, from: Data(text.utf8))
        } catch {
            throw IntegrationsError(.invalidIntegration, "the stored settings of integration '\(integrationID)' do not decode: \(Self.explain(error))",
                                    operation: "read integrations")
        }
    }

    /// Compact JSON with sorted keys, as stored.
    public var jsonText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings, numbers and booleans cannot fail.
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// The keys that are set; public keys are counted, not shown.
    public var description: String {
        var parts: [String] = []
        if !publicKeys.isEmpty { parts.append("public_keys: \(publicKeys.count)") }
        if !options.isEmpty { parts.append("options: \(options)") }
        if signature != nil { parts.append("signature: configured") }
        if metadata != nil { parts.append("metadata: configured") }
        return "[\(parts.joined(separator: ", "))]"
    }

    // MARK: Coding: the integrations file's keys

    enum CodingKeys: String, CodingKey, CaseIterable {
        case publicKeys = "public_keys"
        case options, signature, metadata
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        let known = CodingKeys.allCases.map(\.rawValue)
        if let unknown = container.allKeys.map(\.stringValue).sorted().first(where: { !known.contains($0) }) {
            throw DecodingError.dataCorrupted(.init(
                codingPath: [AnyKey(stringValue: unknown)],
                debugDescription: "unknown settings key '\(unknown.prefix(60))' (settings are \(known.joined(separator: ", ")); secrets go in with --secret-file, --secret-stdin or --generate)"))
        }
        let keyed = try decoder.container(keyedBy: CodingKeys.self)
        publicKeys = try keyed.decodeIfPresent([String].self, forKey: .publicKeys) ?? []
        options = try keyed.decodeIfPresent(IntegrationOptions.self, forKey: .options) ?? IntegrationOptions()
        signature = try keyed.decodeIfPresent(GenericHMACSignatureSettings.self, forKey: .signature)
        metadata = try keyed.decodeIfPresent([String: String].self, forKey: .metadata)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        if !publicKeys.isEmpty { try container.encode(publicKeys, forKey: .publicKeys) }
        if !options.isEmpty { try container.encode(options, forKey: .options) }
        try container.encodeIfPresent(signature, forKey: .signature)
        try container.encodeIfPresent(metadata, forKey: .metadata)
    }

    private struct AnyKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Where a document went wrong, without its text (a pasted secret must not reach a terminal or a log).
    private static func explain(_ error: any Error) -> String {
        switch error {
        case let error as YamlError:
            switch error {
            case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
                return "not valid YAML or JSON (line \(mark.line), column \(mark.column))"
            default:
                return "not valid YAML or JSON"
            }
        case let error as DecodingError:
            func path(_ context: DecodingError.Context) -> String {
                context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().drop { $0 == "." }.description
            }
            switch error {
            case .keyNotFound(let key, let context):
                return "missing key '\(path(context).isEmpty ? "" : path(context) + ".")\(key.stringValue)'"
            case .typeMismatch(_, let context), .valueNotFound(_, let context):
                return "'\(path(context))' has the wrong type"
            case .dataCorrupted(let context):
                // Our own and InletCore's messages name keys only; others may quote input, so only the path is kept.
                let ours = context.debugDescription.hasPrefix("unknown ")
                return "'\(path(context))' is not valid" + (ours ? ": \(context.debugDescription)" : "")
            @unknown default:
                return "not valid"
            }
        default:
            return "not valid YAML or JSON"
        }
    }
}
