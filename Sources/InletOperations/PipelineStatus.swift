/// A snapshot of the pipeline for `inlet status`: each consuming stage's group, members and lag, its dead letters,
/// and whether the broker and PostgreSQL answer. `Codable` for `inlet status --json`.
public struct PipelineStatus: Codable, Sendable, Hashable {
    /// When the snapshot was taken, RFC 3339.
    public var generatedAt: String
    public var broker: ComponentHealth
    public var postgres: ComponentHealth
    public var stages: [StageStatus]
    /// How to read the lag figures (Tansu's high watermark lags behind the log).
    public var note: String

    public static let lagNote = "lag = log end - committed offset (the low watermark where the group never committed). "
        + "The log end is read, not taken from the high watermark: Tansu's high watermark counts produce batches, not records, and lags behind the log. "
        + "Records appended while status runs are not counted; run it again to confirm a small lag."
}

/// Whether a dependency answered.
public struct ComponentHealth: Codable, Sendable, Hashable {
    public var healthy: Bool
    /// What answered (`librdkafka 2.16.0, 127.0.0.1:9092`, `PostgreSQL 15.8`) or what failed.
    public var detail: String
    /// Round-trip time of the probe, when it answered.
    public var latencyMilliseconds: Double?
}

/// One stage's consumer group.
public struct StageStatus: Codable, Sendable, Hashable {
    public var stage: String
    public var group: String
    /// The group state as the coordinator reports it (`Stable`, `Empty`, …), or `unknown` when it could not be read.
    public var state: String
    /// Whether the group has live members (from its state when the broker lists none, as Tansu does).
    public var active: Bool
    /// The members the broker lists (Tansu lists none).
    public var members: [MemberStatus]
    public var partitions: [PartitionLag]
    /// Sum of the partitions' lag.
    public var totalLag: Int64
    public var deadLetterTopic: String
    /// Records on the dead-letter topic (high minus low watermark); nil when the topic does not exist.
    public var deadLetters: Int64?
    /// Input topics the catalog lists but the broker does not have (`inlet topics create` makes them).
    public var missingTopics: [String]
    /// What could not be read for this stage, if anything.
    public var error: String?
}

/// One live member of a group.
public struct MemberStatus: Codable, Sendable, Hashable {
    public var clientID: String
    public var host: String
    /// Assigned partitions as `topic[partition]`.
    public var assignment: [String]
}

/// Where a group stands on one partition.
public struct PartitionLag: Codable, Sendable, Hashable {
    public var topic: String
    public var partition: Int32
    /// The committed offset; nil when the group never committed here.
    public var committed: Int64?
    public var low: Int64
    public var high: Int64
    public var lag: Int64
}
