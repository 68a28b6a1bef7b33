import InletPostgres

/// Where the operator tools keep their records in PostgreSQL: `inlet_replays`, `inlet_replay_partitions` and
/// `inlet_redrives`, in the connection's default schema or in `schema` (tests use a schema of their own).
public struct OperationsTables: Sendable {
    /// The schema, or nil for the connection's `search_path` (normally `public`).
    public let schema: String?

    public init(schema: String? = nil) {
        self.schema = schema
    }

    /// A quoted, schema-qualified table name, safe to paste into SQL.
    func qualified(_ table: String) throws(PostgresError) -> String {
        guard let schema else { return try PostgresIdentifier.quoted(table) }
        return try PostgresIdentifier.quoted(schema) + "." + PostgresIdentifier.quoted(table)
    }

    /// Whether `qualifiedName` (from ``qualified(_:)``) exists. Checked before `CREATE TABLE IF NOT EXISTS`, whose
    /// "already exists, skipping" notice libpq would print on every command.
    func exists(_ qualifiedName: String, client: PostgresClient) async throws -> Bool {
        try await client.tableExists(qualifiedName)
    }

    var replays: String { get throws(PostgresError) { try qualified("inlet_replays") } }
    var replayPartitions: String { get throws(PostgresError) { try qualified("inlet_replay_partitions") } }
    var redrives: String { get throws(PostgresError) { try qualified("inlet_redrives") } }
}
