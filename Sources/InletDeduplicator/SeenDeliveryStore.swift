import InletPostgres

/// The deduplicator's memory: which delivery IDs were forwarded, in a PostgreSQL table so that it survives
/// restarts and is shared by every deduplicator instance.
///
/// Table: `(definition text, delivery_id text, seen_at timestamptz)`, primary key `(definition, delivery_id)`,
/// an index on `seen_at` for pruning.
public struct SeenDeliveryStore: Sendable {
    let client: PostgresClient
    let table: String
    let record: PostgresUpsert

    public init(client: PostgresClient, table: String) throws(PostgresError) {
        self.client = client
        self.table = table
        self.record = try PostgresUpsert(table: table, columns: ["definition", "delivery_id"],
                                         conflictColumns: ["definition", "delivery_id"], updateColumns: [])
    }

    /// Creates the table and its index if missing; safe at every start.
    public func prepare() async throws {
        let quoted = try PostgresIdentifier.quotedTable(table)
        let index = try PostgresIdentifier.quoted("\(table)_seen_at_idx")
        _ = try await client.query("""
            CREATE TABLE IF NOT EXISTS \(quoted) (
              definition text NOT NULL,
              delivery_id text NOT NULL,
              seen_at timestamptz NOT NULL DEFAULT now(),
              PRIMARY KEY (definition, delivery_id))
            """, retryOnConnectionLoss: true)
        _ = try await client.query("CREATE INDEX IF NOT EXISTS \(index) ON \(quoted) (seen_at)", retryOnConnectionLoss: true)
    }

    /// Which of `keys` were forwarded before.
    public func alreadySeen(_ keys: [DeliveryKey]) async throws -> Set<DeliveryKey> {
        guard !keys.isEmpty else { return [] }
        let found = try await client.existingKeys(in: table, keyColumns: ["definition", "delivery_id"],
                                                  among: keys.map { [$0.definition, $0.deliveryID] })
        return Set(found.map { DeliveryKey(definition: $0[0], deliveryID: $0[1]) })
    }

    /// Remembers `keys` as forwarded (keys already present keep their first `seen_at`).
    public func remember(_ keys: [DeliveryKey]) async throws {
        guard !keys.isEmpty else { return }
        _ = try await client.upsert(record, rows: keys.map { [.text($0.definition), .text($0.deliveryID)] })
    }

    /// Forgets delivery IDs older than `window`. Returns how many were deleted.
    @discardableResult
    public func prune(olderThan window: Duration) async throws -> Int {
        let quoted = try PostgresIdentifier.quotedTable(table)
        let seconds = Double(window.components.seconds)
        return try await client.query("DELETE FROM \(quoted) WHERE seen_at < now() - make_interval(secs => $1)",
                                      [.double(seconds)], retryOnConnectionLoss: true).affectedRows
    }
}
