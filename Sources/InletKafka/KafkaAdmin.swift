import CRdKafka
import Logging
import Synchronization

/// A topic to create.
public struct KafkaTopicSpecification: Sendable {
    public var name: String
    public var partitions: Int
    /// Default: 1 (Tansu is a single broker).
    public var replicationFactor: Int
    /// Topic configs such as `retention.ms`. Default: empty.
    public var configs: [String: String]

    public init(name: String, partitions: Int, replicationFactor: Int = 1, configs: [String: String] = [:]) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.configs = configs
    }
}

/// A topic as the cluster metadata describes it.
public struct KafkaTopicMetadata: Hashable, Sendable {
    public var name: String
    public var partitionCount: Int

    public init(name: String, partitionCount: Int) {
        self.name = name
        self.partitionCount = partitionCount
    }
}

/// Where a group stands on one partition.
public struct KafkaPartitionOffsets: Hashable, Sendable {
    public var topicPartition: KafkaTopicPartition
    /// The group's committed offset (the next record it will read), nil when it never committed.
    public var committed: Int64?
    /// Low and high watermarks. Tansu's high watermark lags the log, so lag computed from it under-reports.
    public var low: Int64
    public var high: Int64

    public init(topicPartition: KafkaTopicPartition, committed: Int64?, low: Int64, high: Int64) {
        self.topicPartition = topicPartition
        self.committed = committed
        self.low = low
        self.high = high
    }

    /// `high - committed` (or `high - low` without a commit), never negative.
    public var lag: Int64 { max(0, high - (committed ?? low)) }
}

/// Topic administration and metadata queries (`inlet init`, `inlet status`).
///
/// Every call runs its blocking librdkafka request on a dedicated thread.
///
/// `@unchecked Sendable`: the `rd_kafka_t` is thread-safe; requests share no Swift state.
public final class KafkaAdmin: @unchecked Sendable {
    private let client: OpaquePointer
    private let mainQueue: OpaquePointer
    private let configuration: KafkaAdminConfiguration
    private let logger: Logger

    public init(configuration: KafkaAdminConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        self.client = try makeRdKafkaHandle(
            type: RD_KAFKA_PRODUCER, properties: configuration.properties,
            events: Int32(RD_KAFKA_EVENT_LOG | RD_KAFKA_EVENT_ERROR)
        )
        self.mainQueue = rd_kafka_queue_get_main(client)
    }

    deinit {
        drainLogs()
        rd_kafka_queue_destroy(mainQueue)
        rd_kafka_destroy(client)
    }

    private var timeoutMilliseconds: Int32 { Int32(configuration.requestTimeout.milliseconds) }

    /// Logs the events librdkafka queued since the last call (this client has no event thread).
    private func drainLogs() { drainQueuedLogEvents(mainQueue, logger: logger) }

    /// Creates `topics`; a topic that already exists is not an error (whatever its partition count).
    ///
    /// - Returns: the names of the topics this call created.
    @discardableResult
    public func createTopics(_ topics: [KafkaTopicSpecification]) async throws -> [String] {
        guard !topics.isEmpty else { return [] }
        return try await onDedicatedThread(name: "inlet-kafka-admin") { [self] in
            defer { drainLogs() }
            var errorBuffer = [CChar](repeating: 0, count: 512)
            var newTopics: [OpaquePointer?] = []
            defer { newTopics.forEach { rd_kafka_NewTopic_destroy($0) } }
            for topic in topics {
                guard let newTopic = rd_kafka_NewTopic_new(topic.name, Int32(topic.partitions), Int32(topic.replicationFactor), &errorBuffer, errorBuffer.count) else {
                    throw KafkaError(code: .admin, reason: "invalid topic '\(topic.name)': \(string(fromNulTerminated: errorBuffer))")
                }
                newTopics.append(newTopic)
                for (key, value) in topic.configs.sorted(by: { $0.key < $1.key }) {
                    let err = rd_kafka_NewTopic_set_config(newTopic, key, value)
                    guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                        throw KafkaError.rdKafka(.admin, err, "invalid config '\(key)' for topic '\(topic.name)'")
                    }
                }
            }
            let resultQueue = rd_kafka_queue_new(client)!
            defer { rd_kafka_queue_destroy(resultQueue) }
            let options = rd_kafka_AdminOptions_new(client, RD_KAFKA_ADMIN_OP_CREATETOPICS)
            defer { rd_kafka_AdminOptions_destroy(options) }
            _ = rd_kafka_AdminOptions_set_request_timeout(options, timeoutMilliseconds, &errorBuffer, errorBuffer.count)
            _ = rd_kafka_AdminOptions_set_operation_timeout(options, timeoutMilliseconds, &errorBuffer, errorBuffer.count)
            newTopics.withUnsafeMutableBufferPointer { buffer in
                rd_kafka_CreateTopics(client, buffer.baseAddress, buffer.count, options, resultQueue)
            }
            guard let event = rd_kafka_queue_poll(resultQueue, timeoutMilliseconds + 5000) else {
                throw KafkaError(code: .admin, reason: "CreateTopics got no answer in time; check that the broker at \(configuration.brokers) is up", isRetriable: true)
            }
            defer { rd_kafka_event_destroy(event) }
            let err = rd_kafka_event_error(event)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError.rdKafka(.admin, err, "CreateTopics failed")
            }
            var count = 0
            guard let results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count) else { return [] }
            var created: [String] = []
            for index in 0..<count {
                let result = results[index]
                let name = String(cString: rd_kafka_topic_result_name(result))
                let topicErr = rd_kafka_topic_result_error(result)
                switch topicErr {
                case RD_KAFKA_RESP_ERR_NO_ERROR: created.append(name)
                case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS: continue
                default:
                    let message = rd_kafka_topic_result_error_string(result).map { String(cString: $0) } ?? ""
                    throw KafkaError.rdKafka(.admin, topicErr, "could not create topic '\(name)' (\(message))")
                }
            }
            return created
        }
    }

    /// Lists the cluster's topics with their partition counts (internal topics such as `__consumer_offsets`
    /// included), sorted by name.
    public func listTopics() async throws -> [KafkaTopicMetadata] {
        try await onDedicatedThread(name: "inlet-kafka-admin") { [self] in
            defer { drainLogs() }
            var metadata: UnsafePointer<rd_kafka_metadata>?
            let err = rd_kafka_metadata(client, 1, nil, &metadata, timeoutMilliseconds)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
                throw KafkaError.rdKafka(.metadata, err, "could not fetch cluster metadata from \(configuration.brokers)")
            }
            defer { rd_kafka_metadata_destroy(metadata) }
            let topics = (0..<Int(metadata.pointee.topic_cnt)).compactMap { index -> KafkaTopicMetadata? in
                let topic = metadata.pointee.topics[index]
                guard topic.err == RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
                return KafkaTopicMetadata(name: String(cString: topic.topic), partitionCount: Int(topic.partition_cnt))
            }
            return topics.sorted { $0.name < $1.name }
        }
    }

    /// The committed offsets of `groupID` and the watermarks of every partition of `topics`.
    public func groupOffsets(groupID: String, topics: [String]) async throws -> [KafkaPartitionOffsets] {
        let partitionCounts = Dictionary(uniqueKeysWithValues: try await listTopics().map { ($0.name, $0.partitionCount) })
        let partitions = topics.flatMap { topic in
            (0..<Int32(partitionCounts[topic] ?? 0)).map { KafkaTopicPartition(topic: topic, partition: $0) }
        }
        guard !partitions.isEmpty else { return [] }
        return try await onDedicatedThread(name: "inlet-kafka-admin") { [self] in
            defer { drainLogs() }
            // rd_kafka_committed needs a handle that belongs to the group; it never subscribes, so it never joins.
            var properties = configuration.properties
            properties += [("group.id", groupID), ("enable.auto.commit", "false")]
            let groupClient = try makeRdKafkaHandle(type: RD_KAFKA_CONSUMER, properties: properties, events: 0)
            defer { rd_kafka_destroy(groupClient) }
            let list = makePartitionList(partitions.map { ($0, Int64(RD_KAFKA_OFFSET_INVALID)) })
            defer { rd_kafka_topic_partition_list_destroy(list) }
            let err = rd_kafka_committed(groupClient, list, timeoutMilliseconds)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError.rdKafka(.metadata, err, "could not fetch committed offsets of group '\(groupID)'")
            }
            let committed = readPartitionList(list)
            return try committed.map { entry in
                var low: Int64 = 0
                var high: Int64 = 0
                let watermarkErr = rd_kafka_query_watermark_offsets(
                    client, entry.partition.topic, entry.partition.partition, &low, &high, timeoutMilliseconds
                )
                guard watermarkErr == RD_KAFKA_RESP_ERR_NO_ERROR else {
                    throw KafkaError.rdKafka(.metadata, watermarkErr, "could not fetch watermarks of \(entry.partition)")
                }
                return KafkaPartitionOffsets(
                    topicPartition: entry.partition, committed: entry.offset >= 0 ? entry.offset : nil, low: low, high: high
                )
            }
        }
    }
}
