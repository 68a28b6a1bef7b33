import Foundation
import InletCore
import InletPostgres
import Logging
import Synchronization
import Testing

@testable import InletIntegrations

/// The local PostgreSQL that `deploy/local/start.sh` runs (`source deploy/local/env.sh` exports its URL).
enum IntegrationsTestDatabase {
    static var url: String {
        ProcessInfo.processInfo.environment["INLET_POSTGRES_URL"] ?? "postgresql://inlet@127.0.0.1:55432/inlet"
    }

    /// Database tests run when the environment names the database, as `make test` and `env.sh` do.
    static var isConfigured: Bool { ProcessInfo.processInfo.environment["INLET_POSTGRES_URL"] != nil }

    /// A store on a schema of its own, prepared; the schema (tables, triggers, functions) is dropped after `body`.
    static func withStore<R>(_ body: (IntegrationStore) async throws -> R) async throws -> R {
        let client = PostgresClient(configuration: PostgresConfiguration(url: url, poolSize: 2, connectTimeout: .seconds(5)))
        let schema = "integrations_test_\(UUID().uuidString.prefix(8).lowercased())"
        do {
            _ = try await client.query("CREATE SCHEMA \(schema)")
            let store = IntegrationStore(client: client, definitions: IntegrationsFixtures.definitions, tables: IntegrationTables(schema: schema))
            try await store.prepare()
            let result = try await body(store)
            try await drop(schema, client)
            await client.close()
            return result
        } catch {
            try? await drop(schema, client)
            await client.close()
            throw error
        }
    }

    /// Drops the schema and all in it, without the server's notice listing every object dropped.
    static func drop(_ schema: String, _ client: PostgresClient) async throws {
        try await client.withTransaction { transaction in
            _ = try await transaction.query("SET LOCAL client_min_messages = warning")
            _ = try await transaction.query("DROP SCHEMA IF EXISTS \(schema) CASCADE")
        }
    }
}

enum IntegrationsFixtures {
    static let definitions: DefinitionRegistry = try! DefinitionRegistry()

    static func keys(previous: Int = 0) throws -> MasterKeyRing {
        try MasterKeyRing(current: MasterKey.random(), previous: (0..<previous).map { _ in try MasterKey.random() })
    }

    static func secret(_ text: String) throws -> WebhookSecret { try WebhookSecret(text) }

    /// A secret no other test uses, easy to search for in logs and errors.
    static func uniqueSecret(_ label: String = "s") throws -> WebhookSecret {
        try WebhookSecret("test-secret-\(label)-\(UUID().uuidString)")
    }

    static func github(_ id: String, status: IntegrationStatus = .enabled) throws -> NewIntegration {
        try NewIntegration(id: id, definition: "github", definitions: definitions, status: status)
    }

    /// The secrets of `integration` that verify at `now`, as the receiver decides.
    static func activeSecrets(_ integration: Integration?, at now: Date = Date()) -> [String] {
        integration?.activeSecrets(at: Int64(now.timeIntervalSince1970.rounded(.down))) ?? []
    }

    /// Base64 of `count` bytes of `byte`: a well-formed key in tests.
    static func base64Key(_ byte: UInt8 = 7, count: Int = 32) -> String {
        Data(repeating: byte, count: count).base64EncodedString()
    }
}

/// Records every log line (message and metadata rendered as text) so tests can search them for secrets.
final class CapturedLogs: Sendable {
    private let lines = Mutex<[String]>([])

    var all: [String] { lines.withLock { $0 } }

    func append(_ line: String) { lines.withLock { $0.append(line) } }

    func contains(_ text: String) -> Bool { all.contains { $0.contains(text) } }

    /// A logger writing here at `trace`, so nothing is filtered out.
    func logger(label: String = "inlet.integrations.tests") -> Logger {
        Logger(label: label) { label in CapturingLogHandler(label: label, sink: self) }
    }
}

struct CapturingLogHandler: LogHandler {
    let label: String
    let sink: CapturedLogs
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let rendered = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        sink.append("\(event.level) \(event.message) \(rendered)\(event.error.map { " error=\($0)" } ?? "")")
    }
}

struct IntegrationsTimedOut: Error, CustomStringConvertible {
    var description: String
}

/// Polls `condition` every 20 ms until it holds, or fails after `timeout`.
func integrationsWaitUntil(timeout: Duration = .seconds(10), _ what: String, _ condition: () async throws -> Bool) async throws {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw IntegrationsTimedOut(description: "timed out waiting for \(what)") }
        try await Task.sleep(for: .milliseconds(20))
    }
}

/// The checkout's files, found from this source file (through the dev package's symlinks too).
enum IntegrationsRepository {
    static let root: URL = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func url(_ relativePath: String) -> URL { root.appendingPathComponent(relativePath) }
}
