/// Quoting of SQL identifiers (table and column names) for statements this module generates.
///
/// Every name is double-quoted with embedded quotes doubled, exactly what `PQescapeIdentifier` produces, so a name can
/// never end the identifier and inject SQL. Because quoted names are case-sensitive, pass names as they are stored
/// (PostgreSQL folds unquoted names to lower case: a table created as `Events` is named `events`).
public enum PostgresIdentifier {
    /// PostgreSQL truncates identifiers longer than `NAMEDATALEN - 1` bytes; we reject them instead.
    static let maximumLength = 63

    /// `"name"` with embedded `"` doubled.
    /// - Throws: `.invalidStatement` for an empty name, one longer than 63 bytes, or one with control characters.
    public static func quoted(_ name: String) throws(PostgresError) -> String {
        guard !name.isEmpty, name.utf8.count <= maximumLength else {
            throw invalid("identifier must be 1 to \(maximumLength) bytes long")
        }
        guard !name.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
            throw invalid("identifier must not contain control characters")
        }
        return "\"" + name.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A table name, optionally schema-qualified as `schema.table` (names containing `.` are not supported).
    public static func quotedTable(_ name: String) throws(PostgresError) -> String {
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { throw invalid("table name must be `table` or `schema.table`") }
        var quotedParts: [String] = []
        for part in parts { quotedParts.append(try quoted(String(part))) }
        return quotedParts.joined(separator: ".")
    }

    private static func invalid(_ reason: String) -> PostgresError {
        PostgresError(code: .invalidStatement, operation: "quote identifier", reason: reason)
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
