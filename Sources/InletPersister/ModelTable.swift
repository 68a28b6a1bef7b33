import InletCore
import InletPostgres

/// The PostgreSQL side of one model: its table, indexes and the upsert statements, all derived from the
/// ``ModelDeclaration`` so that a model is declared once.
///
/// Table layout: one column per field (types from ``ModelFieldType/postgresType``), `deleted_at` for soft deletes,
/// `inlet_written_at` for operators; primary key = the upsert key; one index per lookup key, prefixed with
/// `integration_id` because every query is per tenant.
public struct ModelTable: Sendable {
    public let declaration: ModelDeclaration
    public let tableName: String
    /// Upsert of full records: newer-wins on the version field, no write when nothing changed.
    public let upsert: PostgresUpsert
    /// Soft delete: sets `deleted_at` (and the version) and nothing else, with the same newer-wins guard.
    public let softDelete: PostgresUpsert

    public static let deletedAtColumn = "deleted_at"
    public static let writtenAtColumn = "inlet_written_at"

    public init(_ declaration: ModelDeclaration) throws(PostgresError) {
        self.declaration = declaration
        self.tableName = declaration.name.topicSegment
        let fieldNames = declaration.fields.map(\.name)
        let content = fieldNames.filter { !declaration.upsertKey.contains($0) }
        self.upsert = try PostgresUpsert(
            table: tableName, columns: fieldNames + [ModelTable.deletedAtColumn], conflictColumns: declaration.upsertKey,
            versionColumn: declaration.versionField,
            // A record that arrives again after a deletion with the same version must not resurrect the row
            // silently, but a newer version does (deleted_at goes back to NULL).
            compareColumns: content + [ModelTable.deletedAtColumn])
        let deleteColumns = declaration.upsertKey + [declaration.versionField, ModelTable.deletedAtColumn]
        self.softDelete = try PostgresUpsert(
            table: tableName, columns: deleteColumns, conflictColumns: declaration.upsertKey,
            updateColumns: [declaration.versionField, ModelTable.deletedAtColumn],
            versionColumn: declaration.versionField,
            compareColumns: [declaration.versionField, ModelTable.deletedAtColumn])
    }

    /// `CREATE TABLE IF NOT EXISTS` and its indexes; safe to run at every start.
    /// Only key columns are `NOT NULL`: required-ness is checked by the mapper, and a soft delete of a row never
    /// seen before stores just its key and version.
    public func ddl() throws(PostgresError) -> [String] {
        let table = try PostgresIdentifier.quoted(tableName)
        var columns: [String] = []
        for field in declaration.fields {
            let notNull = declaration.upsertKey.contains(field.name) ? " NOT NULL" : ""
            columns.append("\(try PostgresIdentifier.quoted(field.name)) \(field.type.postgresType)\(notNull)")
        }
        columns.append("\(try PostgresIdentifier.quoted(ModelTable.deletedAtColumn)) timestamptz")
        columns.append("\(try PostgresIdentifier.quoted(ModelTable.writtenAtColumn)) timestamptz NOT NULL DEFAULT now()")
        var key: [String] = []
        for name in declaration.upsertKey { key.append(try PostgresIdentifier.quoted(name)) }
        columns.append("PRIMARY KEY (\(key.joined(separator: ", ")))")
        var statements = ["CREATE TABLE IF NOT EXISTS \(table) (\n  \(columns.joined(separator: ",\n  "))\n)"]
        for lookup in declaration.lookupKeys {
            let index = try PostgresIdentifier.quoted("\(tableName)_\(lookup)_idx")
            let integration = try PostgresIdentifier.quoted(ModelDeclaration.integrationIDField)
            statements.append("CREATE INDEX IF NOT EXISTS \(index) ON \(table) (\(integration), \(try PostgresIdentifier.quoted(lookup)))")
        }
        return statements
    }

    /// The row for ``upsert`` (or ``softDelete`` when the record is marked deleted), in column order.
    public func row(for record: ModelRecord, deletedAt: String) -> [PostgresValue] {
        if record.deleted {
            return (declaration.upsertKey + [declaration.versionField]).map { ModelTable.postgresValue(record[$0] ?? .null) }
                + [.text(deletedAt)]
        }
        return declaration.fields.map { ModelTable.postgresValue(record[$0.name] ?? .null) } + [.null]
    }

    static func postgresValue(_ value: ModelValue) -> PostgresValue {
        switch value {
        case .null: .null
        case .string(let text): .text(text)
        case .int(let number): .int(number)
        case .double(let number): .double(number)
        case .bool(let flag): .bool(flag)
        // RFC 3339 text; typed by the timestamptz column it is bound to.
        case .timestamp(let text): .text(text)
        case .json(let text): .json(text)
        case .stringList(let items): .textArray(items)
        }
    }
}
