import Foundation
import InletKafka
import InletPostgres

/// A replay as recorded in `inlet_replays`.
public struct ReplayRecord: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable {
        /// A process is (or was, if it died) producing it.
        case running
        /// Stopped by the operator (Ctrl-C) or by an error; `inlet replay resume` continues it.
        case stopped
        /// Every selected record was read and the matching ones produced.
        case completed
    }

    public var id: String
    public var stage: String
    public var targetTopic: String
    /// The one deliverer subscription the records are for (``ReplayRequest/subscription``); nil for all.
    public var subscription: String?
    public var filter: String?
    /// The operator's `--from` and `--to`, as given (times absolute).
    public var from: String
    public var to: String
    /// Records per second, nil for unlimited.
    public var rate: Int?
    public var status: Status
    /// Why it stopped, when it stopped on an error.
    public var lastError: String?
    public var scanned: Int64
    public var matched: Int64
    public var produced: Int64
    public var createdAt: Date?
    public var updatedAt: Date?
}

/// One partition of a replay in `inlet_replay_partitions`: the range to read and how far it got.
public struct ReplayPartitionPosition: Sendable, Hashable {
    public var partition: KafkaTopicPartition
    /// First offset to read.
    public var start: Int64
    /// One past the last offset to read.
    public var end: Int64
    /// The next offset to read; `end` when the partition is done.
    public var next: Int64

    public init(partition: KafkaTopicPartition, start: Int64, end: Int64, next: Int64) {
        self.partition = partition
        self.start = start
        self.end = end
        self.next = next
    }

    /// Records left to read (an upper bound: gaps may hold fewer).
    public var remaining: Int64 { max(0, end - next) }
}

/// Records replays and their positions in PostgreSQL, so `inlet replay resume ID` continues where a replay stopped.
///
/// Tables (created if missing by ``prepare()``):
/// - `inlet_replays (id text primary key, stage, target_topic, target_subscription, filter, from_position, to_position,
///   rate, status, last_error, scanned, matched, produced, created_at, updated_at)`; `target_subscription` was added
///   later, so ``prepare()`` adds it to a table created before.
/// - `inlet_replay_partitions (replay_id → inlet_replays, topic, partition, start_offset, end_offset, next_offset)`,
///   primary key `(replay_id, topic, partition)`.
public struct ReplayStore: Sendable {
    let client: PostgresClient
    let tables: OperationsTables

    public init(client: PostgresClient, tables: OperationsTables = OperationsTables()) {
        self.client = client
        self.tables = tables
    }

    /// Creates the tables if missing and adds columns added since a table was created; safe to run every time.
    public func prepare() async throws {
        let replays = try tables.replays
        let partitions = try tables.replayPartitions
        if try await tables.exists(replays, client: client), try await tables.exists(partitions, client: client) {
            try await addTargetSubscriptionColumn(to: replays)
            return
        }
        _ = try await client.query("""
            CREATE TABLE IF NOT EXISTS \(replays) (
              id text PRIMARY KEY,
              stage text NOT NULL,
              target_topic text NOT NULL,
              target_subscription text,
              filter text,
              from_position text NOT NULL,
              to_position text NOT NULL,
              rate integer,
              status text NOT NULL,
              last_error text,
              scanned bigint NOT NULL DEFAULT 0,
              matched bigint NOT NULL DEFAULT 0,
              produced bigint NOT NULL DEFAULT 0,
              created_at timestamptz NOT NULL DEFAULT now(),
              updated_at timestamptz NOT NULL DEFAULT now())
            """, retryOnConnectionLoss: true)
        _ = try await client.query("""
            CREATE TABLE IF NOT EXISTS \(partitions) (
              replay_id text NOT NULL REFERENCES \(replays) (id) ON DELETE CASCADE,
              topic text NOT NULL,
              partition integer NOT NULL,
              start_offset bigint NOT NULL,
              end_offset bigint NOT NULL,
              next_offset bigint NOT NULL,
              PRIMARY KEY (replay_id, topic, partition))
            """, retryOnConnectionLoss: true)
        // `inlet_replays` may have existed without `inlet_replay_partitions`, in its older shape.
        try await addTargetSubscriptionColumn(to: replays)
    }

    /// Adds `target_subscription` to an `inlet_replays` created before it existed (a replay for one deliverer
    /// subscription). Looked up first, because `ADD COLUMN IF NOT EXISTS` would make libpq print "already exists,
    /// skipping" on every command; `IF NOT EXISTS` still covers two commands migrating at once.
    private func addTargetSubscriptionColumn(to replays: String) async throws {
        let rows = try await client.query("""
            SELECT EXISTS (SELECT 1 FROM pg_attribute
                           WHERE attrelid = to_regclass($1) AND attname = 'target_subscription' AND NOT attisdropped)
            """, [.text(replays)], retryOnConnectionLoss: true)
        if try rows.first?.bool(0) ?? false { return }
        _ = try await client.query("ALTER TABLE \(replays) ADD COLUMN IF NOT EXISTS target_subscription text",
                                   retryOnConnectionLoss: true)
    }

    /// Records a new replay and its partitions in one transaction.
    public func create(_ replay: ReplayRecord, positions: [ReplayPartitionPosition]) async throws {
        let replays = try tables.replays
        let partitions = try tables.replayPartitions
        try await client.withTransaction { transaction in
            _ = try await transaction.query("""
                INSERT INTO \(replays) (id, stage, target_topic, target_subscription, filter, from_position, to_position, rate, status)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                """, [.text(replay.id), .text(replay.stage), .text(replay.targetTopic), PostgresValue(replay.subscription),
                      PostgresValue(replay.filter), .text(replay.from), .text(replay.to), PostgresValue(replay.rate),
                      .text(replay.status.rawValue)])
            for position in positions {
                _ = try await transaction.query("""
                    INSERT INTO \(partitions) (replay_id, topic, partition, start_offset, end_offset, next_offset)
                    VALUES ($1, $2, $3, $4, $5, $6)
                    """, [.text(replay.id), .text(position.partition.topic), .int(Int64(position.partition.partition)),
                          .int(position.start), .int(position.end), .int(position.next)])
            }
        }
    }

    /// The replay `id` and its partitions, or nil when there is none.
    public func load(_ id: String) async throws -> (replay: ReplayRecord, positions: [ReplayPartitionPosition])? {
        let rows = try await client.query("SELECT * FROM \(try tables.replays) WHERE id = $1", [.text(id)], retryOnConnectionLoss: true)
        guard let row = rows.first else { return nil }
        let replay = try Self.replay(from: row)
        let partitionRows = try await client.query(
            "SELECT topic, partition, start_offset, end_offset, next_offset FROM \(try tables.replayPartitions) WHERE replay_id = $1 ORDER BY topic, partition",
            [.text(id)], retryOnConnectionLoss: true)
        let positions = try partitionRows.map { row in
            ReplayPartitionPosition(
                partition: KafkaTopicPartition(topic: try row.string("topic") ?? "", partition: Int32(try row.int("partition") ?? 0)),
                start: try row.int64("start_offset") ?? 0, end: try row.int64("end_offset") ?? 0, next: try row.int64("next_offset") ?? 0)
        }
        return (replay, positions)
    }

    /// The most recent replays, newest first.
    public func list(limit: Int = 50) async throws -> [ReplayRecord] {
        try await client.query("SELECT * FROM \(try tables.replays) ORDER BY created_at DESC, id DESC LIMIT $1",
                               [.int(Int64(limit))], retryOnConnectionLoss: true).map(Self.replay(from:))
    }

    /// Records progress after a batch was produced and acknowledged: the partitions' next offsets and the counts
    /// added by the batch, in one transaction.
    public func recordProgress(
        _ id: String, next: [KafkaTopicPartition: Int64], scanned: Int64, matched: Int64, produced: Int64
    ) async throws {
        let replays = try tables.replays
        let partitions = try tables.replayPartitions
        try await client.withTransaction { transaction in
            for (partition, offset) in next.sorted(by: { ($0.key.topic, $0.key.partition) < ($1.key.topic, $1.key.partition) }) {
                _ = try await transaction.query(
                    "UPDATE \(partitions) SET next_offset = GREATEST(next_offset, $4) WHERE replay_id = $1 AND topic = $2 AND partition = $3",
                    [.text(id), .text(partition.topic), .int(Int64(partition.partition)), .int(offset)])
            }
            _ = try await transaction.query(
                "UPDATE \(replays) SET scanned = scanned + $2, matched = matched + $3, produced = produced + $4, updated_at = now() WHERE id = $1",
                [.text(id), .int(scanned), .int(matched), .int(produced)])
        }
    }

    /// Sets the status (and the error that stopped it, if any).
    public func setStatus(_ id: String, _ status: ReplayRecord.Status, error: String? = nil) async throws {
        _ = try await client.query(
            "UPDATE \(try tables.replays) SET status = $2, last_error = $3, updated_at = now() WHERE id = $1",
            [.text(id), .text(status.rawValue), PostgresValue(error)], retryOnConnectionLoss: true)
    }

    private static func replay(from row: PostgresRow) throws -> ReplayRecord {
        ReplayRecord(
            id: try row.string("id") ?? "", stage: try row.string("stage") ?? "",
            targetTopic: try row.string("target_topic") ?? "", subscription: try row.string("target_subscription"),
            filter: try row.string("filter"),
            from: try row.string("from_position") ?? "", to: try row.string("to_position") ?? "",
            rate: try row.int("rate"),
            status: ReplayRecord.Status(rawValue: try row.string("status") ?? "") ?? .stopped,
            lastError: try row.string("last_error"), scanned: try row.int64("scanned") ?? 0,
            matched: try row.int64("matched") ?? 0, produced: try row.int64("produced") ?? 0,
            createdAt: try row.date("created_at"), updatedAt: try row.date("updated_at"))
    }
}
