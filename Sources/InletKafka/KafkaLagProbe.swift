import CRdKafka

/// Measures how far a consumer group is behind on chosen partitions: the group's committed offset against each
/// partition's watermarks (``KafkaPartitionOffsets/lag``). A stage asks it periodically for the partitions its
/// ``KafkaConsumer`` owns and publishes the result as its consumer-lag gauge.
///
/// It asks through the stage consumer's own `rd_kafka_t` (OffsetFetch to the group's coordinator, ListOffsets to
/// each partition's leader), which librdkafka allows from any thread. An earlier version opened a handle of its own
/// per consumer: four more librdkafka threads and a broker connection for every consumer, which the deliverer,
/// with one consumer per subscription, paid per subscription. Every call runs its blocking requests on a dedicated
/// thread, and the probe keeps the consumer (and so its handle) alive while it exists.
///
/// - Important: Tansu's high watermark lags behind the log while records are being appended (905 reported for
///   1,000 stored records was seen), so on Tansu the lag reads low while producers are busy; it is never negative.
///   On Kafka the watermark is exact.
///
/// `@unchecked Sendable`: the `rd_kafka_t` is thread-safe; calls share no Swift state.
public final class KafkaLagProbe: @unchecked Sendable {
    /// Owns the handle; held so it outlives every call.
    private let consumer: KafkaConsumer
    private let timeoutMilliseconds: Int32

    /// - Parameters:
    ///   - consumer: the stage's consumer, running or not; its group's offsets are read through its handle.
    ///   - requestTimeout: how long each broker request may take. Default: 5 s.
    public init(consumer: KafkaConsumer, requestTimeout: Duration = .seconds(5)) {
        self.consumer = consumer
        self.timeoutMilliseconds = Int32(clamping: max(1, requestTimeout.milliseconds))
    }

    /// The group's committed offset and the watermarks of each of `partitions`, in the order given.
    ///
    /// A partition the group never committed has `committed == nil`; its ``KafkaPartitionOffsets/lag`` then counts
    /// from the low watermark.
    /// - Throws: ``KafkaError/Code/metadata`` when the coordinator or a partition leader does not answer within the
    ///   request timeout; the error names the group or partition.
    public func offsets(of partitions: [KafkaTopicPartition]) async throws -> [KafkaPartitionOffsets] {
        guard !partitions.isEmpty else { return [] }
        return try await onDedicatedThread(name: "inlet-kafka-lag") { [self] in
            let client = consumer.client
            let list = makePartitionList(partitions.map { ($0, Int64(RD_KAFKA_OFFSET_INVALID)) })
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let err = rd_kafka_committed(client, list, timeoutMilliseconds)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError.rdKafka(.metadata, err, "could not fetch the committed offsets of group '\(consumer.groupID)'")
            }
            return try readPartitionList(list).map { entry in
                var low: Int64 = 0
                var high: Int64 = 0
                let watermarkErr = rd_kafka_query_watermark_offsets(
                    client, entry.partition.topic, entry.partition.partition, &low, &high, timeoutMilliseconds)
                guard watermarkErr == RD_KAFKA_RESP_ERR_NO_ERROR else {
                    throw KafkaError.rdKafka(.metadata, watermarkErr, "could not fetch the watermarks of \(entry.partition)")
                }
                let committed = entry.err == RD_KAFKA_RESP_ERR_NO_ERROR && entry.offset >= 0 ? entry.offset : nil
                return KafkaPartitionOffsets(topicPartition: entry.partition, committed: committed, low: low, high: high)
            }
        }
    }
}
