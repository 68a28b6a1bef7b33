import InletCore
import InletKafka

/// Dead letters of one stage grouped by error code.
public struct DeadLetterErrorSummary: Sendable, Hashable {
    public var stage: String
    public var errorCode: String
    public var count: Int
    /// Record timestamps (ms since the epoch) of the first and last dead letter with this code.
    public var firstAt: Int64?
    public var lastAt: Int64?
    /// The message of the most recent one, and its ID, for `inlet dlq show`.
    public var latestMessage: String
    public var latestID: DeadLetterID
}

/// Reads dead-letter topics: summaries by error (`inlet dlq list`) and single records (`inlet dlq show`).
public struct DeadLetterInspector: Sendable {
    let admin: KafkaConsumerGroupAdmin
    let reader: KafkaPartitionReader

    public init(admin: KafkaConsumerGroupAdmin, reader: KafkaPartitionReader) {
        self.admin = admin
        self.reader = reader
    }

    /// Every dead letter of `topic` from `since` (default: the beginning) to the end as it is now, in batches.
    /// - Parameter body: gets each batch; return false to stop.
    public func scan(
        topic: String, since: StreamPosition = .beginning, filter: RecordFilter = .all,
        _ body: ([DeadLetterEntry]) async throws -> Bool
    ) async throws {
        let partitions = try await admin.partitions(of: [topic])
        let resolver = OffsetResolver(admin: admin, reader: reader)
        let starts = try await resolver.resolve(since, on: partitions)
        let ends = try await resolver.resolve(.end, on: partitions)
        let ranges = PartitionRangeReader(
            reader: reader, ranges: Dictionary(uniqueKeysWithValues: partitions.map { ($0, (start: starts[$0]!, end: Optional(ends[$0]!))) }))
        while let batch = try await ranges.nextBatch() {
            let entries = batch.filter { (try? filter.accepts($0)) ?? false }.map(DeadLetterEntry.init(record:))
            guard try await body(entries) else { return }
        }
    }

    /// Dead letters of each topic grouped by error code, most frequent first. Topics the broker lacks are skipped.
    public func summarize(topics: [String], since: StreamPosition = .beginning) async throws -> [DeadLetterErrorSummary] {
        var summaries: [String: DeadLetterErrorSummary] = [:]
        let existing = try await admin.partitionCounts()
        for topic in topics where existing[topic] != nil {
            try await scan(topic: topic, since: since) { entries in
                for entry in entries {
                    let stage = entry.deadLetter?.stage.rawValue ?? topic
                    let code = entry.deadLetter?.errorCode ?? "(not a dead letter)"
                    let key = "\(stage)\u{0}\(code)"
                    let time = entry.record.timestampMilliseconds
                    var summary = summaries[key] ?? DeadLetterErrorSummary(
                        stage: stage, errorCode: code, count: 0, firstAt: time, lastAt: time,
                        latestMessage: "", latestID: entry.id)
                    summary.count += 1
                    if let time {
                        summary.firstAt = min(summary.firstAt ?? time, time)
                        summary.lastAt = max(summary.lastAt ?? time, time)
                    }
                    summary.latestMessage = entry.deadLetter?.errorMessage ?? ""
                    summary.latestID = entry.id
                    summaries[key] = summary
                }
                return true
            }
        }
        return summaries.values.sorted { ($1.count, $0.stage, $0.errorCode) < ($0.count, $1.stage, $1.errorCode) }
    }

    /// The dead letter stored at `id`.
    /// - Throws: ``OperationsError`` `.notFound` when the offset is outside what the partition holds.
    public func show(_ id: DeadLetterID) async throws -> DeadLetterEntry {
        let partition = KafkaTopicPartition(topic: id.topic, partition: id.partition)
        guard try await admin.partitions(of: [id.topic]).contains(partition) else {
            throw OperationsError(.notFound, "\(id.topic) has no partition \(id.partition); `inlet dlq list` shows current IDs")
        }
        let marks = try await admin.watermarks(of: [partition])
        let end = try await OffsetResolver(admin: admin, reader: reader).logEnds(of: [partition], watermarks: marks)[partition]!
        guard id.offset >= marks[partition]!.low, id.offset < end else {
            throw OperationsError(.notFound, "\(id) is not stored: \(partition) holds offsets \(marks[partition]!.low)..<\(end); `inlet dlq list` shows current IDs")
        }
        let ranges = PartitionRangeReader(reader: reader, ranges: [partition: (start: id.offset, end: id.offset + 1)])
        while let batch = try await ranges.nextBatch() {
            if let record = batch.first(where: { $0.offset == id.offset }) { return DeadLetterEntry(record: record) }
        }
        throw OperationsError(.notFound, "\(id) could not be read (no record at that offset; a gap left by compaction?)")
    }
}
