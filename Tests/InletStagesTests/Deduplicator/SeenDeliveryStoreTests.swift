import Foundation
import InletDeduplicator
import InletPostgres
import Testing

/// The local PostgreSQL that `make test` starts (deploy/local/start.sh).
enum TestDatabase {
    static var url: String { ProcessInfo.processInfo.environment["INLET_POSTGRES_URL"] ?? "postgresql://inlet@127.0.0.1:55432/inlet" }
    static func client() -> PostgresClient { PostgresClient(configuration: PostgresConfiguration(url: url, poolSize: 2)) }
    static func uniqueName(_ prefix: String) -> String {
        "\(prefix)_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased())"
    }
}

@Suite struct SeenDeliveryStoreTests {
    @Test func remembersDeliveriesAcrossStoreInstances() async throws {
        let client = TestDatabase.client()
        let table = TestDatabase.uniqueName("seen_test")
        let store = try SeenDeliveryStore(client: client, table: table)
        try await store.prepare()
        try await store.prepare()  // idempotent
        let a = DeliveryKey(definition: "github", deliveryID: "a")
        let b = DeliveryKey(definition: "github", deliveryID: "b")
        #expect(try await store.alreadySeen([a, b]).isEmpty)
        try await store.remember([a, a])  // a repeat inside one call is harmless
        let restarted = try SeenDeliveryStore(client: client, table: table)
        #expect(try await restarted.alreadySeen([a, b]) == [a])
        _ = try await client.query("DROP TABLE \(table)")
        await client.close()
    }

    @Test func pruneForgetsOnlyExpiredDeliveries() async throws {
        let client = TestDatabase.client()
        let table = TestDatabase.uniqueName("seen_test")
        let store = try SeenDeliveryStore(client: client, table: table)
        try await store.prepare()
        let old = DeliveryKey(definition: "github", deliveryID: "old")
        let new = DeliveryKey(definition: "github", deliveryID: "new")
        try await store.remember([old, new])
        _ = try await client.query("UPDATE \(table) SET seen_at = now() - interval '8 days' WHERE delivery_id = 'old'")
        #expect(try await store.prune(olderThan: .seconds(7 * 86400)) == 1)
        #expect(try await store.alreadySeen([old, new]) == [new])
        _ = try await client.query("DROP TABLE \(table)")
        await client.close()
    }
}
