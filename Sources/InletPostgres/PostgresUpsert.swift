/// A batched `INSERT … ON CONFLICT` description: which table, which columns, which key, which guards.
///
/// The SQL it generates, for columns `id, body, version` keyed on `id` with `versionColumn: "version"`:
/// ```sql
/// INSERT INTO "events" AS "target" ("id","body","version") VALUES ($1,$2,$3),($4,$5,$6)
/// ON CONFLICT ("id") DO UPDATE SET "body" = excluded."body", "version" = excluded."version"
/// WHERE ("target"."version" IS NULL OR excluded."version" >= "target"."version")
///   AND ("target"."body","target"."version") IS DISTINCT FROM (excluded."body",excluded."version")
/// ```
/// - The newer-wins guard keeps an older row from ever overwriting a newer one.
/// - The unchanged-row guard skips writes whose compared columns already hold the same values, so identical
///   re-deliveries create no new row version (no WAL, `xmin` unchanged). `json` columns have no equality operator:
///   use `jsonb`, or leave them out of ``compareColumns``.
/// - Rows with the same key inside one batch are collapsed before sending (see ``PostgresClient/upsert(_:rows:)``).
///
/// Parameters are sent with unspecified types, so each value is typed by its target column.
public struct PostgresUpsert: Sendable, Hashable {
    /// `table` or `schema.table`.
    public let table: String
    /// Columns in the order of each row's values.
    public let columns: [String]
    /// The columns of the unique index or constraint that defines a conflict.
    public let conflictColumns: [String]
    /// Columns overwritten on conflict; empty means `DO NOTHING`.
    /// Default: every column that is not a conflict column.
    public let updateColumns: [String]
    /// Column holding a version (integer, timestamp, …) for the newer-wins guard and in-batch collapsing.
    /// Default: nil (no guard; within a batch the last row of a key wins)
    public let versionColumn: String?
    /// Whether a row with the same version as the stored one may overwrite it (`>=` instead of `>`).
    /// Default: true
    public let acceptsEqualVersion: Bool
    /// Columns compared to skip writes that would change nothing; empty disables the guard.
    /// Default: ``updateColumns``
    public let compareColumns: [String]

    /// Pre-rendered SQL pieces, so chunks only add the `VALUES` list.
    let sqlPrefix: String
    let sqlSuffix: String
    let sqlReturning: String
    let conflictIndexes: [Int]
    let versionIndex: Int?

    /// - Throws: `.invalidStatement` if a name is not a valid identifier, a column is listed twice, or a conflict,
    ///   update, version or compare column is not among `columns`.
    public init(
        table: String,
        columns: [String],
        conflictColumns: [String],
        updateColumns: [String]? = nil,
        versionColumn: String? = nil,
        acceptsEqualVersion: Bool = true,
        compareColumns: [String]? = nil
    ) throws(PostgresError) {
        func invalid(_ reason: String) -> PostgresError {
            PostgresError(code: .invalidStatement, operation: "describe upsert into \(table)", reason: reason)
        }
        guard !columns.isEmpty else { throw invalid("at least one column is required") }
        guard Set(columns).count == columns.count else { throw invalid("a column is listed twice") }
        guard !conflictColumns.isEmpty else { throw invalid("at least one conflict column is required") }
        let known = Set(columns)
        let update = updateColumns ?? columns.filter { !conflictColumns.contains($0) }
        let compare = compareColumns ?? update
        for (role, list) in [("conflict", conflictColumns), ("update", update), ("compare", compare)] {
            if let unknown = list.first(where: { !known.contains($0) }) {
                throw invalid("\(role) column \(unknown) is not among the inserted columns")
            }
        }
        if let versionColumn, !known.contains(versionColumn) {
            throw invalid("version column \(versionColumn) is not among the inserted columns")
        }

        self.table = table
        self.columns = columns
        self.conflictColumns = conflictColumns
        self.updateColumns = update
        self.versionColumn = versionColumn
        self.acceptsEqualVersion = acceptsEqualVersion
        self.compareColumns = compare
        self.conflictIndexes = conflictColumns.map { columns.firstIndex(of: $0)! }
        self.versionIndex = versionColumn.map { columns.firstIndex(of: $0)! }

        let target = "\"target\""
        let quotedTable = try PostgresIdentifier.quotedTable(table)
        var quotedColumns: [String] = []
        for column in columns { quotedColumns.append(try PostgresIdentifier.quoted(column)) }
        func quote(_ name: String) -> String { quotedColumns[columns.firstIndex(of: name)!] }

        sqlPrefix = "INSERT INTO \(quotedTable) AS \(target) (\(quotedColumns.joined(separator: ","))) VALUES "
        var suffix = " ON CONFLICT (\(conflictColumns.map(quote).joined(separator: ",")))"
        if update.isEmpty {
            suffix += " DO NOTHING"
        } else {
            suffix += " DO UPDATE SET " + update.map { "\(quote($0)) = excluded.\(quote($0))" }.joined(separator: ", ")
            var guards: [String] = []
            if let versionColumn {
                let column = quote(versionColumn)
                let comparison = acceptsEqualVersion ? ">=" : ">"
                guards.append("(\(target).\(column) IS NULL OR excluded.\(column) \(comparison) \(target).\(column))")
            }
            if !compare.isEmpty {
                let stored = compare.map { "\(target).\(quote($0))" }.joined(separator: ",")
                let incoming = compare.map { "excluded.\(quote($0))" }.joined(separator: ",")
                // ROW(...) keeps a single compared column a row constructor, not a parenthesised scalar.
                guards.append("ROW(\(stored)) IS DISTINCT FROM ROW(\(incoming))")
            }
            if !guards.isEmpty { suffix += " WHERE " + guards.joined(separator: " AND ") }
        }
        sqlSuffix = suffix
        sqlReturning = " RETURNING " + conflictColumns.map { "\(target).\(quote($0))" }.joined(separator: ",")
    }

    /// PostgreSQL's limit on bind parameters in one statement (a 16-bit count in the protocol).
    public static let maximumParameters = 65_535

    /// Rows per statement so that `rows × columns` stays within ``maximumParameters``.
    public var maximumRowsPerStatement: Int { Self.maximumParameters / columns.count }

    /// The statement for `rowCount` rows, optionally with `RETURNING` of the conflict columns.
    func sql(rowCount: Int, returningConflictColumns: Bool = false) -> String {
        let width = columns.count
        var sql = sqlPrefix
        sql.reserveCapacity(sqlPrefix.utf8.count + sqlSuffix.utf8.count + rowCount * width * 7)
        var parameter = 1
        for row in 0..<rowCount {
            sql += row == 0 ? "(" : ",("
            for column in 0..<width {
                if column > 0 { sql += "," }
                sql += "$"
                sql += String(parameter)
                parameter += 1
            }
            sql += ")"
        }
        sql += sqlSuffix
        if returningConflictColumns {
            sql += sqlReturning
        }
        return sql
    }

    /// Collapses rows that share a conflict key so one statement never touches a row twice ("ON CONFLICT DO UPDATE
    /// command cannot affect row a second time"). The survivor of a key is the row with the highest version (by
    /// ``versionColumn``), ties and unversioned batches going to the later row; it takes the place of the key's first
    /// occurrence. Keys containing NULL are never collapsed, since NULLs do not conflict in a unique index.
    func collapsingDuplicateKeys(_ rows: [[PostgresValue]]) -> [[PostgresValue]] {
        var positionByKey: [[PostgresValue]: Int] = [:]
        positionByKey.reserveCapacity(rows.count)
        var survivors: [[PostgresValue]] = []
        survivors.reserveCapacity(rows.count)
        for row in rows {
            let key = conflictIndexes.map { row[$0] }
            if key.contains(.null) {
                survivors.append(row)
                continue
            }
            if let position = positionByKey[key] {
                if let versionIndex, Self.isOlder(row[versionIndex], than: survivors[position][versionIndex]) {
                    continue
                }
                survivors[position] = row
            } else {
                positionByKey[key] = survivors.count
                survivors.append(row)
            }
        }
        return survivors
    }

    /// Version order used for collapsing: NULL is oldest; numbers, timestamps and text (byte order, as the `C`
    /// collation) compare within their kind; values of different kinds are treated as equal (the later row wins).
    static func isOlder(_ candidate: PostgresValue, than stored: PostgresValue) -> Bool {
        switch (candidate, stored) {
        case (.null, .null): false
        case (.null, _): true
        case (_, .null): false
        case (.int(let a), .int(let b)): a < b
        case (.double(let a), .double(let b)): a < b
        case (.int(let a), .double(let b)): Double(a) < b
        case (.double(let a), .int(let b)): a < Double(b)
        case (.timestamp(let a), .timestamp(let b)): a < b
        case (.text(let a), .text(let b)): a.utf8.lexicographicallyPrecedes(b.utf8)
        default: false
        }
    }
}
