import InletCore
import InletKafka

/// The headers `inlet replay` and `inlet dlq redrive` put on the records they re-produce.
///
/// The replay ID travels as the CloudEvents extension `ce_inletreplayid` (``Envelope/Header/replayID``), which the
/// mapper copies onto the model records it derives and the deliverer passes to subscribers as `inletreplayid`.
/// Where the record was read from travels in three `inlet-replay-*` headers, so the stage that consumes
/// `inlet.replay.<stage>` knows the original input topic (the deduplicator and the persister pick their unique
/// topic or table by it), and anybody can trace a replayed record back. A replay for one deliverer subscription
/// (`inlet replay run --stage deliverer --subscription ID`) also sets ``subscription``.
public enum ReplayHeader {
    /// `ce_inletreplayid`: the replay's (or redrive's) ID.
    public static let replayID = Envelope.Header.replayID
    /// The topic the record was read from.
    public static let originalTopic = ReplayOrigin.topicHeader
    /// Its partition, decimal.
    public static let originalPartition = ReplayOrigin.partitionHeader
    /// Its offset, decimal.
    public static let originalOffset = ReplayOrigin.offsetHeader
    /// `inlet-dlq-subscription` (``DeadLetter/Header/subscription``): the one deliverer subscription the record is
    /// for; every other subscription's loop skips it.
    public static let subscription = DeadLetter.Header.subscription

    static let ownHeaders: Set<String> = [replayID, originalTopic, originalPartition, originalOffset]

    /// The record to re-produce to `topic`: `original`'s key, value and headers, with the replay headers of this
    /// replay (earlier replay headers replaced, so a record replayed twice names its latest replay). A record read
    /// from a replay topic keeps its origin headers, so the origin always names the pipeline topic it first came from.
    /// - Parameters:
    ///   - origin: where the record came from when that is not where it was read (a dead letter names its original
    ///     topic); default: the record's own coordinates.
    ///   - subscription: the deliverer subscription the record is for: replaces any ``subscription`` header the
    ///     record carries. Nil keeps the record's own (a redriven deliverer dead letter goes back to the
    ///     subscription it failed for).
    public static func record(
        replaying original: KafkaRecord, to topic: String, replayID: String,
        origin explicitOrigin: (topic: String, partition: Int32, offset: Int64)? = nil, subscription target: String? = nil
    ) -> KafkaProducerRecord {
        let earlier = original.headers
        let source = explicitOrigin ?? (original.topic, original.partition, original.offset)
        var origin = (topic: source.topic, partition: String(source.partition), offset: String(source.offset))
        if let topic = earlier.first(originalTopic), let partition = earlier.first(originalPartition),
           let offset = earlier.first(originalOffset) {
            origin = (topic, partition, offset)
        }
        var headers = earlier.filter { !ownHeaders.contains($0.key) && (target == nil || $0.key != subscription) }
        headers += [
            KafkaHeader(key: Self.replayID, string: replayID),
            KafkaHeader(key: originalTopic, string: origin.topic),
            KafkaHeader(key: originalPartition, string: origin.partition),
            KafkaHeader(key: originalOffset, string: origin.offset),
        ]
        if let target { headers.append(KafkaHeader(key: subscription, string: target)) }
        return KafkaProducerRecord(topic: topic, key: original.key, value: original.value, headers: headers)
    }
}
