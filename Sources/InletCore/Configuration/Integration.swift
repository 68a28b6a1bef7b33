import Foundation
import Yams

/// One configured source of webhooks: a tenant's account at a provider, with the secrets it signs with.
///
/// For now integrations come from a YAML file (`deploy/local/integrations.yaml`); they move to PostgreSQL with
/// encrypted secrets later. A secret is never logged: ``description`` redacts it.
public struct Integration: Sendable, Equatable, CustomStringConvertible {
    public let id: String
    public let definition: DefinitionName
    /// Active secrets; more than one during rotation. The receiver accepts a signature made with any of them.
    public let secrets: [String]
    public let enabled: Bool

    public init(id: String, definition: DefinitionName, secrets: [String], enabled: Bool = true) {
        self.id = id
        self.definition = definition
        self.secrets = secrets
        self.enabled = enabled
    }

    public var description: String {
        "Integration(id: \(id), definition: \(definition), secrets: \(secrets.count) redacted, enabled: \(enabled))"
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
        struct Entry: Decodable {
            let id: String
            let definition: String
            let secrets: [String]
            let enabled: Bool?
        }
        let integrations: [Entry]
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

    public static func integrations(at path: String, definitions: DefinitionRegistry) throws(InletCoreError) -> [Integration] {
        let file: IntegrationsFile = try decode(path)
        var seen = Set<String>()
        var result: [Integration] = []
        for (index, entry) in file.integrations.enumerated() {
            let at = "\(path): integrations[\(index)]"
            guard !entry.id.isEmpty, entry.id.utf8.allSatisfy(NameCharacters.isTopicSafe) else {
                throw InletCoreError(.invalidConfiguration, "\(at).id '\(entry.id.prefix(80))' must be a-z, 0-9, '_' or '-'")
            }
            guard seen.insert(entry.id).inserted else {
                throw InletCoreError(.invalidConfiguration, "\(at).id '\(entry.id)' is used twice")
            }
            guard let definition = definitions[entry.definition] else {
                throw InletCoreError(.unknownDefinition, "\(at).definition '\(entry.definition.prefix(80))' is not a known definition (known: \(definitions.definitions.keys.sorted().map(\.rawValue).joined(separator: ", ")))")
            }
            guard !entry.secrets.isEmpty, entry.secrets.allSatisfy({ !$0.isEmpty }) else {
                throw InletCoreError(.invalidConfiguration, "\(at).secrets must list at least one non-empty secret")
            }
            result.append(Integration(id: entry.id, definition: definition.name, secrets: entry.secrets,
                                      enabled: entry.enabled ?? true))
        }
        return result
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
