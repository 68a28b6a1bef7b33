/// Batched statements built from a ``PostgresUpsert``; run synchronously on the connection's queue.
extension PostgresConnection {
    /// At most this many distinct batch statements are prepared per connection; beyond it, statements run unnamed
    /// so that batches of ever-changing sizes cannot grow the server's memory without bound.
    static let maximumPreparedBatchStatements = 32

    /// Collapses in-batch duplicate keys, then upserts in chunks within the parameter limit.
    /// - Returns: rows inserted or updated (rows skipped by the guards are not counted).
    func upsert(_ spec: PostgresUpsert, rows: [[PostgresValue]]) throws(PostgresError) -> Int {
        try Self.checkWidth(spec, rows)
        let survivors = spec.collapsingDuplicateKeys(rows)
        var affected = 0
        try inChunks(spec, survivors, operation: "upsert into \(spec.table)") { chunk, operation throws(PostgresError) in
            affected += try runBatch(spec.sql(rowCount: chunk.count), chunk, operation: operation).affectedRows
        }
        return affected
    }

    /// `INSERT … ON CONFLICT (key) DO NOTHING RETURNING key`, in chunks.
    /// - Returns: the conflict-column values of the rows actually inserted, in no particular order.
    func insertIgnoringConflicts(_ spec: PostgresUpsert, rows: [[PostgresValue]]) throws(PostgresError) -> [PostgresRow] {
        try Self.checkWidth(spec, rows)
        let doNothing = try spec.updateColumns.isEmpty ? spec : PostgresUpsert(
            table: spec.table, columns: spec.columns, conflictColumns: spec.conflictColumns, updateColumns: [])
        var inserted: [PostgresRow] = []
        try inChunks(doNothing, rows, operation: "insert into \(spec.table)") { chunk, operation throws(PostgresError) in
            let sql = doNothing.sql(rowCount: chunk.count, returningConflictColumns: true)
            inserted.append(contentsOf: try runBatch(sql, chunk, operation: operation))
        }
        return inserted
    }

    /// Which of `keys` exist in `table` (see ``PostgresKeyLookup``); no round trip for an empty list.
    func existingKeys(in table: String, keyColumns: [String], among keys: [[String]]) throws(PostgresError) -> Set<[String]> {
        let (sql, binds) = try PostgresKeyLookup.statement(table: table, keyColumns: keyColumns, keys: keys)
        guard !keys.isEmpty else { return [] }
        return try PostgresKeyLookup.keys(
            in: execute(sql, binds, operation: "look up keys in \(table)"), width: keyColumns.count)
    }

    private func runBatch(
        _ sql: String, _ rows: ArraySlice<[PostgresValue]>, operation: String
    ) throws(PostgresError) -> PostgresResult {
        var binds: [PostgresValue] = []
        binds.reserveCapacity(rows.count * (rows.first?.count ?? 0))
        for row in rows { binds.append(contentsOf: row) }
        if preparedStatementCount < Self.maximumPreparedBatchStatements {
            return try executePrepared(sql, binds, operation: operation)
        }
        return try execute(sql, binds, operation: operation, declaringTypes: false)
    }

    /// Splits `rows` into statements within the parameter limit; several chunks outside a transaction run inside
    /// one (`BEGIN`/`COMMIT`, `ROLLBACK` on error) so a batch is all-or-nothing.
    private func inChunks(
        _ spec: PostgresUpsert, _ rows: [[PostgresValue]], operation: String,
        _ body: (ArraySlice<[PostgresValue]>, String) throws(PostgresError) -> Void
    ) throws(PostgresError) {
        guard !rows.isEmpty else { return }
        let chunkSize = spec.maximumRowsPerStatement
        let wrap = rows.count > chunkSize && isIdleOutsideTransaction
        if wrap { try executeSimple("BEGIN", operation: "begin \(operation)") }
        do {
            var start = 0
            while start < rows.count {
                let end = min(start + chunkSize, rows.count)
                try body(rows[start..<end], operation)
                start = end
            }
            if wrap { try executeSimple("COMMIT", operation: "commit \(operation)") }
        } catch {
            if wrap && isUsable { _ = try? executeSimple("ROLLBACK", operation: "rollback \(operation)") }
            throw error
        }
    }

    private static func checkWidth(_ spec: PostgresUpsert, _ rows: [[PostgresValue]]) throws(PostgresError) {
        if let index = rows.firstIndex(where: { $0.count != spec.columns.count }) {
            throw PostgresError(
                code: .invalidStatement, operation: "batch into \(spec.table)",
                reason: "row \(index) has \(rows[index].count) values for \(spec.columns.count) columns")
        }
    }
}
