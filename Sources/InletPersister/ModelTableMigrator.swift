import InletPostgres

/// Creates a model's table, or brings an existing one up to date (``ModelTableMigration``), at persister start.
///
/// Each table is handled in one transaction that first takes a transaction-scoped advisory lock on
/// (schema, table), so persister instances starting together migrate one after the other and the second sees the
/// first one's result; PostgreSQL DDL is transactional, so a refused or failed migration changes nothing.
/// `lock_timeout` bounds the wait for the table lock `ALTER TABLE` needs, so a long-running reader makes the start
/// fail with a clear error instead of queueing every writer behind it.
public struct ModelTableMigrator: Sendable {
    public let client: PostgresClient
    /// How long a migration statement may wait for its lock. Default: 10 seconds.
    public let lockTimeout: Duration

    public init(client: PostgresClient, lockTimeout: Duration = .seconds(10)) {
        self.client = client
        self.lockTimeout = lockTimeout
    }

    /// What happened to one table.
    public struct Outcome: Sendable, Equatable {
        public let table: String
        /// True when the table did not exist and was created.
        public let created: Bool
        /// What the migration changed on an existing table; empty when it was already up to date.
        public let steps: [ModelTableMigration.Step]
    }

    /// Creates or migrates `table`.
    /// - Throws: ``PersisterError`` `.incompatibleTable` when the table cannot be migrated (nothing changed), or
    ///   `.migrationFailed` wrapping the PostgreSQL error of a statement that failed.
    public func prepare(_ table: ModelTable) async throws -> Outcome {
        do {
            return try await client.withTransaction { transaction in
                let milliseconds = lockTimeout.components.seconds * 1000 + lockTimeout.components.attoseconds / 1_000_000_000_000_000
                _ = try await transaction.query("SET LOCAL lock_timeout = \(max(1, milliseconds))")
                _ = try await transaction.query(
                    "SELECT pg_advisory_xact_lock(hashtext('inlet-persister-migration:' || coalesce(current_schema(), '') || '.' || $1))",
                    [.text(table.tableName)])
                guard let stored = try await StoredTable.read(table.tableName, in: transaction) else {
                    for statement in try table.ddl() { _ = try await transaction.query(statement) }
                    return Outcome(table: table.tableName, created: true, steps: [])
                }
                let migration = ModelTableMigration(table: table, stored: stored)
                var lacking: [String: Int] = [:]
                for (field, isNewColumn) in migration.fieldsToEnforce {
                    let count = try await transaction.query("""
                        SELECT count(*) FROM (SELECT 1 FROM \(try PostgresIdentifier.quoted(table.tableName))
                        WHERE \(try migration.lackingPredicate(field, isNewColumn: isNewColumn)) LIMIT \(ModelTableMigration.rowCountLimit)) AS lacking
                        """)
                    lacking[field.name] = try count.first?.int(0) ?? 0
                }
                let steps = try migration.plan(liveRowsLacking: lacking)
                for step in steps { _ = try await transaction.query(step.sql) }
                return Outcome(table: table.tableName, created: false, steps: steps)
            }
        } catch let error as PersisterError {
            throw error
        } catch let error as PostgresError {
            let lockNotGranted = error.sqlState == "55P03"
            throw PersisterError(
                .migrationFailed, table: table.tableName,
                reason: lockNotGranted
                    ? "creating or migrating the table waited longer than \(lockTimeout) for a lock another session holds; end that session's transaction (see pg_stat_activity) and start again"
                    : "creating or migrating the table failed; nothing was changed",
                underlying: error, isRetriable: lockNotGranted || error.isRetriable)
        }
    }
}
