import InletPostgres

/// What PostgreSQL holds for one table in the current schema (the first schema of `search_path`, where
/// `CREATE TABLE` puts it): columns with their exact types, primary key, indexes and check constraints.
///
/// Read from the system catalogs rather than `information_schema`, because `format_type()` names every type
/// exactly as DDL spells it (`text[]`, `timestamp with time zone`, `character varying(20)`), which is what a type
/// comparison and an error message need.
public struct StoredTable: Sendable, Equatable {
    public struct Column: Sendable, Equatable {
        public let name: String
        /// As `format_type()` spells it.
        public let type: String
        public let notNull: Bool
        public let hasDefault: Bool

        public init(name: String, type: String, notNull: Bool, hasDefault: Bool) {
            self.name = name
            self.type = type
            self.notNull = notNull
            self.hasDefault = hasDefault
        }
    }

    public let name: String
    /// `pg_class.relkind`: `r` (table), `p` (partitioned table); anything else (a view) cannot be written to.
    public let kind: String
    /// In table order.
    public let columns: [Column]
    /// Primary-key columns in key order; empty without a primary key.
    public let primaryKey: [String]
    public let indexes: Set<String>
    public let checkConstraints: Set<String>

    public init(name: String, kind: String = "r", columns: [Column], primaryKey: [String], indexes: Set<String>,
                checkConstraints: Set<String>) {
        self.name = name
        self.kind = kind
        self.columns = columns
        self.primaryKey = primaryKey
        self.indexes = indexes
        self.checkConstraints = checkConstraints
    }

    public func column(named name: String) -> Column? { columns.first { $0.name == name } }

    /// Reads `table` from the current schema, or returns nil when no relation of that name exists there.
    static func read(_ table: String, in transaction: PostgresTransaction) async throws -> StoredTable? {
        let relation = try await transaction.query("""
            SELECT c.oid::text, c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relname = $1
            """, [.text(table)])
        guard let row = relation.first, let oid = try row.string(0) else { return nil }
        let kind = try row.string(1) ?? ""
        let columns = try await transaction.query("""
            SELECT attname::text, format_type(atttypid, atttypmod), attnotnull, atthasdef FROM pg_attribute
            WHERE attrelid = $1::oid AND attnum > 0 AND NOT attisdropped ORDER BY attnum
            """, [.text(oid)])
        let primaryKey = try await transaction.query("""
            SELECT a.attname::text FROM pg_index i
            CROSS JOIN LATERAL unnest(i.indkey::smallint[]) WITH ORDINALITY AS k(attnum, position)
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
            WHERE i.indrelid = $1::oid AND i.indisprimary ORDER BY k.position
            """, [.text(oid)])
        let indexes = try await transaction.query(
            "SELECT c.relname::text FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = $1::oid",
            [.text(oid)])
        let checks = try await transaction.query(
            "SELECT conname::text FROM pg_constraint WHERE conrelid = $1::oid AND contype = 'c'", [.text(oid)])
        return StoredTable(
            name: table, kind: kind,
            columns: try columns.map {
                Column(name: try $0.string(0) ?? "", type: try $0.string(1) ?? "", notNull: try $0.bool(2) ?? false,
                       hasDefault: try $0.bool(3) ?? false)
            },
            primaryKey: try primaryKey.map { try $0.string(0) ?? "" },
            indexes: Set(try indexes.map { try $0.string(0) ?? "" }),
            checkConstraints: Set(try checks.map { try $0.string(0) ?? "" }))
    }
}
