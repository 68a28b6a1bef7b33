/// SQL for "which of these keys already exist", with one `text[]` parameter per key column.
enum PostgresKeyLookup {
    /// `SELECT "a","b" FROM "t" WHERE ("a","b") IN (SELECT * FROM unnest($1::text[],$2::text[]))`, or
    /// `WHERE "a" = ANY($1::text[])` for a single column.
    static func statement(
        table: String, keyColumns: [String], keys: [[String]]
    ) throws(PostgresError) -> (String, [PostgresValue]) {
        let operation = "look up keys in \(table)"
        guard !keyColumns.isEmpty else {
            throw PostgresError(code: .invalidStatement, operation: operation, reason: "at least one key column is required")
        }
        if let index = keys.firstIndex(where: { $0.count != keyColumns.count }) {
            throw PostgresError(
                code: .invalidStatement, operation: operation,
                reason: "key \(index) has \(keys[index].count) values for \(keyColumns.count) key columns")
        }
        let quotedTable = try PostgresIdentifier.quotedTable(table)
        var columns: [String] = []
        for column in keyColumns { columns.append(try PostgresIdentifier.quoted(column)) }
        let list = columns.joined(separator: ",")
        let sql: String
        if columns.count == 1 {
            sql = "SELECT \(list) FROM \(quotedTable) WHERE \(list) = ANY($1::text[])"
        } else {
            let arrays = (1...columns.count).map { "$\($0)::text[]" }.joined(separator: ",")
            sql = "SELECT \(list) FROM \(quotedTable) WHERE (\(list)) IN (SELECT * FROM unnest(\(arrays)))"
        }
        let binds = (0..<keyColumns.count).map { column in PostgresValue.textArray(keys.map { $0[column] }) }
        return (sql, binds)
    }

    static func keys(in result: PostgresResult, width: Int) throws(PostgresError) -> Set<[String]> {
        var found = Set<[String]>()
        for row in result {
            var key: [String] = []
            for column in 0..<width { key.append(try row.string(column) ?? "") }
            found.insert(key)
        }
        return found
    }
}
