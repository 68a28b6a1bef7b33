import Foundation

/// The rows and command tag of one statement, copied out of libpq's memory.
public struct PostgresResult: Sendable, RandomAccessCollection {
    /// Immutable column data shared by the rows of one result.
    final class Storage: Sendable {
        let columnNames: [String]
        let columnTypes: [UInt32]
        let columnIndex: [String: Int]
        /// Row-major text values, `nil` for SQL NULL.
        let values: [String?]

        init(columnNames: [String], columnTypes: [UInt32], values: [String?]) {
            self.columnNames = columnNames
            self.columnTypes = columnTypes
            var index: [String: Int] = [:]
            for (position, name) in columnNames.enumerated() where index[name] == nil { index[name] = position }
            self.columnIndex = index
            self.values = values
        }
    }

    let storage: Storage
    /// The command tag, e.g. `INSERT 0 5`, `UPDATE 3`, `SELECT 2`, `BEGIN`.
    public let commandTag: String
    /// Rows inserted, updated, deleted, selected, … (libpq's `PQcmdTuples`); 0 for commands without a count.
    public let affectedRows: Int

    init(storage: Storage, commandTag: String, affectedRows: Int) {
        self.storage = storage
        self.commandTag = commandTag
        self.affectedRows = affectedRows
    }

    /// Column names in result order.
    public var columns: [String] { storage.columnNames }

    public var startIndex: Int { 0 }
    public var endIndex: Int { storage.columnNames.isEmpty ? 0 : storage.values.count / storage.columnNames.count }
    public subscript(position: Int) -> PostgresRow { PostgresRow(storage: storage, row: position) }
}

/// One result row. Typed accessors return `nil` for SQL NULL and throw `.decoding` when the text cannot be read as
/// the requested type or the column does not exist; errors name the column, never the value.
public struct PostgresRow: Sendable {
    let storage: PostgresResult.Storage
    let row: Int

    /// Number of columns.
    public var count: Int { storage.columnNames.count }

    /// The raw text of a column (the server's text output format), `nil` for NULL.
    public func text(_ column: Int) throws(PostgresError) -> String? {
        guard column >= 0, column < storage.columnNames.count else {
            throw decodingError("column index \(column) is out of range (\(storage.columnNames.count) columns)")
        }
        return storage.values[row * storage.columnNames.count + column]
    }

    func index(of name: String) throws(PostgresError) -> Int {
        guard let index = storage.columnIndex[name] else {
            throw decodingError("the result has no column named \(name)")
        }
        return index
    }

    public func isNull(_ column: Int) throws(PostgresError) -> Bool { try text(column) == nil }
    public func isNull(_ column: String) throws(PostgresError) -> Bool { try text(index(of: column)) == nil }

    public func string(_ column: Int) throws(PostgresError) -> String? { try text(column) }
    public func string(_ column: String) throws(PostgresError) -> String? { try text(index(of: column)) }

    /// `int2`, `int4`, `int8` (or any text that is a decimal integer).
    public func int64(_ column: Int) throws(PostgresError) -> Int64? {
        guard let text = try text(column) else { return nil }
        guard let value = Int64(text) else { throw mismatch(column, "Int64") }
        return value
    }
    public func int64(_ column: String) throws(PostgresError) -> Int64? { try int64(index(of: column)) }

    public func int(_ column: Int) throws(PostgresError) -> Int? { try int64(column).map { Int($0) } }
    public func int(_ column: String) throws(PostgresError) -> Int? { try int(index(of: column)) }

    /// `float4`, `float8`, `numeric`, integers; `NaN`, `Infinity` and `-Infinity` included.
    public func double(_ column: Int) throws(PostgresError) -> Double? {
        guard let text = try text(column) else { return nil }
        switch text {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        default:
            guard let value = Double(text) else { throw mismatch(column, "Double") }
            return value
        }
    }
    public func double(_ column: String) throws(PostgresError) -> Double? { try double(index(of: column)) }

    public func bool(_ column: Int) throws(PostgresError) -> Bool? {
        switch try text(column) {
        case nil: return nil
        case "t"?, "true"?: return true
        case "f"?, "false"?: return false
        default: throw mismatch(column, "Bool")
        }
    }
    public func bool(_ column: String) throws(PostgresError) -> Bool? { try bool(index(of: column)) }

    /// `bytea` in hex output format (the default `bytea_output`).
    public func bytes(_ column: Int) throws(PostgresError) -> [UInt8]? {
        guard let text = try text(column) else { return nil }
        let utf8 = Array(text.utf8)
        guard utf8.count >= 2, utf8[0] == UInt8(ascii: "\\"), utf8[1] == UInt8(ascii: "x"), utf8.count % 2 == 0 else {
            throw mismatch(column, "bytes (bytea hex)")
        }
        func nibble(_ byte: UInt8) -> UInt8? {
            switch byte {
            case 48...57: byte - 48
            case 97...102: byte - 87
            case 65...70: byte - 55
            default: nil
            }
        }
        var out = [UInt8]()
        out.reserveCapacity((utf8.count - 2) / 2)
        var index = 2
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else {
                throw mismatch(column, "bytes (bytea hex)")
            }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }
    public func bytes(_ column: String) throws(PostgresError) -> [UInt8]? { try bytes(index(of: column)) }

    /// `timestamptz`, `timestamp` (read as UTC) or `date`; `infinity` becomes `Date.distantFuture`.
    public func date(_ column: Int) throws(PostgresError) -> Date? {
        guard let text = try text(column) else { return nil }
        guard let date = PostgresTimestamp.parse(text) else { throw mismatch(column, "Date") }
        return date
    }
    public func date(_ column: String) throws(PostgresError) -> Date? { try date(index(of: column)) }

    /// `json`/`jsonb` text decoded with `JSONDecoder`.
    public func decodeJSON<T: Decodable>(_ type: T.Type, _ column: Int) throws(PostgresError) -> T? {
        guard let text = try text(column) else { return nil }
        do {
            return try JSONDecoder().decode(T.self, from: Data(text.utf8))
        } catch {
            throw mismatch(column, "JSON of \(T.self)")
        }
    }
    public func decodeJSON<T: Decodable>(_ type: T.Type, _ column: String) throws(PostgresError) -> T? {
        try decodeJSON(type, index(of: column))
    }

    private func mismatch(_ column: Int, _ type: String) -> PostgresError {
        decodingError(
            "column \(storage.columnNames[column]) (type oid \(storage.columnTypes[column])) cannot be read as \(type)")
    }

    private func decodingError(_ reason: String) -> PostgresError {
        PostgresError(code: .decoding, operation: "read row \(row)", reason: reason)
    }
}
