import InletCore
import InletPostgres

/// What it takes to bring an existing table up to date with its model's declaration, or why it cannot be done.
/// Pure: it compares a ``ModelTable`` with a ``StoredTable`` snapshot; ``ModelTableMigrator`` reads the snapshot,
/// counts rows where a rule needs it, and runs the steps.
///
/// Rules (docs/models.md, "Migrations"):
/// - a declared column the table lacks is added (`ADD COLUMN`, nullable, no default: no table rewrite);
/// - a missing lookup index is created; indexes of former lookup keys are kept;
/// - a column the declaration no longer has is kept and ignored (its data stays), unless it is `NOT NULL` without a
///   default, which would make every insert fail: refused;
/// - a required field outside the key is enforced by a check constraint; adding that constraint (a new required
///   field, or an optional field made required) is refused while live rows (not soft-deleted) lack the value;
///   a field made optional loses its constraint;
/// - a declared non-key column that is `NOT NULL` is relaxed (a soft delete of an unseen row needs NULLs there);
/// - a type change, a different primary key, or a relation that is not a table: refused.
///
/// Refusals list every problem at once, with the table, the column and what to do; nothing is changed.
public struct ModelTableMigration: Sendable {
    public let table: ModelTable
    public let stored: StoredTable

    /// One statement and what it does, for the start-up log.
    public struct Step: Sendable, Equatable {
        public let sql: String
        public let summary: String
    }

    /// Counts of live rows lacking a value stop at this bound, so a refused start never scans a whole large table
    /// twice; messages then say "at least".
    public static let rowCountLimit = 1000

    public init(table: ModelTable, stored: StoredTable) {
        self.table = table
        self.stored = stored
    }

    /// Required fields (outside the key) the table does not enforce yet. Before their constraints are added the
    /// migrator counts the live rows lacking them; `isNewColumn` means the column does not exist yet (every live row
    /// lacks it).
    public var fieldsToEnforce: [(field: ModelField, isNewColumn: Bool)] {
        table.enforcedRequiredFields
            .filter { !stored.checkConstraints.contains(table.requiredConstraintName($0.name)) }
            .map { ($0, stored.column(named: $0.name) == nil) }
    }

    /// The statements to run, in order: columns, constraints, indexes.
    /// - Parameter liveRowsLacking: for each field of ``fieldsToEnforce``, how many live rows lack it (at most
    ///   ``rowCountLimit``).
    /// - Throws: ``PersisterError`` `.incompatibleTable` listing every problem.
    public func plan(liveRowsLacking: [String: Int]) throws(PersisterError) -> [Step] {
        let model = table.declaration
        let tableName = table.tableName
        var problems: [String] = []
        var columnSteps: [Step] = []
        var constraintSteps: [Step] = []
        var indexSteps: [Step] = []

        guard stored.kind == "r" || stored.kind == "p" else {
            throw refusal(["\"\(tableName)\" exists but is not a table (pg_class.relkind '\(stored.kind)'): drop or rename it"])
        }
        do {
            let quotedTable = try PostgresIdentifier.quoted(tableName)
            if stored.primaryKey != model.upsertKey {
                let storedKey = stored.primaryKey.isEmpty ? "none" : "(\(stored.primaryKey.joined(separator: ", ")))"
                problems.append("""
                    the primary key is \(storedKey) but the upsert key is (\(model.upsertKey.joined(separator: ", "))): \
                    a table's key is not migrated; keep the old key in the declaration, or move the rows to a new table \
                    by hand (or drop the table and replay the model's topic)
                    """)
            }

            var typeMismatch = Set<String>()
            for column in table.columns {
                let quotedColumn = try PostgresIdentifier.quoted(column.name)
                guard let existing = stored.column(named: column.name) else {
                    // A missing key column already shows as a different primary key.
                    if model.upsertKey.contains(column.name) { continue }
                    columnSteps.append(Step(
                        sql: "ALTER TABLE \(quotedTable) ADD COLUMN IF NOT EXISTS \(try table.columnDefinition(column))",
                        summary: "added column \(column.name) (\(column.type))"))
                    continue
                }
                if existing.type != column.type {
                    typeMismatch.insert(column.name)
                    let declared = model.field(named: column.name).map { "\($0.type.rawValue) (\(column.type))" } ?? column.type
                    problems.append("""
                        column "\(column.name)": stored type \(existing.type), declared \(declared). A type change is not \
                        migrated: declare a field under a new name instead, or convert the column yourself \
                        (ALTER TABLE \(quotedTable) ALTER COLUMN \(quotedColumn) TYPE \(column.type) USING …) before \
                        starting the persister
                        """)
                }
                if existing.notNull, !column.notNull {
                    columnSteps.append(Step(
                        sql: "ALTER TABLE \(quotedTable) ALTER COLUMN \(quotedColumn) DROP NOT NULL",
                        summary: "column \(column.name) accepts NULL (only key columns are NOT NULL)"))
                }
            }
            let declaredColumns = Set(table.columns.map(\.name))
            for existing in stored.columns where !declaredColumns.contains(existing.name) && existing.notNull && !existing.hasDefault {
                let quotedColumn = try PostgresIdentifier.quoted(existing.name)
                problems.append("""
                    column "\(existing.name)" is not declared but is NOT NULL without a default, so every insert would \
                    fail: drop it (ALTER TABLE \(quotedTable) DROP COLUMN \(quotedColumn)) or allow NULL \
                    (ALTER TABLE \(quotedTable) ALTER COLUMN \(quotedColumn) DROP NOT NULL)
                    """)
            }

            let enforced = Set(table.enforcedRequiredFields.map { table.requiredConstraintName($0.name) })
            for name in stored.checkConstraints.sorted()
            where name.hasPrefix("\(tableName)_") && name.hasSuffix("_required") && !enforced.contains(name) {
                let field = name.dropFirst(tableName.count + 1).dropLast("_required".count)
                constraintSteps.append(Step(
                    sql: "ALTER TABLE \(quotedTable) DROP CONSTRAINT IF EXISTS \(try PostgresIdentifier.quoted(name))",
                    summary: "field \(field) is no longer required (constraint \(name) dropped)"))
            }
            for (field, isNewColumn) in fieldsToEnforce where !typeMismatch.contains(field.name) {
                let lacking = liveRowsLacking[field.name] ?? 0
                guard lacking == 0 else {
                    let rows = Self.describeCount(lacking)
                    problems.append(isNewColumn ? """
                        "\(field.name)" is a new required field, but the table has \(rows) that would lack it: \
                        declare it optional first, fill it (replay the model's records through the new mapping), then \
                        make it required
                        """ : """
                        "\(field.name)" is now required, but the table has \(rows) without a value in it: fill them \
                        (replay the model's records through the new mapping) or keep the field optional
                        """)
                    continue
                }
                let constraint = table.requiredConstraintName(field.name)
                constraintSteps.append(Step(
                    sql: "ALTER TABLE \(quotedTable) ADD CONSTRAINT \(try PostgresIdentifier.quoted(constraint)) \(try table.requiredCheck(field.name))",
                    summary: "field \(field.name) is required (constraint \(constraint))"))
            }

            for lookup in model.lookupKeys where !stored.indexes.contains(table.lookupIndexName(lookup)) {
                indexSteps.append(Step(sql: try table.createLookupIndex(lookup),
                                       summary: "added lookup index \(table.lookupIndexName(lookup))"))
            }
        } catch {
            // Names were checked when the ModelTable was built; quoting cannot fail here.
            problems.append("a table or column name is not a valid identifier: \(error.reason)")
        }

        guard problems.isEmpty else { throw refusal(problems) }
        return columnSteps + constraintSteps + indexSteps
    }

    /// The predicate selecting live rows that lack `field`: all live rows when the column does not exist yet.
    func lackingPredicate(_ field: ModelField, isNewColumn: Bool) throws(PostgresError) -> String {
        var conditions: [String] = []
        if !isNewColumn { conditions.append("\(try PostgresIdentifier.quoted(field.name)) IS NULL") }
        if stored.column(named: ModelTable.deletedAtColumn) != nil {
            conditions.append("\(try PostgresIdentifier.quoted(ModelTable.deletedAtColumn)) IS NULL")
        }
        return conditions.isEmpty ? "true" : conditions.joined(separator: " AND ")
    }

    static func describeCount(_ count: Int) -> String {
        let rows = count == 1 ? "1 live row" : "\(count) live rows"
        return count >= rowCountLimit ? "at least \(rows)" : rows
    }

    func refusal(_ problems: [String]) -> PersisterError {
        PersisterError(.incompatibleTable, table: table.tableName, reason: """
            table "\(table.tableName)" does not match model \(table.declaration.name); nothing was changed:
            \(problems.map { "  - " + $0 }.joined(separator: "\n"))
            """)
    }
}
