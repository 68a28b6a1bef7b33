/// Detects jumps in the offsets a consumer receives, to heal a known Tansu defect.
///
/// Without transactions or compaction the offsets of a partition are contiguous. Tansu 0.6.0 can hand a consumer at
/// the end of a partition a later batch before an earlier one is readable, and librdkafka then moves past the
/// missing offsets for good. The records are stored; re-reading from the first missing offset returns them.
///
/// This is a pure state machine: the consumer feeds it every fetched offset and performs the verdict (deliver, drop,
/// seek back). After a `.seekBack` verdict the caller must drop the partition's remaining records of the same fetch
/// and seek; the detector keeps expecting the missing offset. After `maxRetries` seeks back to the same offset it
/// accepts the gap as genuine (transactions or compaction leave real gaps) and moves on.
///
/// - Important: The expected offset of a partition is unknown until it is seeded (by the consumer: the committed
///   offset on assignment, or the low watermark when nothing is committed and `auto.offset.reset` is earliest) or a
///   first record arrives; a gap before the first record seen of an unseeded partition cannot be detected.
public struct OffsetGapDetector: Sendable {
    /// What to do with one fetched record.
    public enum Verdict: Hashable, Sendable {
        /// The record is the next expected one: hand it to the stage.
        case deliver
        /// The record was already delivered (a re-read overlapping earlier records): drop it.
        case dropDuplicate
        /// Records are missing before this one: drop it and every later record of this partition in the same
        /// fetch, and seek the partition back to `offset`. `attempt` counts seeks back to this offset, from 1.
        case seekBack(offset: Int64, attempt: Int)
        /// The gap persisted through `maxRetries` re-reads: deliver this record and accept that
        /// `expected..<got` is missing.
        case acceptGap(expected: Int64, got: Int64)
    }

    private struct PartitionState: Sendable {
        var expected: Int64?
        var retriedOffset: Int64?
        var retries = 0
    }

    /// How many seeks back to the same missing offset are attempted before accepting the gap.
    public let maxRetries: Int
    private var partitions: [KafkaTopicPartition: PartitionState] = [:]

    public init(maxRetries: Int) {
        self.maxRetries = max(0, maxRetries)
    }

    /// The next offset expected for `partition`, if known.
    public func expectedOffset(of partition: KafkaTopicPartition) -> Int64? {
        partitions[partition]?.expected
    }

    /// Starts tracking `partition` at `nextOffset` (its committed offset), or unknown when nil.
    public mutating func seed(_ partition: KafkaTopicPartition, nextOffset: Int64?) {
        partitions[partition] = PartitionState(expected: nextOffset.flatMap { $0 >= 0 ? $0 : nil })
    }

    /// Stops tracking `partition` (it was revoked).
    public mutating func forget(_ partition: KafkaTopicPartition) {
        partitions[partition] = nil
    }

    /// Judges one fetched record.
    public mutating func observe(_ partition: KafkaTopicPartition, offset: Int64) -> Verdict {
        var state = partitions[partition] ?? PartitionState()
        defer { partitions[partition] = state }
        guard let expected = state.expected else {
            state.expected = offset + 1
            return .deliver
        }
        if offset == expected {
            state.expected = offset + 1
            state.retriedOffset = nil
            state.retries = 0
            return .deliver
        }
        if offset < expected {
            return .dropDuplicate
        }
        if state.retriedOffset != expected {
            state.retriedOffset = expected
            state.retries = 0
        }
        if state.retries < maxRetries {
            state.retries += 1
            return .seekBack(offset: expected, attempt: state.retries)
        }
        state.expected = offset + 1
        state.retriedOffset = nil
        state.retries = 0
        return .acceptGap(expected: expected, got: offset)
    }
}
