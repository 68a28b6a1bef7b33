import CRdKafka
import Logging

/// Measures how far a consumer group is behind on chosen partitions: the group's committed offset against each
/// partition's watermarks (``KafkaPartitionOffsets/lag``). A stage asks it periodically for the partitions its
/// ``KafkaConsumer`` owns and publishes the result as its consumer-lag gauge.
///
/// It has an `rd_kafka_t` of its own, a consumer handle with the group's `group.id` (so `rd_kafka_committed` asks the
/// group's coordinator) that never subscribes: it never joins the group and never causes a rebalance. Every call
/// runs its blocking requests (one OffsetFetch, one ListOffsets per partition) on a dedicated thread.
///
/// - Important: Tansu's high watermark lags behind the log while records are being appended (905 reported for
///   1,000 stored records was seen), so on Tansu the lag reads low while producers are busy; it is never negative.
///   On Kafka the watermark is exact.
///
/// `@unchecked Sendable`: the `rd_kafka_t` is thread-safe; calls share no Swift state.
public final class KafkaLagProbe: @unchecked Sendable {
    private let client: OpaquePointer
    private let mainQueue: OpaquePointer
    private let groupID: String
    private let timeoutMilliseconds: Int32
    private let logger: Logger

    /// - Parameters:
    ///   - configuration: the stage consumer's settings; its brokers, group and extra properties are used, its topics
    ///     are not (the caller names partitions). The probe's `client.id` gets the suffix `-lag`.
    ///   - requestTimeout: how long each broker request may take. Default: 5 s.
    public init(consumer configuration: KafkaConsumerConfiguration, requestTimeout: Duration = .seconds(5), logger: Logger) throws {
        self.groupID = configuration.groupID
        self.timeoutMilliseconds = Int32(clamping: max(1, requestTimeout.milliseconds))
        self.logger = logger
        let properties = configuration.properties.map { key, value in
            key == "client.id" ? (key, value + "-lag") : (key, value)
        }
        self.client = try makeRdKafkaHandle(
            type: RD_KAFKA_CONSUMER, properties: properties, events: Int32(RD_KAFKA_EVENT_LOG | RD_KAFKA_EVENT_ERROR))
        self.mainQueue = rd_kafka_queue_get_main(client)
    }

    deinit {
        // Never subscribed: closing only stops the group machinery librdkafka started for `group.id`.
        rd_kafka_consumer_close(client)
        drainLogs()
        rd_kafka_queue_destroy(mainQueue)
        rd_kafka_destroy(client)
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
            defer { drainLogs() }
            let list = makePartitionList(partitions.map { ($0, Int64(RD_KAFKA_OFFSET_INVALID)) })
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let err = rd_kafka_committed(client, list, timeoutMilliseconds)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError.rdKafka(.metadata, err, "could not fetch the committed offsets of group '\(groupID)'")
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

    /// Logs the events librdkafka queued since the last call (this client has no event thread).
    private func drainLogs() { drainQueuedLogEvents(mainQueue, logger: logger) }
}
