import InletCore
import InletKafka
import Logging

/// What to replay (`inlet replay run`).
public struct ReplayRequest: Sendable {
    /// The stage the records are for; names the replay in `inlet_replays`.
    public var stage: Stage
    /// The topics to read.
    public var topics: [String]
    /// Only these partition numbers; nil for all.
    public var partitions: Set<Int32>?
    /// First record to read (inclusive).
    public var from: StreamPosition
    /// Where to stop (exclusive): a record at this offset or time is not replayed.
    public var to: StreamPosition
    public var filter: RecordFilter
    /// Where the records go. Default: `inlet.replay.<stage>` (``TopicName/replay(_:)``).
    public var targetTopic: String
    /// At most this many records produced per second; nil for as fast as the broker acknowledges.
    public var rate: Int?
    /// Deliverer only: the one subscription the records are for. Every produced record then carries
    /// ``ReplayHeader/subscription`` with this ID (replacing one it had), so only that subscription's loop delivers
    /// it and the others skip it. Nil: every subscription that wants the record's model gets it (or, for a record
    /// that already names a subscription, that one).
    public var subscription: String?

    public init(stage: Stage, topics: [String], partitions: Set<Int32>? = nil, from: StreamPosition, to: StreamPosition,
                filter: RecordFilter = .all, targetTopic: String? = nil, rate: Int? = nil, subscription: String? = nil) {
        self.stage = stage
        self.topics = topics
        self.partitions = partitions
        self.from = from
        self.to = to
        self.filter = filter
        self.targetTopic = targetTopic ?? TopicName.replay(stage).rawValue
        self.rate = rate
        self.subscription = subscription
    }

    /// Checks what cannot be replayed before anything is read or recorded.
    /// - Throws: ``OperationsError`` `.invalidArgument` for a target subscription on a stage other than the
    ///   deliverer (only the deliverer reads the subscription header) or an empty one.
    func validate() throws(OperationsError) {
        try Self.check(subscription: subscription, for: stage)
    }

    private static func check(subscription: String?, for stage: Stage) throws(OperationsError) {
        guard let subscription else { return }
        guard stage == .deliverer else {
            throw OperationsError(.invalidArgument, "a replay for one subscription (--subscription) applies to --stage deliverer only, not \(stage.rawValue): only the deliverer has subscriptions")
        }
        guard !subscription.isEmpty else {
            throw OperationsError(.invalidArgument, "the target subscription is empty; name a subscription ID from the subscriptions file (INLET_SUBSCRIPTIONS_FILE)")
        }
    }

    /// The subscription `inlet replay run --subscription ID` names, checked before the replay is planned: the stage
    /// must be the deliverer, and `id` must be declared in the subscriptions file.
    /// - Parameter declared: reads the subscriptions file; called only for the deliverer, so a `--subscription` given
    ///   with another stage is reported as such rather than as a problem with that file.
    /// - Returns: that subscription's share of the deliverer (``StageTopology/deliverer(subscription:)``); the CLI
    ///   reads its model topics by default, since the subscription would skip records of other models anyway.
    /// - Throws: ``OperationsError`` `.invalidArgument` saying the option is for the deliverer, or naming the declared
    ///   IDs when `id` is not one of them; whatever `declared` throws.
    public static func targetSubscription(
        _ id: String, stage: Stage, declared: () throws -> [Subscription]
    ) throws -> StageTopology {
        try check(subscription: id, for: stage)
        // The check (and the message naming the declared IDs) of `inlet replay rewind --subscription`; it returns
        // the groups of the subscriptions named `id`, never none, and IDs are unique in the file.
        return try StageTopology.delivererGroups(subscriptions: try declared(), only: id)[0]
    }
}

/// Counts so far, reported after every batch.
public struct ReplayProgress: Sendable, Hashable {
    /// The replay's ID (empty for a dry run).
    public var replayID: String
    /// Records in the selected ranges when the run (or resume) started: an upper bound, gaps may hold fewer.
    public var total: Int64
    public var scanned: Int64 = 0
    public var matched: Int64 = 0
    public var produced: Int64 = 0
    /// Records on which the filter failed (counted as not matched).
    public var filterErrors: Int64 = 0
}

/// What a replay read and did, per partition.
public struct ReplayPartitionCount: Sendable, Hashable {
    public var partition: KafkaTopicPartition
    public var start: Int64
    public var end: Int64
    public var scanned: Int64
    public var matched: Int64
}

/// How a replay run (or dry run) ended.
public struct ReplayReport: Sendable {
    /// The replay's ID; nil for a dry run (nothing is recorded).
    public var replayID: String?
    public var status: ReplayRecord.Status
    public var progress: ReplayProgress
    /// Counts of this run per partition (a resumed run counts only what it read itself).
    public var partitions: [ReplayPartitionCount]
    /// The first matching records (a dry run's sample).
    public var samples: [KafkaRecord]
    /// Partitions whose range could not be read to the end (see ``PartitionRangeReader/stalled``).
    public var stalled: [KafkaTopicPartition]
    /// The first filter failure, for the operator to fix the expression.
    public var firstFilterError: String?
    /// The one deliverer subscription the records were produced for (``ReplayRequest/subscription``); nil for all.
    public var subscription: String?
}

/// Re-produces a selected, filtered range of topics to a stage's replay topic, recording its progress so it can be
/// resumed (`inlet replay run`, `inlet replay resume`).
///
/// Delivery is at least once: positions are recorded after each batch is acknowledged, so a crash between the
/// acknowledgement and the record re-sends that batch on resume. Replayed records carry the replay ID and their
/// original coordinates (``ReplayHeader``); the stages' idempotence (the persister's newer-wins upserts, the
/// mapper's stable model IDs) makes a repeat harmless.
public struct Replayer: Sendable {
    let admin: KafkaConsumerGroupAdmin
    let reader: KafkaPartitionReader
    let producer: (any KafkaRecordSending)?
    let store: ReplayStore?
    let logger: Logger

    /// Records per batch: a batch is produced, acknowledged and recorded before the next is read.
    public static let batchSize = 500
    /// How many matching records a dry run keeps as its sample.
    public static let sampleSize = 5

    /// - Parameters:
    ///   - producer: a running producer; nil allows only dry runs.
    ///   - store: where replays are recorded; nil allows only dry runs.
    public init(admin: KafkaConsumerGroupAdmin, reader: KafkaPartitionReader, producer: (any KafkaRecordSending)?,
                store: ReplayStore?, logger: Logger) {
        self.admin = admin
        self.reader = reader
        self.producer = producer
        self.store = store
        self.logger = logger
    }

    /// The ranges `request` selects: per partition, `[from, to)` as offsets.
    /// - Throws: ``OperationsError`` `.invalidArgument` for a request ``ReplayRequest`` cannot carry out (a target
    ///   subscription for another stage than the deliverer) or that selects no partition.
    public func plan(_ request: ReplayRequest) async throws -> [ReplayPartitionPosition] {
        try request.validate()
        let partitions = try await admin.partitions(of: request.topics).filter { request.partitions?.contains($0.partition) ?? true }
        guard !partitions.isEmpty else {
            throw OperationsError(.invalidArgument, "no partition selected: the topics have no partition numbered \(request.partitions.map { $0.sorted().map(String.init).joined(separator: ",") } ?? "")")
        }
        let resolver = OffsetResolver(admin: admin, reader: reader)
        let starts = try await resolver.resolve(request.from, on: partitions)
        let ends = try await resolver.resolve(request.to, on: partitions)
        return partitions.map { partition in
            let start = starts[partition]!
            let end = max(start, ends[partition]!)
            return ReplayPartitionPosition(partition: partition, start: start, end: end, next: start)
        }
    }

    /// Reads the selection and counts what the filter accepts, producing and recording nothing.
    public func dryRun(
        _ request: ReplayRequest, shouldStop: @Sendable () -> Bool = { false },
        progress: (ReplayProgress) -> Void = { _ in }
    ) async throws -> ReplayReport {
        let positions = try await plan(request)
        return try await run(replayID: nil, positions: positions, filter: request.filter, targetTopic: request.targetTopic,
                             subscription: request.subscription, rate: nil, shouldStop: shouldStop, progress: progress)
    }

    /// Records a new replay, then reads, filters and produces it.
    public func start(
        _ request: ReplayRequest, shouldStop: @Sendable () -> Bool = { false },
        progress: (ReplayProgress) -> Void = { _ in }
    ) async throws -> ReplayReport {
        guard let store, producer != nil else {
            throw OperationsError(.invalidState, "this replayer was built without a producer or a database; only dry runs are possible")
        }
        try request.validate()
        try await store.prepare()
        let positions = try await plan(request)
        let id = OperationID.make("replay")
        try await store.create(
            ReplayRecord(id: id, stage: request.stage.rawValue, targetTopic: request.targetTopic,
                         subscription: request.subscription, filter: request.filter.source,
                         from: request.from.canonicalText, to: request.to.canonicalText, rate: request.rate, status: .running,
                         scanned: 0, matched: 0, produced: 0),
            positions: positions)
        var metadata: Logger.Metadata = [
            "replay.id": "\(id)", "replay.stage": "\(request.stage.rawValue)", "replay.target": "\(request.targetTopic)",
            "replay.partitions": "\(positions.count)",
        ]
        if let subscription = request.subscription { metadata["replay.subscription"] = "\(subscription)" }
        logger.info("replay started", metadata: metadata)
        return try await run(replayID: id, positions: positions, filter: request.filter, targetTopic: request.targetTopic,
                             subscription: request.subscription, rate: request.rate, shouldStop: shouldStop, progress: progress)
    }

    /// Continues replay `id` from its recorded positions, with its filter, target topic, target subscription and rate.
    /// - Parameter force: resume even though the replay is marked running (its process may have died).
    public func resume(
        _ id: String, force: Bool = false, shouldStop: @Sendable () -> Bool = { false },
        progress: (ReplayProgress) -> Void = { _ in }
    ) async throws -> ReplayReport {
        guard let store, producer != nil else {
            throw OperationsError(.invalidState, "this replayer was built without a producer or a database; only dry runs are possible")
        }
        try await store.prepare()
        guard let (replay, positions) = try await store.load(id) else {
            throw OperationsError(.notFound, "no replay '\(id.prefix(80))' in inlet_replays; `inlet replay list` shows the recorded ones")
        }
        switch replay.status {
        case .completed:
            throw OperationsError(.invalidState, "replay \(id) is already completed (\(replay.produced) records produced); start a new one with `inlet replay run`")
        case .running where !force:
            throw OperationsError(.invalidState, "replay \(id) is marked running: another process may still be producing it. Check that none is, then resume with --force")
        default:
            break
        }
        let filter = try RecordFilter(replay.filter)
        try await store.setStatus(id, .running)
        logger.info("replay resumed", metadata: ["replay.id": "\(id)", "replay.remaining": "\(positions.reduce(0) { $0 + $1.remaining })"])
        return try await run(replayID: id, positions: positions, filter: filter, targetTopic: replay.targetTopic,
                             subscription: replay.subscription, rate: replay.rate, shouldStop: shouldStop, progress: progress)
    }

    // MARK: The loop

    private func run(
        replayID: String?, positions: [ReplayPartitionPosition], filter: RecordFilter, targetTopic: String,
        subscription: String?, rate: Int?, shouldStop: @Sendable () -> Bool, progress: (ReplayProgress) -> Void
    ) async throws -> ReplayReport {
        let open = positions.filter { $0.remaining > 0 }
        var counts = Dictionary(uniqueKeysWithValues: positions.map {
            ($0.partition, ReplayPartitionCount(partition: $0.partition, start: $0.next, end: $0.end, scanned: 0, matched: 0))
        })
        var state = ReplayProgress(replayID: replayID ?? "", total: open.reduce(0) { $0 + $1.remaining })
        var samples: [KafkaRecord] = []
        var firstFilterError: String?
        let ranges = PartitionRangeReader(
            reader: reader, ranges: Dictionary(uniqueKeysWithValues: open.map { ($0.partition, (start: $0.next, end: Optional($0.end))) }))
        var limiter = rate.map(RateLimiter.init(perSecond:))
        let sender = producer.map(OrderedRecordSender.init(sender:))
        let clock = ContinuousClock()
        let started = clock.now
        let batchSize = min(Self.batchSize, max(1, rate ?? Self.batchSize))
        progress(state)

        do {
            while !shouldStop(), let batch = try await ranges.nextBatch(maxRecords: batchSize) {
                var matched: [KafkaRecord] = []
                for record in batch {
                    counts[record.topicPartition]?.scanned += 1
                    do {
                        guard try filter.accepts(record) else { continue }
                    } catch {
                        state.filterErrors += 1
                        if firstFilterError == nil { firstFilterError = error.reason }
                        continue
                    }
                    counts[record.topicPartition]?.matched += 1
                    matched.append(record)
                }
                state.scanned += Int64(batch.count)
                state.matched += Int64(matched.count)
                if let replayID, let sender, let store {
                    if var bucket = limiter, !matched.isEmpty {
                        let delay = bucket.reserve(matched.count, now: clock.now - started)
                        limiter = bucket
                        if delay > .zero { try? await Task.sleep(for: delay) }
                    }
                    let records = matched.map {
                        ReplayHeader.record(replaying: $0, to: targetTopic, replayID: replayID, subscription: subscription)
                    }
                    _ = try await sender.send(records)
                    try await store.recordProgress(replayID, next: ranges.next, scanned: Int64(batch.count),
                                                   matched: Int64(matched.count), produced: Int64(records.count))
                    state.produced += Int64(records.count)
                } else if samples.count < Self.sampleSize {
                    samples += matched.prefix(Self.sampleSize - samples.count)
                }
                progress(state)
            }
        } catch {
            if let replayID, let store {
                try? await store.setStatus(replayID, .stopped, error: "\(error)")
            }
            throw error
        }

        let finished = ranges.isFinished
        if let replayID, let store {
            try await store.recordProgress(replayID, next: ranges.next, scanned: 0, matched: 0, produced: 0)
            let stalledNote = ranges.stalled.isEmpty ? nil
                : "no records arrived from \(ranges.stalled.map(\.description).joined(separator: ", ")) before their range ended (deleted by retention?)"
            try await store.setStatus(replayID, finished ? .completed : .stopped, error: stalledNote)
        }
        return ReplayReport(
            replayID: replayID, status: finished ? .completed : .stopped, progress: state,
            partitions: counts.values.sorted { ($0.partition.topic, $0.partition.partition) < ($1.partition.topic, $1.partition.partition) },
            samples: samples, stalled: ranges.stalled, firstFilterError: firstFilterError, subscription: subscription)
    }
}
