import Logging

/// The `Sendable` entry point: a pool of ``PostgresConfiguration/poolSize`` connections, each confined to its own
/// serial queue, so no libpq call ever blocks Swift's cooperative thread pool.
///
/// Connections open lazily on first use (``checkConnections()`` opens them all eagerly, for readiness checks).
/// A statement waits (FIFO) for a free connection; cancelling the waiting task ends the wait with
/// `CancellationError`. A statement already sent is not cancelled: `statement_timeout` bounds it.
///
/// Errors are ``PostgresError`` (or `CancellationError` while waiting for a connection). A broken connection is
/// replaced transparently on the next call; work marked idempotent is retried once on a fresh connection, anything
/// else fails with `.connectionLost` (`isRetriable == true`), since it may or may not have taken effect.
///
/// - Important: call ``close()`` before dropping the client; it waits for leased connections to come back and
///   frees them. Statements issued after `close()` fail with `.clientClosed`.
public final class PostgresClient: Sendable {
    public let configuration: PostgresConfiguration
    let pool: PostgresConnectionPool
    private let logger: Logger

    /// Creates the pool without connecting.
    /// - Precondition: `configuration.poolSize >= 1`.
    public init(configuration: PostgresConfiguration, logger: Logger = Logger(label: "inlet.postgres")) {
        precondition(configuration.poolSize >= 1, "PostgresConfiguration.poolSize must be at least 1")
        self.configuration = configuration
        self.logger = logger
        self.pool = PostgresConnectionPool(
            workers: (0..<configuration.poolSize).map {
                PostgresConnectionWorker(id: $0, configuration: configuration, logger: logger)
            })
    }

    /// Runs one statement with `$1…` parameters.
    /// - Parameter retryOnConnectionLoss: set for idempotent statements (reads, guarded upserts): after a lost
    ///   connection they run once more on a new connection. Default: false.
    public func query(
        _ sql: String, _ binds: [PostgresValue] = [], retryOnConnectionLoss: Bool = false
    ) async throws -> PostgresResult {
        try await pool.withWorker { worker in
            try await worker.run(.reconnecting(retryOnLoss: retryOnConnectionLoss)) { connection throws(PostgresError) in
                try connection.execute(sql, binds, operation: "query")
            }
        }
    }

    /// Upserts `rows` (values in `spec.columns` order) as described by `spec`: duplicate keys inside the batch are
    /// collapsed (highest version wins, else the last row), the rows are sent in statements within PostgreSQL's
    /// 65,535-parameter limit, and several statements run in one transaction.
    ///
    /// Retried once after a lost connection (the guards make it idempotent); after a retry the count may be lower
    /// than the rows the first attempt wrote.
    /// - Returns: rows inserted or updated; rows skipped by the newer-wins or unchanged-row guard are not counted.
    public func upsert(_ spec: PostgresUpsert, rows: [[PostgresValue]]) async throws -> Int {
        try await pool.withWorker { worker in
            try await worker.run(.reconnecting(retryOnLoss: true)) { connection throws(PostgresError) in
                try connection.upsert(spec, rows: rows)
            }
        }
    }

    /// `INSERT … ON CONFLICT (spec.conflictColumns) DO NOTHING RETURNING` the conflict columns, in chunks (one
    /// transaction if several). `spec`'s update, version and compare settings are ignored.
    ///
    /// Not retried after a lost connection: a retry could report rows the first attempt inserted as conflicts.
    /// - Returns: rows holding the conflict-column values of the rows actually inserted (order unspecified).
    public func insertIgnoringConflicts(_ spec: PostgresUpsert, rows: [[PostgresValue]]) async throws -> [PostgresRow] {
        try await pool.withWorker { worker in
            try await worker.run(.reconnecting(retryOnLoss: false)) { connection throws(PostgresError) in
                try connection.insertIgnoringConflicts(spec, rows: rows)
            }
        }
    }

    /// Which of `keys` already exist in `table`, comparing `keyColumns` as text:
    /// `SELECT k1, k2 FROM t WHERE (k1, k2) IN (SELECT * FROM unnest($1::text[], $2::text[]))`.
    /// One array parameter per key column, so any number of keys fits in one statement. Retried once after a lost
    /// connection.
    /// - Important: the key columns should be `text` (or `varchar`) so the comparison can use their index.
    public func existingKeys(in table: String, keyColumns: [String], among keys: [[String]]) async throws -> Set<[String]> {
        try await pool.withWorker { worker in
            try await worker.run(.reconnecting(retryOnLoss: true)) { connection throws(PostgresError) in
                try connection.existingKeys(in: table, keyColumns: keyColumns, among: keys)
            }
        }
    }

    /// Runs `body` in a transaction on one connection: `BEGIN`, then `COMMIT` if `body` returns, `ROLLBACK` if it
    /// throws (the error is rethrown). Not retried: on `.connectionLost` or a retriable SQLSTATE (40001, 40P01)
    /// run the whole transaction again.
    /// - Throws: `.server` if `COMMIT` reports the transaction rolled back (a statement in it failed and the error
    ///   was swallowed).
    /// - Important: do not use the ``PostgresTransaction`` after `body` returns; it throws `.transactionClosed`.
    public func withTransaction<Value>(
        _ isolationLevel: PostgresIsolationLevel = .readCommitted,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (PostgresTransaction) async throws -> Value
    ) async throws -> Value {
        try await pool.withWorker { worker in
            let generation = try await worker.begin("BEGIN ISOLATION LEVEL \(isolationLevel.sql)")
            let transaction = PostgresTransaction(worker: worker, generation: generation)
            do {
                let value = try await body(transaction)
                transaction.invalidate()
                let tag = try await worker.run(.pinned(generation: generation)) { connection throws(PostgresError) in
                    try connection.executeSimple("COMMIT", operation: "commit")
                }
                if tag == "ROLLBACK" {
                    throw PostgresError(
                        code: .server, operation: "commit",
                        reason: "the transaction was rolled back because a statement in it failed; run it again",
                        sqlState: "25P02", isRetriable: false)
                }
                return value
            } catch {
                transaction.invalidate()
                _ = try? await worker.run(.pinned(generation: generation)) { connection throws(PostgresError) in
                    if connection.isInTransaction { try connection.executeSimple("ROLLBACK", operation: "rollback") }
                }
                throw error
            }
        }
    }

    /// Opens every pooled connection now (and runs `SELECT 1` on each), for start-up readiness checks.
    public func checkConnections() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<configuration.poolSize {
                group.addTask { _ = try await self.query("SELECT 1", retryOnConnectionLoss: true) }
            }
            try await group.waitForAll()
        }
    }

    /// Whether `qualifiedName` (quoted, optionally schema-qualified, e.g. from ``PostgresIdentifier/quoted(_:)``) names
    /// an existing table: `to_regclass`, so a missing one is `false`, not an error. Stores check it before
    /// `CREATE TABLE IF NOT EXISTS`, whose "already exists, skipping" notice libpq would print on every start.
    public func tableExists(_ qualifiedName: String) async throws -> Bool {
        let rows = try await query("SELECT to_regclass($1) IS NOT NULL", [.text(qualifiedName)], retryOnConnectionLoss: true)
        return try rows.first?.bool(0) ?? false
    }

    /// Refuses new work, fails statements waiting for a connection, waits for leased connections to finish, then
    /// closes every connection (`PQfinish`). Safe to call more than once.
    public func close() async {
        await pool.close()
        logger.debug("PostgreSQL client closed")
    }
}

/// Transaction isolation levels for ``PostgresClient/withTransaction(_:isolation:_:)``.
public enum PostgresIsolationLevel: Sendable {
    case readCommitted
    case repeatableRead
    case serializable

    var sql: String {
        switch self {
        case .readCommitted: "READ COMMITTED"
        case .repeatableRead: "REPEATABLE READ"
        case .serializable: "SERIALIZABLE"
        }
    }
}
