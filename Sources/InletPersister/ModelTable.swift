import InletCore
import InletPostgres

/// The PostgreSQL side of one model: its table, constraints, indexes and the upsert statements, all derived from the
/// ``ModelDeclaration`` so that a model is declared once.
///
/// Table layout: one column per field (types from ``ModelFieldType/postgresType``), `deleted_at` for soft deletes,
/// `inlet_written_at` for operators; primary key = the upsert key; one index per lookup key, prefixed with
/// `integration_id` because every query is per tenant.
///
/// Only key columns are `NOT NULL`: a soft delete of a row never seen before stores just its key and version. Every
/// other required field gets a check constraint `<table>_<field>_required`, `deleted_at IS NOT NULL OR <field> IS
/// NOT NULL`, so the database itself guarantees readers that rows which are not deleted have their required fields,
/// and the constraint's presence records which fields were required when the table was last migrated
/// (``ModelTableMigration``).
public struct ModelTable: Sendable {
    public let declaration: ModelDeclaration
    public let tableName: String
    /// Upsert of full records: newer-wins on the version field, no write when nothing changed.
    public let upsert: PostgresUpsert
    /// Soft delete: sets `deleted_at` (and the version) and nothing else, with the same newer-wins guard.
    public let softDelete: PostgresUpsert

    public static let deletedAtColumn = "deleted_at"
    public static let writtenAtColumn = "inlet_written_at"

    /// One column the table must have, with its exact type.
    public struct Column: Sendable, Equatable {
        public let name: String
        /// The type as PostgreSQL's `format_type` spells it (`timestamp with time zone`, `text[]`), so it compares
        /// with what the catalog reports.
        public let type: String
        public let notNull: Bool
        /// SQL default expression, or nil.
        public let defaultExpression: String?
    }

    /// Every column in table order: the fields, then `deleted_at` and `inlet_written_at`.
    public let columns: [Column]

    public init(_ declaration: ModelDeclaration) throws(PostgresError) {
        self.declaration = declaration
        self.tableName = declaration.tableName
        let fieldNames = declaration.fields.map(\.name)
        let content = fieldNames.filter { !declaration.upsertKey.contains($0) }
        self.upsert = try PostgresUpsert(
            table: tableName, columns: fieldNames + [ModelTable.deletedAtColumn], conflictColumns: declaration.upsertKey,
            versionColumn: declaration.versionField,
            // deleted_at is compared so that a record arriving after a deletion is a change (it clears deleted_at)
            // rather than skipped as identical; newer-wins still keeps older records out. A record with the
            // deletion's own version revives the row, the price of letting same-version replays land.
            compareColumns: content + [ModelTable.deletedAtColumn])
        let deleteColumns = declaration.upsertKey + [declaration.versionField, ModelTable.deletedAtColumn]
        self.softDelete = try PostgresUpsert(
            table: tableName, columns: deleteColumns, conflictColumns: declaration.upsertKey,
            updateColumns: [declaration.versionField, ModelTable.deletedAtColumn],
            versionColumn: declaration.versionField,
            compareColumns: [declaration.versionField, ModelTable.deletedAtColumn])
        self.columns = declaration.fields.map {
            Column(name: $0.name, type: ModelTable.catalogType($0.type),
                   notNull: declaration.upsertKey.contains($0.name), defaultExpression: nil)
        } + [
            Column(name: ModelTable.deletedAtColumn, type: "timestamp with time zone", notNull: false, defaultExpression: nil),
            Column(name: ModelTable.writtenAtColumn, type: "timestamp with time zone", notNull: true, defaultExpression: "now()"),
        ]
        // Fail at start-up, not at the first migration, when a derived name is too long for PostgreSQL.
        for field in enforcedRequiredFields { _ = try PostgresIdentifier.quoted(requiredConstraintName(field.name)) }
        for lookup in declaration.lookupKeys { _ = try PostgresIdentifier.quoted(lookupIndexName(lookup)) }
        _ = try PostgresIdentifier.quoted(tableName)
    }

    /// The type name PostgreSQL's `format_type()` reports for a field type's column.
    static func catalogType(_ type: ModelFieldType) -> String {
        type == .timestamp ? "timestamp with time zone" : type.postgresType
    }

    /// Required fields outside the key: the ones a check constraint enforces (key columns are `NOT NULL`).
    public var enforcedRequiredFields: [ModelField] {
        declaration.fields.filter { $0.required && !declaration.upsertKey.contains($0.name) }
    }

    /// `<table>_<field>_required`.
    public func requiredConstraintName(_ field: String) -> String { "\(tableName)_\(field)_required" }

    /// `<table>_<field>_idx`.
    public func lookupIndexName(_ field: String) -> String { "\(tableName)_\(field)_idx" }

    /// `CREATE TABLE IF NOT EXISTS` with its constraints, and its indexes: what a missing table is created with.
    /// An existing table is brought up to date by ``ModelTableMigration`` instead.
    public func ddl() throws(PostgresError) -> [String] {
        let table = try PostgresIdentifier.quoted(tableName)
        var definitions: [String] = []
        for column in columns { definitions.append(try columnDefinition(column)) }
        var key: [String] = []
        for name in declaration.upsertKey { key.append(try PostgresIdentifier.quoted(name)) }
        definitions.append("PRIMARY KEY (\(key.joined(separator: ", ")))")
        for field in enforcedRequiredFields {
            definitions.append("CONSTRAINT \(try PostgresIdentifier.quoted(requiredConstraintName(field.name))) \(try requiredCheck(field.name))")
        }
        var statements = ["CREATE TABLE IF NOT EXISTS \(table) (\n  \(definitions.joined(separator: ",\n  "))\n)"]
        for lookup in declaration.lookupKeys { statements.append(try createLookupIndex(lookup)) }
        return statements
    }

    /// `"name" type [NOT NULL] [DEFAULT …]`.
    func columnDefinition(_ column: Column) throws(PostgresError) -> String {
        var text = "\(try PostgresIdentifier.quoted(column.name)) \(column.type)"
        if column.notNull { text += " NOT NULL" }
        if let defaultExpression = column.defaultExpression { text += " DEFAULT \(defaultExpression)" }
        return text
    }

    /// `CHECK ("deleted_at" IS NOT NULL OR "<field>" IS NOT NULL)`.
    func requiredCheck(_ field: String) throws(PostgresError) -> String {
        "CHECK (\(try PostgresIdentifier.quoted(ModelTable.deletedAtColumn)) IS NOT NULL OR \(try PostgresIdentifier.quoted(field)) IS NOT NULL)"
    }

    func createLookupIndex(_ lookup: String) throws(PostgresError) -> String {
        let index = try PostgresIdentifier.quoted(lookupIndexName(lookup))
        let integration = try PostgresIdentifier.quoted(ModelDeclaration.integrationIDField)
        return "CREATE INDEX IF NOT EXISTS \(index) ON \(try PostgresIdentifier.quoted(tableName)) (\(integration), \(try PostgresIdentifier.quoted(lookup)))"
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
