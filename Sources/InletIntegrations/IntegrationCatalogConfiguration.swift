import InletCore

/// Where a receiver takes its integrations from, and how often it looks for changes.
///
/// ``init(environment:)`` lists every environment variable it reads; ``variables`` documents them. The master keys
/// are read separately, by ``MasterKeyRing/init(environment:readFile:)``, and only when the source is PostgreSQL.
public struct IntegrationCatalogConfiguration: Sendable, Equatable {
    /// Where integrations come from.
    public enum Source: String, Sendable, CaseIterable {
        /// The YAML file `INLET_INTEGRATIONS_FILE` names, read once at start-up (local development).
        case file
        /// The `inlet_integrations` tables, secrets sealed with the master key, changes picked up while running.
        case postgres
    }

    /// Default: `file`.
    public var source: Source = .file
    /// How often the receiver asks PostgreSQL whether integrations changed (one single-row read). A change, a new
    /// secret or a disabled integration takes effect within this interval. Default: 2 seconds.
    public var pollInterval: Duration = .seconds(2)

    public init() {}

    /// The variables ``init(environment:)`` reads, with their defaults and meaning.
    public static let variables: [(name: String, defaultValue: String, meaning: String)] = [
        ("INLET_INTEGRATIONS_SOURCE", "file", "where the receiver reads integrations: file or postgres"),
        ("INLET_INTEGRATIONS_POLL_SECONDS", "2", "how often the receiver checks PostgreSQL for changed integrations"),
    ]

    /// - Throws: ``IntegrationsError`` `.invalidConfiguration` naming the first malformed variable.
    public init(environment: EnvironmentReader) throws(IntegrationsError) {
        self.init()
        if let text = environment.string("INLET_INTEGRATIONS_SOURCE") {
            guard let value = Source(rawValue: text.lowercased()) else {
                throw IntegrationsError(.invalidConfiguration, "INLET_INTEGRATIONS_SOURCE='\(text.prefix(40))' must be file or postgres",
                                        operation: "read configuration")
            }
            source = value
        }
        do throws(InletCoreError) {
            if let seconds = try environment.double("INLET_INTEGRATIONS_POLL_SECONDS") {
                guard (0.1...3600).contains(seconds) else {
                    throw InletCoreError(.invalidConfiguration, "environment variable INLET_INTEGRATIONS_POLL_SECONDS must be from 0.1 to 3600 seconds")
                }
                pollInterval = .milliseconds(Int64((seconds * 1000).rounded()))
            }
        } catch {
            throw IntegrationsError(.invalidConfiguration, error.reason, operation: "read configuration")
        }
    }
}
