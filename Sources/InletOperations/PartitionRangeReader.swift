import InletKafka

/// Reads `[start, end)` of several partitions (or from `start` on, following, when `end` is nil) with a
/// ``KafkaPartitionReader``, batch by batch, and keeps track of how far each partition got.
///
/// A bounded partition is done when its next offset reaches `end`. Where the log holds fewer records than the
/// range says (retention deleted them, or a compacted topic), nothing may ever arrive: after `idleTimeout` without a
/// record the remaining bounded partitions are given up and listed in ``stalled``.
///
/// - Important: one task drives it; it is not `Sendable`.
public final class PartitionRangeReader {
    private let reader: KafkaPartitionReader
    private let ends: [KafkaTopicPartition: Int64?]
    private let idleTimeout: Duration
    /// The next offset to read, per partition.
    public private(set) var next: [KafkaTopicPartition: Int64]
    /// Bounded partitions given up after `idleTimeout` without a record.
    public private(set) var stalled: [KafkaTopicPartition] = []
    private var started = false

    /// - Parameters:
    ///   - ranges: per partition, the first offset and one past the last (nil: follow new records).
    ///   - idleTimeout: how long to wait for any record before giving up on unfinished bounded partitions.
    public init(reader: KafkaPartitionReader, ranges: [KafkaTopicPartition: (start: Int64, end: Int64?)], idleTimeout: Duration = .seconds(10)) {
        self.reader = reader
        self.ends = ranges.mapValues(\.end)
        self.next = ranges.mapValues(\.start)
        self.idleTimeout = idleTimeout
    }

    /// Whether every bounded partition is done (always false while a partition is followed).
    public var isFinished: Bool {
        ends.allSatisfy { partition, end in
            guard let end else { return false }
            return next[partition]! >= end || stalled.contains(partition)
        }
    }

    /// The next records in range, in offset order per partition; nil once every bounded partition is done.
    /// A followed partition returns an empty batch when nothing new arrived within `wait`.
    public func nextBatch(maxRecords: Int = 500, wait: Duration = .milliseconds(500)) async throws -> [KafkaRecord]? {
        if !started {
            started = true
            let open = ends.filter { partition, end in end.map { next[partition]! < $0 } ?? true }
            guard !open.isEmpty else { return nil }
            try reader.assign(Dictionary(uniqueKeysWithValues: open.keys.map { ($0, KafkaStartOffset.offset(next[$0]!)) }))
        }
        let clock = ContinuousClock()
        var idleSince = clock.now
        while !isFinished {
            let fetched = try await reader.poll(maxRecords: maxRecords, timeout: wait)
            var records: [KafkaRecord] = []
            for record in fetched {
                let partition = record.topicPartition
                guard let end = ends[partition], record.offset >= next[partition]! else { continue }
                if let end, record.offset >= end { next[partition] = max(next[partition]!, end); continue }
                records.append(record)
                next[partition] = record.offset + 1
            }
            if !records.isEmpty || ends.values.contains(where: { $0 == nil }) { return records }
            if !fetched.isEmpty {
                idleSince = clock.now
                continue
            }
            if clock.now - idleSince >= idleTimeout {
                stalled = ends.compactMap { partition, end in
                    guard let end, next[partition]! < end else { return nil }
                    return partition
                }.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) }
            }
        }
        return nil
    }
}
