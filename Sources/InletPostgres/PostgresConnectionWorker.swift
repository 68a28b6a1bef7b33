import Dispatch
import Logging

/// One pooled connection and the serial queue that is the only place it is touched.
///
/// Jobs are synchronous closures run on `queue`, a dedicated serial `DispatchQueue`, so libpq's blocking calls never
/// occupy Swift's cooperative thread pool; callers await them through a continuation. The worker connects lazily and
/// replaces a broken connection with a new one (a new ``PostgresConnection`` object, so prepared-statement names
/// start empty).
final class PostgresConnectionWorker: @unchecked Sendable {
    // @unchecked Sendable: `connection` and `generation` are read and written only by jobs on `queue`, which is
    // serial; everything else is immutable.
    let id: Int
    private let queue: DispatchQueue
    private let configuration: PostgresConfiguration
    private let logger: Logger
    private var connection: PostgresConnection?
    /// Incremented for every new connection, so a transaction can tell that its connection was replaced.
    private var generation = 0

    /// How a job treats the connection.
    enum Mode {
        /// Connect if needed; if the job loses the connection and `retryOnLoss` is set, reconnect and run it again
        /// once (only for idempotent work).
        case reconnecting(retryOnLoss: Bool)
        /// Run only on the connection of this generation (a transaction's); never reconnect.
        case pinned(generation: Int)
    }

    init(id: Int, configuration: PostgresConfiguration, logger: Logger) {
        self.id = id
        self.configuration = configuration
        self.logger = logger
        self.queue = DispatchQueue(label: "inlet.postgres.connection.\(id)")
    }

    /// Runs `job` on the worker's queue and returns its result.
    func run<R: Sendable>(
        _ mode: Mode, _ job: @escaping @Sendable (PostgresConnection) throws(PostgresError) -> R
    ) async throws(PostgresError) -> R {
        let result: Result<R, PostgresError> = await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: self.perform(mode, job))
            }
        }
        return try result.get()
    }

    /// Starts a transaction with `sql` (`BEGIN …`), reconnecting first if needed.
    /// - Returns: the generation to pin the transaction's later statements to.
    func begin(_ sql: String) async throws(PostgresError) -> Int {
        let result: Result<Int, PostgresError> = await withCheckedContinuation { continuation in
            queue.async {
                let began = self.perform(.reconnecting(retryOnLoss: true)) { connection throws(PostgresError) in
                    try connection.executeSimple(sql, operation: "begin transaction")
                }
                continuation.resume(returning: began.map { _ in self.generation })
            }
        }
        return try result.get()
    }

    /// Frees the connection (`PQfinish` via the owner's deinit) after all queued jobs.
    func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async {
                self.connection = nil
                continuation.resume()
            }
        }
    }

    /// A weak reference to the current connection object, for the test that it is freed after close.
    func weakConnectionForTesting() async -> WeakConnection {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: WeakConnection(self.connection)) }
        }
    }

    struct WeakConnection: @unchecked Sendable {
        // @unchecked Sendable: only `isAlive` is read, which does not touch the connection.
        weak var connection: PostgresConnection?
        init(_ connection: PostgresConnection?) { self.connection = connection }
        var isAlive: Bool { connection != nil }
    }

    // MARK: - On the queue

    private func perform<R>(
        _ mode: Mode, _ job: (PostgresConnection) throws(PostgresError) -> R
    ) -> Result<R, PostgresError> {
        dispatchPrecondition(condition: .onQueue(queue))
        switch mode {
        case .pinned(let pinned):
            guard let connection, generation == pinned, connection.isUsable else {
                return .failure(
                    PostgresError(
                        code: .connectionLost, operation: "transaction",
                        reason: "the transaction's connection was lost; retry the whole transaction"))
            }
            return runCatchingLoss { () throws(PostgresError) in try job(connection) }
        case .reconnecting(let retryOnLoss):
            let first = runCatchingLoss { () throws(PostgresError) in try job(try usableConnection()) }
            guard case .failure(let error) = first, error.code == .connectionLost, retryOnLoss else { return first }
            logger.info(
                "PostgreSQL connection lost; reconnecting and retrying once",
                metadata: ["postgres.connection": "\(id)", "postgres.operation": "\(error.operation)"])
            return runCatchingLoss { () throws(PostgresError) in try job(try usableConnection()) }
        }
    }

    /// Runs `body`; on connection loss drops the connection so the next job starts a new one.
    private func runCatchingLoss<R>(_ body: () throws(PostgresError) -> R) -> Result<R, PostgresError> {
        do {
            return .success(try body())
        } catch {
            if error.code == .connectionLost || connection?.isUsable == false { connection = nil }
            return .failure(error)
        }
    }

    /// The current connection, opened or replaced if missing or broken, and outside any transaction block left
    /// behind by an abandoned transaction.
    private func usableConnection() throws(PostgresError) -> PostgresConnection {
        if let connection, connection.isUsable {
            if connection.isInTransaction {
                do {
                    try connection.executeSimple("ROLLBACK", operation: "roll back abandoned transaction")
                } catch {
                    self.connection = nil
                    return try usableConnection()
                }
            }
            return connection
        }
        if connection != nil {
            logger.info("PostgreSQL connection broken; reconnecting", metadata: ["postgres.connection": "\(id)"])
        }
        connection = nil
        let fresh = try PostgresConnection(configuration: configuration)
        connection = fresh
        generation += 1
        return fresh
    }
}
