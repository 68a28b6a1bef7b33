import CLibPQ

/// Owns one libpq `PGconn`: opens it in `init`, frees it in `deinit`.
///
/// - Important: `PGconn` is not thread-safe and every call here blocks, so an instance is confined to one
///   ``PostgresConnectionWorker`` and only used from jobs on that worker's serial queue, never from Swift's
///   cooperative pool. It is deliberately not `Sendable`. The raw pointer never leaves this class.
final class PostgresConnection {
    private let handle: OpaquePointer
    /// Names of statements prepared on this connection; preparing a name twice fails, and a new connection starts
    /// with none (reconnecting replaces the whole object).
    private var preparedStatements: [String: String] = [:]

    /// Connects (blocking) and applies the session settings this module relies on.
    init(configuration: PostgresConfiguration) throws(PostgresError) {
        // expand_dbname = 1: the first "dbname" is parsed as a URL; keywords after it override its options.
        let parameters: [(String, String)] = [
            ("dbname", configuration.url),
            ("connect_timeout", String(configuration.connectTimeoutSeconds)),
            ("application_name", configuration.applicationName),
            ("client_encoding", "UTF8"),
            ("keepalives", "1"),
        ]
        let connection = Self.withCStringArrays(parameters) { keywords, values in
            PQconnectdbParams(keywords, values, 1)
        }
        guard let connection else {
            throw PostgresError(
                code: .connectionFailed, operation: "connect",
                reason: "libpq could not allocate a connection (out of memory)")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(connection))
            let status = PQstatus(connection).rawValue
            PQfinish(connection)
            throw PostgresError(
                code: .connectionFailed, operation: "connect",
                reason: "could not connect to PostgreSQL; check that it is running and that INLET_POSTGRES_URL is right",
                serverMessage: message, libpqStatus: Int32(bitPattern: status))
        }
        handle = connection
        // ISO dates in UTC are what PostgresTimestamp parses; statement_timeout bounds every blocking call.
        var settings = "SET DateStyle = 'ISO'; SET TimeZone = 'UTC'; SET bytea_output = 'hex'"
        if let milliseconds = configuration.statementTimeoutMilliseconds {
            settings += "; SET statement_timeout = \(milliseconds)"
        }
        try executeSimple(settings, operation: "configure session")
    }

    deinit {
        PQfinish(handle)
    }

    /// Whether libpq considers the connection usable (it turns bad after the server or network goes away).
    var isUsable: Bool { PQstatus(handle) == CONNECTION_OK }

    /// Whether the session is idle outside a transaction block.
    var isIdleOutsideTransaction: Bool { PQtransactionStatus(handle) == PQTRANS_IDLE }

    /// Whether the session is inside a transaction block (healthy or failed).
    var isInTransaction: Bool {
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR
    }

    /// The server process id (for `pg_terminate_backend` in tests and for logs).
    var backendPID: Int32 { PQbackendPID(handle) }

    /// Runs one statement with text-format parameters (`PQexecParams`).
    /// - Parameter declaringTypes: declare parameter types from the values (`false` lets the server infer them all).
    func execute(
        _ sql: String, _ binds: [PostgresValue], operation: String, declaringTypes: Bool = true
    ) throws(PostgresError) -> PostgresResult {
        let encoded = try Self.encode(binds, operation: operation)
        let types = declaringTypes ? binds.map(\.typeOID) : [UInt32](repeating: 0, count: binds.count)
        let result = encoded.withParameterPointers { values in
            types.withUnsafeBufferPointer { types in
                PQexecParams(handle, sql, Int32(binds.count), types.baseAddress, values, nil, nil, 0)
            }
        }
        return try consume(result, operation: operation)
    }

    /// Runs parameterless commands through the simple query protocol (`PQexec`): several `;`-separated commands
    /// are allowed, and `BEGIN`/`COMMIT` skip the parse/bind round of the extended protocol.
    /// - Returns: the command tag of the last command.
    @discardableResult
    func executeSimple(_ sql: String, operation: String) throws(PostgresError) -> String {
        try consume(PQexec(handle, sql), operation: operation).commandTag
    }

    /// Runs a statement through a named prepared statement, preparing it on first use on this connection.
    /// The name is derived from the SQL text, so the same SQL always maps to the same prepared statement.
    func executePrepared(
        _ sql: String, _ binds: [PostgresValue], operation: String
    ) throws(PostgresError) -> PostgresResult {
        let name = Self.statementName(for: sql)
        if preparedStatements[name] != sql {
            if preparedStatements[name] != nil {
                // A hash collision between two different statements: fall back to an unnamed statement.
                return try execute(sql, binds, operation: operation, declaringTypes: false)
            }
            let prepared = PQprepare(handle, name, sql, Int32(binds.count), nil)
            _ = try consume(prepared, operation: "prepare \(operation)")
            preparedStatements[name] = sql
        }
        let encoded = try Self.encode(binds, operation: operation)
        let result = encoded.withParameterPointers { values in
            PQexecPrepared(handle, name, Int32(binds.count), values, nil, nil, 0)
        }
        return try consume(result, operation: operation)
    }

    /// Number of statements prepared on this connection (for tests).
    var preparedStatementCount: Int { preparedStatements.count }

    // MARK: - Results and errors

    private func consume(_ result: OpaquePointer?, operation: String) throws(PostgresError) -> PostgresResult {
        guard let result else {
            throw failure(operation: operation, sqlState: nil, message: String(cString: PQerrorMessage(handle)), status: nil)
        }
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        switch status {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return Self.copy(result)
        default:
            let sqlState = PQresultErrorField(result, inlet_pq_diag_sqlstate()).map { String(cString: $0) }
            let primary = PQresultErrorField(result, inlet_pq_diag_message_primary()).map { String(cString: $0) }
            let message = primary ?? String(cString: PQresultErrorMessage(result))
            throw failure(
                operation: operation, sqlState: sqlState, message: message,
                status: Int32(bitPattern: status.rawValue))
        }
    }

    private func failure(operation: String, sqlState: String?, message: String, status: Int32?) -> PostgresError {
        if !isUsable {
            return PostgresError(
                code: .connectionLost, operation: operation,
                reason: "the connection to PostgreSQL was lost; the statement may or may not have taken effect",
                sqlState: sqlState, serverMessage: message, libpqStatus: status)
        }
        if sqlState == nil {
            // A client-side refusal by libpq (for example a malformed request); the connection is still fine.
            return PostgresError(
                code: .server, operation: operation, reason: "libpq refused the statement before sending it",
                serverMessage: message, libpqStatus: status, isRetriable: false)
        }
        return PostgresError(
            code: .server, operation: operation, reason: Self.advice(forSQLState: sqlState),
            sqlState: sqlState, serverMessage: message, libpqStatus: status)
    }

    private static func advice(forSQLState sqlState: String?) -> String {
        switch sqlState {
        case "40001": "serialization failure; retry the transaction"
        case "40P01": "deadlock detected; retry the transaction"
        case "57014": "statement cancelled (statement_timeout?); make the statement cheaper or raise the timeout"
        case "21000": "a statement affected a row twice; collapse duplicate keys in the batch"
        case let state? where state.hasPrefix("23"): "an integrity constraint was violated; check the data"
        case let state? where state.hasPrefix("22"): "a value was invalid for its column type; check the data"
        case let state? where state.hasPrefix("42"): "the statement is invalid or refers to a missing table or column"
        case let state? where state.hasPrefix("57P"): "the server is shutting down or starting; retry later"
        default: "the server rejected the statement"
        }
    }

    private static func copy(_ result: OpaquePointer) -> PostgresResult {
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        var names: [String] = []
        var types: [UInt32] = []
        names.reserveCapacity(columnCount)
        for column in 0..<Int32(columnCount) {
            names.append(String(cString: PQfname(result, column)))
            types.append(PQftype(result, column))
        }
        var values: [String?] = []
        values.reserveCapacity(rowCount * columnCount)
        for row in 0..<Int32(rowCount) {
            for column in 0..<Int32(columnCount) {
                if PQgetisnull(result, row, column) != 0 {
                    values.append(nil)
                } else {
                    let length = Int(PQgetlength(result, row, column))
                    let bytes = UnsafeRawPointer(PQgetvalue(result, row, column)!).assumingMemoryBound(to: UInt8.self)
                    values.append(String(decoding: UnsafeBufferPointer(start: bytes, count: length), as: UTF8.self))
                }
            }
        }
        let tag = String(cString: PQcmdStatus(result))
        let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
        return PostgresResult(
            storage: .init(columnNames: names, columnTypes: types, values: values), commandTag: tag,
            affectedRows: affected)
    }

    // MARK: - Parameters

    /// All parameter texts in one NUL-separated buffer, so libpq gets stable pointers without one allocation each.
    struct EncodedParameters {
        var buffer: [CChar] = []
        var offsets: [Int?] = []

        func withParameterPointers<R>(_ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
            buffer.withUnsafeBufferPointer { buffer in
                let base = buffer.baseAddress!
                let pointers: [UnsafePointer<CChar>?] = offsets.map { $0.map { base + $0 } }
                return pointers.withUnsafeBufferPointer { body($0.baseAddress) }
            }
        }
    }

    static func encode(_ binds: [PostgresValue], operation: String) throws(PostgresError) -> EncodedParameters {
        guard binds.count <= PostgresUpsert.maximumParameters else {
            throw PostgresError(
                code: .invalidParameter, operation: operation,
                reason: "\(binds.count) parameters exceed PostgreSQL's limit of \(PostgresUpsert.maximumParameters); split the batch")
        }
        var encoded = EncodedParameters()
        encoded.offsets.reserveCapacity(binds.count)
        encoded.buffer.reserveCapacity(binds.count * 16 + 1)
        for (index, bind) in binds.enumerated() {
            guard let text = try bind.textEncoding(position: index + 1) else {
                encoded.offsets.append(nil)
                continue
            }
            encoded.offsets.append(encoded.buffer.count)
            for byte in text.utf8 { encoded.buffer.append(CChar(bitPattern: byte)) }
            encoded.buffer.append(0)
        }
        if encoded.buffer.isEmpty { encoded.buffer.append(0) }  // keep baseAddress non-nil
        return encoded
    }

    /// FNV-1a over the SQL text: a stable, short statement name.
    static func statementName(for sql: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in sql.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return "inlet_" + String(hash, radix: 16)
    }

    private static func withCStringArrays<R>(
        _ pairs: [(String, String)],
        _ body: (UnsafePointer<UnsafePointer<CChar>?>, UnsafePointer<UnsafePointer<CChar>?>) -> R
    ) -> R {
        let keywords = pairs.map { strdup($0.0) }
        let values = pairs.map { strdup($0.1) }
        defer {
            keywords.forEach { free($0) }
            values.forEach { free($0) }
        }
        let keywordPointers = keywords.map { UnsafePointer($0) } + [nil]
        let valuePointers = values.map { UnsafePointer($0) } + [nil]
        return keywordPointers.withUnsafeBufferPointer { keywordBuffer in
            valuePointers.withUnsafeBufferPointer { valueBuffer in
                body(keywordBuffer.baseAddress!, valueBuffer.baseAddress!)
            }
        }
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
