import InletCore

/// Settings of the persister stage.
public struct PersisterConfiguration: Sendable {
    /// Records per consumed batch (and so per transaction) at most. Default: 1000.
    public var maxBatchSize = 1000
    /// Wait before retrying a batch whose transaction failed. Default: 1 second.
    public var retryDelay: Duration = .seconds(1)

    /// The consumer group; every instance of the stage shares it. Default: `inlet-persister`.
    public var consumerGroup = Stage.persister.consumerGroup
    /// How long a table migration at start-up may wait for a lock (`lock_timeout`). Default: 10 seconds.
    public var migrationLockTimeout: Duration = .seconds(10)

    public init() {}

    /// Reads `INLET_PERSISTER_BATCH_SIZE` and `INLET_PERSISTER_MIGRATION_LOCK_TIMEOUT_MS`.
    public init(environment: EnvironmentReader) throws(InletCoreError) {
        self.init()
        if let size = try environment.int("INLET_PERSISTER_BATCH_SIZE", range: 1...100_000) { maxBatchSize = size }
        if let timeout = try environment.int("INLET_PERSISTER_MIGRATION_LOCK_TIMEOUT_MS", range: 1...3_600_000) {
            migrationLockTimeout = .milliseconds(timeout)
        }
    }
}
