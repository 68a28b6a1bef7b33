import InletPostgres

/// Where integrations live in PostgreSQL: the tables and trigger functions of ``IntegrationSchema``, in the
/// connection's default schema or in `schema` (tests use a schema of their own).
public struct IntegrationTables: Sendable {
    /// The schema, or nil for the connection's `search_path` (normally `public`).
    public let schema: String?

    public init(schema: String? = nil) {
        self.schema = schema
    }

    /// A quoted, schema-qualified name, safe to paste into SQL.
    func qualified(_ name: String) throws(PostgresError) -> String {
        guard let schema else { return try PostgresIdentifier.quoted(name) }
        return try PostgresIdentifier.quoted(schema) + "." + PostgresIdentifier.quoted(name)
    }

    /// One row: the schema version and the change counter every write bumps (what the catalog polls).
    var catalog: String { get throws(PostgresError) { try qualified("inlet_integration_catalog") } }
    var integrations: String { get throws(PostgresError) { try qualified("inlet_integrations") } }
    var secrets: String { get throws(PostgresError) { try qualified("inlet_integration_secrets") } }
    /// Trigger function: bumps `revision` and `updated_at` of a changed integration row.
    var touchFunction: String { get throws(PostgresError) { try qualified("inlet_integrations_touch") } }
    /// Trigger function: bumps the catalog's change counter after any write to either table.
    var bumpFunction: String { get throws(PostgresError) { try qualified("inlet_integrations_bump_version") } }
}
