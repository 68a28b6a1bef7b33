import InletCore

/// Settings of the deduplicator stage.
public struct DeduplicatorConfiguration: Sendable {
    /// How long a delivery ID is remembered. Providers retry for hours to days (GitHub up to 3 days in practice,
    /// Stripe 3 days); a repeat older than this is forwarded again and absorbed by the persister's idempotent upsert.
    /// Default: 7 days.
    public var window: Duration = .seconds(7 * 24 * 3600)
    /// How often expired delivery IDs are deleted. Default: 1 hour.
    public var pruneInterval: Duration = .seconds(3600)
    /// The table holding seen delivery IDs. Default: `inlet_seen_deliveries`.
    public var seenTable = "inlet_seen_deliveries"
    /// Records per consumed batch at most. Default: 1000.
    public var maxBatchSize = 1000
    /// Wait before retrying a batch whose produce or database step failed. Default: 1 second.
    public var retryDelay: Duration = .seconds(1)
    /// `linger.ms` of the stage's producer. The deduplicator produces a whole consumed batch and then waits for every
    /// acknowledgement, so a linger longer than the time it takes to hand the batch to librdkafka sends it in one
    /// request instead of several small ones: with 10 ms instead of the shared 2 ms, the pipeline ran more
    /// events/s end to end in 8 of 10 alternated runs (median +11 %), mostly with less CPU in the broker
    /// (docs/deduplicator.md).
    /// A lone event waits up to this long once more on its way. Default: 10 ms.
    public var producerLingerMilliseconds: Double = 10

    /// The consumer group; every instance of the stage shares it. Default: `inlet-deduplicator`.
    public var consumerGroup = Stage.deduplicator.consumerGroup

    public init() {}

    /// Reads `INLET_DEDUP_WINDOW_SECONDS`, `INLET_DEDUP_PRUNE_INTERVAL_SECONDS`, `INLET_DEDUP_BATCH_SIZE`,
    /// `INLET_DEDUP_LINGER_MS`.
    public init(environment: EnvironmentReader) throws(InletCoreError) {
        self.init()
        if let seconds = try environment.int("INLET_DEDUP_WINDOW_SECONDS", range: 60...(365 * 86400)) { window = .seconds(seconds) }
        if let seconds = try environment.int("INLET_DEDUP_PRUNE_INTERVAL_SECONDS", range: 1...86400) { pruneInterval = .seconds(seconds) }
        if let size = try environment.int("INLET_DEDUP_BATCH_SIZE", range: 1...100_000) { maxBatchSize = size }
        if let milliseconds = try environment.int("INLET_DEDUP_LINGER_MS", range: 0...1000) { producerLingerMilliseconds = Double(milliseconds) }
    }
}
