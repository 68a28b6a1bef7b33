import Foundation
import Testing

@testable import InletPostgres

/// The local PostgreSQL that `deploy/local/start.sh` runs; `INLET_POSTGRES_URL` overrides it.
enum PostgresTestDatabase {
    static var url: String {
        ProcessInfo.processInfo.environment["INLET_POSTGRES_URL"] ?? "postgresql://inlet@127.0.0.1:55432/inlet"
    }

    static func configuration(poolSize: Int = 4) -> PostgresConfiguration {
        PostgresConfiguration(url: url, poolSize: poolSize, connectTimeout: .seconds(5))
    }

    /// A table name no other test uses.
    static func uniqueTableName(_ purpose: String) -> String {
        "test_\(purpose)_\(UUID().uuidString.prefix(8).lowercased())"
    }

    /// Runs `body` with a client and a fresh table created by `columnsSQL`; drops the table and closes the client
    /// afterwards, whether `body` threw or not.
    static func withTable<R>(
        _ purpose: String, _ columnsSQL: String, poolSize: Int = 4,
        _ body: (PostgresClient, String) async throws -> R
    ) async throws -> R {
        let client = PostgresClient(configuration: configuration(poolSize: poolSize))
        let table = uniqueTableName(purpose)
        do {
            _ = try await client.query("CREATE TABLE \(table) (\(columnsSQL))")
            let result = try await body(client, table)
            _ = try await client.query("DROP TABLE IF EXISTS \(table)")
            await client.close()
            return result
        } catch {
            _ = try? await client.query("DROP TABLE IF EXISTS \(table)")
            await client.close()
            throw error
        }
    }
}
