import Synchronization

/// The statements of one ``PostgresClient/withTransaction(_:isolation:_:)`` closure, all on the same connection.
///
/// Statements from concurrent child tasks are serialised on the connection's queue. Nothing is retried: if the
/// connection is lost every later statement fails with `.connectionLost` and the closure should rethrow.
public final class PostgresTransaction: Sendable {
    private let worker: PostgresConnectionWorker
    private let generation: Int
    private let isOpen = Mutex(true)

    init(worker: PostgresConnectionWorker, generation: Int) {
        self.worker = worker
        self.generation = generation
    }

    func invalidate() { isOpen.withLock { $0 = false } }

    private func run<R: Sendable>(
        _ job: @escaping @Sendable (PostgresConnection) throws(PostgresError) -> R
    ) async throws(PostgresError) -> R {
        guard isOpen.withLock({ $0 }) else {
            throw PostgresError(
                code: .transactionClosed, operation: "transaction",
                reason: "the transaction was used after its withTransaction closure returned", isRetriable: false)
        }
        return try await worker.run(.pinned(generation: generation), job)
    }

    /// Runs one statement with `$1…` parameters inside the transaction.
    public func query(_ sql: String, _ binds: [PostgresValue] = []) async throws -> PostgresResult {
        try await run { connection throws(PostgresError) in try connection.execute(sql, binds, operation: "query") }
    }

    /// ``PostgresClient/upsert(_:rows:)`` inside the transaction.
    public func upsert(_ spec: PostgresUpsert, rows: [[PostgresValue]]) async throws -> Int {
        try await run { connection throws(PostgresError) in try connection.upsert(spec, rows: rows) }
    }

    /// ``PostgresClient/insertIgnoringConflicts(_:rows:)`` inside the transaction.
    public func insertIgnoringConflicts(_ spec: PostgresUpsert, rows: [[PostgresValue]]) async throws -> [PostgresRow] {
        try await run { connection throws(PostgresError) in try connection.insertIgnoringConflicts(spec, rows: rows) }
    }

    /// ``PostgresClient/existingKeys(in:keyColumns:among:)`` inside the transaction.
    public func existingKeys(in table: String, keyColumns: [String], among keys: [[String]]) async throws -> Set<[String]> {
        try await run { connection throws(PostgresError) in
            try connection.existingKeys(in: table, keyColumns: keyColumns, among: keys)
        }
    }
}
