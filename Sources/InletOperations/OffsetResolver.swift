import InletKafka
import Logging

/// Turns a ``StreamPosition`` into an absolute offset on each partition.
///
/// The end of a partition is found by reading, not taken from the high watermark: Tansu's high watermark counts
/// produce batches rather than records (after one batch of 18 records it reported 1), so the resolver reads from
/// the last reported offset on until nothing more arrives (``logEnds(of:)``). On Kafka that read returns at most
/// the last record.
///
/// Times are looked up with the broker's offsets-for-times request and the answer is checked against the records
/// themselves: Tansu answers offset 0 for a time after the last record. When the check fails the offset is found by
/// a binary search over record timestamps (a few dozen single-record fetches per partition), which assumes
/// timestamps grow with offsets, as Kafka's own time index does.
public struct OffsetResolver: Sendable {
    let admin: KafkaConsumerGroupAdmin
    let reader: KafkaPartitionReader

    public init(admin: KafkaConsumerGroupAdmin, reader: KafkaPartitionReader) {
        self.admin = admin
        self.reader = reader
    }

    /// For each partition, the offset `position` names, clamped to the partition's watermarks.
    ///
    /// - Important: uses `reader` (reassigns it); do not read with it concurrently.
    public func resolve(_ position: StreamPosition, on partitions: [KafkaTopicPartition]) async throws -> [KafkaTopicPartition: Int64] {
        guard !partitions.isEmpty else { return [:] }
        var marks = try await admin.watermarks(of: partitions)
        if position != .beginning {
            for (partition, end) in try await logEnds(of: partitions, watermarks: marks) { marks[partition]!.high = end }
        }
        var result: [KafkaTopicPartition: Int64] = [:]
        switch position {
        case .beginning:
            for partition in partitions { result[partition] = marks[partition]!.low }
        case .end:
            for partition in partitions { result[partition] = marks[partition]!.high }
        case .offset(let offset):
            for partition in partitions { result[partition] = min(max(offset, marks[partition]!.low), marks[partition]!.high) }
        case .time(let milliseconds):
            let answers = try await admin.offsets(forTimestamps: Dictionary(uniqueKeysWithValues: partitions.map { ($0, milliseconds) }))
            for partition in partitions {
                let range = marks[partition]!
                let answer = min(max(answers[partition] ?? range.high, range.low), range.high)
                if try await isFirstAtOrAfter(answer, time: milliseconds, on: partition, within: range) {
                    result[partition] = answer
                } else {
                    result[partition] = try await searchFirstAtOrAfter(milliseconds, on: partition, within: range)
                }
            }
        }
        return result
    }

    /// One past the last stored record of each partition: the high watermark, or more when reading from the last
    /// reported offset on finds records past it (Tansu). Reads until no record arrives for `idle`, at most `limit`.
    /// `idle` is long on purpose: Tansu pauses 0.6–0.8 s between some fetches, and a 300 ms window ended the read
    /// early (a replay to the end of a busy topic then missed its last records: 19,365 of 20,000 in the benchmark).
    ///
    /// - Important: uses `reader` (reassigns it).
    public func logEnds(
        of partitions: [KafkaTopicPartition], watermarks known: [KafkaTopicPartition: KafkaWatermarks]? = nil,
        idle: Duration = .milliseconds(1500), limit: Duration = .seconds(120)
    ) async throws -> [KafkaTopicPartition: Int64] {
        guard !partitions.isEmpty else { return [:] }
        var marks = known ?? [:]
        if marks.isEmpty { marks = try await admin.watermarks(of: partitions) }
        var ends = Dictionary(uniqueKeysWithValues: partitions.map { ($0, marks[$0]!.high) })
        try reader.assign(Dictionary(uniqueKeysWithValues: partitions.map {
            ($0, KafkaStartOffset.offset(max(marks[$0]!.low, marks[$0]!.high - 1)))
        }))
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: limit)
        while clock.now < deadline {
            let records = try await reader.poll(maxRecords: 1000, timeout: idle)
            if records.isEmpty { break }
            for record in records where ends[record.topicPartition] != nil {
                ends[record.topicPartition] = max(ends[record.topicPartition]!, record.offset + 1)
            }
        }
        return ends
    }

    /// Whether `offset` is the first offset whose record is at or after `time`.
    private func isFirstAtOrAfter(_ offset: Int64, time: Int64, on partition: KafkaTopicPartition, within range: KafkaWatermarks) async throws -> Bool {
        if offset < range.high {
            guard let record = try await probe(partition, at: offset), record.timestamp >= time else { return false }
        }
        if offset > range.low {
            guard let previous = try await probe(partition, at: offset - 1), previous.timestamp < time, previous.offset < offset else { return false }
        }
        return true
    }

    /// The smallest offset in `range` whose record is at or after `time`, or the high watermark.
    private func searchFirstAtOrAfter(_ time: Int64, on partition: KafkaTopicPartition, within range: KafkaWatermarks) async throws -> Int64 {
        var low = range.low
        var high = range.high
        while low < high {
            let middle = low + (high - low) / 2
            guard let record = try await probe(partition, at: middle) else { return high }
            if record.timestamp >= time {
                high = middle
            } else {
                low = record.offset + 1
            }
        }
        return low
    }

    /// The offset and timestamp of the first record at or after `offset`, or nil when none arrives in 5 s.
    private func probe(_ partition: KafkaTopicPartition, at offset: Int64) async throws -> (offset: Int64, timestamp: Int64)? {
        try reader.assign([partition: .offset(offset)])
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(5))
        while clock.now < deadline {
            if let record = try await reader.poll(maxRecords: 1, timeout: .milliseconds(250)).first(where: { $0.topicPartition == partition && $0.offset >= offset }) {
                return (record.offset, record.timestampMilliseconds ?? 0)
            }
        }
        return nil
    }
}
