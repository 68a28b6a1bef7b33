import CRdKafka
import Logging

/// One member of a consumer group, as the group coordinator describes it.
public struct KafkaConsumerGroupMember: Hashable, Sendable {
    /// The member ID the coordinator assigned (`consumer_id`).
    public var memberID: String
    /// The member's `client.id`.
    public var clientID: String
    /// The host the member connected from, as the broker saw it.
    public var host: String
    /// The partitions assigned to the member (empty while the group rebalances).
    public var assignment: [KafkaTopicPartition]

    public init(memberID: String, clientID: String, host: String, assignment: [KafkaTopicPartition]) {
        self.memberID = memberID
        self.clientID = clientID
        self.host = host
        self.assignment = assignment
    }
}

/// A consumer group as the group coordinator describes it.
public struct KafkaConsumerGroupDescription: Hashable, Sendable {
    public var groupID: String
    /// librdkafka's name of the group state: `Stable`, `Empty`, `PreparingRebalance`, `CompletingRebalance`, `Dead`
    /// or `Unknown`. A group that never existed is reported as `Dead` (Kafka) or `Empty`/`Unknown` (some brokers).
    public var state: String
    /// The partition assignor the members agreed on (`range`, `cooperative-sticky`, …); empty when none. Tansu puts
    /// a member ID here instead.
    public var partitionAssignor: String
    public var members: [KafkaConsumerGroupMember]

    public init(groupID: String, state: String, partitionAssignor: String, members: [KafkaConsumerGroupMember]) {
        self.groupID = groupID
        self.state = state
        self.partitionAssignor = partitionAssignor
        self.members = members
    }

    /// True while the group has, or may have, live members, whose commits would overwrite offsets altered from
    /// outside: members are listed, or the state is neither `Empty` nor `Dead`. Tansu lists no members even for a
    /// `Stable` group (and reports a joining group as `Unknown`), so there the state decides.
    public var hasLiveMembers: Bool { !members.isEmpty || !["Empty", "Dead"].contains(state) }
}

/// The low and high watermark of one partition.
///
/// - Important: Tansu's high watermark lags behind the log while records are being appended (905 reported for
///   1,000 stored records was seen), so a count or lag computed from it can under-report.
public struct KafkaWatermarks: Hashable, Sendable {
    /// The first offset still stored.
    public var low: Int64
    /// The offset the next record will get: one past the last stored record.
    public var high: Int64

    public init(low: Int64, high: Int64) {
        self.low = low
        self.high = high
    }

    /// `high - low`: how many records the partition holds (without compaction or transactions).
    public var count: Int64 { max(0, high - low) }
}

/// Consumer-group administration for operator tools (`inlet replay rewind`, `inlet status`, `inlet dlq`): describe a
/// group, read and alter its committed offsets, look offsets up by time, read watermarks and partition counts.
///
/// A sibling of ``KafkaAdmin`` with its own `rd_kafka_t` (``KafkaAdmin`` keeps its handle private). Every call runs
/// its blocking librdkafka request on a dedicated thread.
///
/// `@unchecked Sendable`: the `rd_kafka_t` is thread-safe; requests share no Swift state.
public final class KafkaConsumerGroupAdmin: @unchecked Sendable {
    private let client: OpaquePointer
    private let mainQueue: OpaquePointer
    private let configuration: KafkaAdminConfiguration
    private let logger: Logger

    public init(configuration: KafkaAdminConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        self.client = try makeRdKafkaHandle(
            type: RD_KAFKA_PRODUCER, properties: configuration.properties,
            events: Int32(RD_KAFKA_EVENT_LOG | RD_KAFKA_EVENT_ERROR))
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

    /// Describes `groupID`: state and live members with their assignments.
    ///
    /// - Throws: ``KafkaError/Code/admin`` when the coordinator cannot be reached or refuses.
    public func describeConsumerGroup(_ groupID: String) async throws -> KafkaConsumerGroupDescription {
        try await adminRequest(
            operation: RD_KAFKA_ADMIN_OP_DESCRIBECONSUMERGROUPS, name: "DescribeConsumerGroups",
            send: { client, options, queue in
                groupID.withCString { name in
                    var names: [UnsafePointer<CChar>?] = [name]
                    names.withUnsafeMutableBufferPointer { buffer in
                        rd_kafka_DescribeConsumerGroups(client, buffer.baseAddress, 1, options, queue)
                    }
                }
            },
            read: { event in
                var count = 0
                guard let groups = rd_kafka_DescribeConsumerGroups_result_groups(
                    rd_kafka_event_DescribeConsumerGroups_result(event), &count), count > 0, let group = groups[0]
                else {
                    throw KafkaError(code: .admin, reason: "DescribeConsumerGroups returned no description of group '\(groupID)'")
                }
                if let error = rd_kafka_ConsumerGroupDescription_error(group) {
                    throw KafkaError.rdKafka(.admin, rd_kafka_error_code(error), "could not describe group '\(groupID)'")
                }
                let members = (0..<rd_kafka_ConsumerGroupDescription_member_count(group)).compactMap { index -> KafkaConsumerGroupMember? in
                    guard let member = rd_kafka_ConsumerGroupDescription_member(group, index) else { return nil }
                    let assigned = rd_kafka_MemberDescription_assignment(member).flatMap { rd_kafka_MemberAssignment_partitions($0) }
                    return KafkaConsumerGroupMember(
                        memberID: optionalString(rd_kafka_MemberDescription_consumer_id(member)),
                        clientID: optionalString(rd_kafka_MemberDescription_client_id(member)),
                        host: optionalString(rd_kafka_MemberDescription_host(member)),
                        assignment: readPartitionList(assigned).map(\.partition).sorted(by: partitionOrder))
                }
                return KafkaConsumerGroupDescription(
                    groupID: groupID,
                    state: String(cString: rd_kafka_consumer_group_state_name(rd_kafka_ConsumerGroupDescription_state(group))),
                    partitionAssignor: optionalString(rd_kafka_ConsumerGroupDescription_partition_assignor(group)),
                    members: members.sorted { $0.memberID < $1.memberID })
            })
    }

    /// Every offset `groupID` has committed (the next record it will read), by partition. A group that never
    /// committed has none.
    public func committedOffsets(groupID: String) async throws -> [KafkaTopicPartition: Int64] {
        try await adminRequest(
            operation: RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPOFFSETS, name: "ListConsumerGroupOffsets",
            send: { client, options, queue in
                // NULL partitions: every partition the group committed.
                var request: [OpaquePointer?] = [rd_kafka_ListConsumerGroupOffsets_new(groupID, nil)]
                defer { rd_kafka_ListConsumerGroupOffsets_destroy_array(&request, 1) }
                rd_kafka_ListConsumerGroupOffsets(client, &request, 1, options, queue)
            },
            read: { event in
                var count = 0
                guard let results = rd_kafka_ListConsumerGroupOffsets_result_groups(
                    rd_kafka_event_ListConsumerGroupOffsets_result(event), &count), count > 0
                else { return [:] }
                return try readGroupResultOffsets(results[0], groupID: groupID, action: "read the committed offsets of")
            })
    }

    /// Sets the committed offsets of `groupID`: for each partition, the offset of the next record the group will
    /// read.
    ///
    /// Kafka refuses this (per partition, `UNKNOWN_MEMBER_ID`) while the group has live members subscribed to the
    /// topic; check ``describeConsumerGroup(_:)`` first. A broker that accepts it anyway lets the running members
    /// overwrite the offsets with their next commit.
    ///
    /// - Returns: the offsets the broker confirmed.
    /// - Throws: ``KafkaError/Code/admin`` naming the first partition the broker refused.
    @discardableResult
    public func alterCommittedOffsets(
        groupID: String, offsets: [KafkaTopicPartition: Int64]
    ) async throws -> [KafkaTopicPartition: Int64] {
        guard !offsets.isEmpty else { return [:] }
        let sorted = offsets.sorted { partitionOrder($0.key, $1.key) }
        return try await adminRequest(
            operation: RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS, name: "AlterConsumerGroupOffsets",
            send: { client, options, queue in
                let list = makePartitionList(sorted.map { ($0.key, $0.value) })
                defer { rd_kafka_topic_partition_list_destroy(list) }
                var request: [OpaquePointer?] = [rd_kafka_AlterConsumerGroupOffsets_new(groupID, list)]
                defer { rd_kafka_AlterConsumerGroupOffsets_destroy_array(&request, 1) }
                rd_kafka_AlterConsumerGroupOffsets(client, &request, 1, options, queue)
            },
            read: { event in
                var count = 0
                guard let results = rd_kafka_AlterConsumerGroupOffsets_result_groups(
                    rd_kafka_event_AlterConsumerGroupOffsets_result(event), &count), count > 0
                else {
                    throw KafkaError(code: .admin, reason: "AlterConsumerGroupOffsets returned no result for group '\(groupID)'")
                }
                return try readGroupResultOffsets(results[0], groupID: groupID, action: "alter the committed offsets of")
            })
    }

    /// For each partition, the earliest offset whose record timestamp is at or after the given time (milliseconds
    /// since the epoch), or the high watermark when no record is that recent.
    public func offsets(
        forTimestamps timestamps: [KafkaTopicPartition: Int64]
    ) async throws -> [KafkaTopicPartition: Int64] {
        guard !timestamps.isEmpty else { return [:] }
        let sorted = timestamps.sorted { partitionOrder($0.key, $1.key) }
        let found: [(partition: KafkaTopicPartition, offset: Int64, err: rd_kafka_resp_err_t)] =
            try await onDedicatedThread(name: "inlet-kafka-admin") { [self] in
                defer { drainLogs() }
                let list = makePartitionList(sorted.map { ($0.key, $0.value) })
                defer { rd_kafka_topic_partition_list_destroy(list) }
                let err = rd_kafka_offsets_for_times(client, list, timeoutMilliseconds)
                guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                    throw KafkaError.rdKafka(.metadata, err, "could not look up offsets by time")
                }
                return readPartitionList(list)
            }
        var result: [KafkaTopicPartition: Int64] = [:]
        var needHigh: [KafkaTopicPartition] = []
        for entry in found {
            guard entry.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                throw KafkaError.rdKafka(.metadata, entry.err, "could not look up the offset by time of \(entry.partition)")
            }
            // -1 (OFFSET_END): no record at or after that time; reading from the end is what that means.
            if entry.offset >= 0 { result[entry.partition] = entry.offset } else { needHigh.append(entry.partition) }
        }
        if !needHigh.isEmpty {
            for (partition, marks) in try await watermarks(of: needHigh) { result[partition] = marks.high }
        }
        return result
    }

    /// The watermarks of `partitions`.
    public func watermarks(of partitions: [KafkaTopicPartition]) async throws -> [KafkaTopicPartition: KafkaWatermarks] {
        guard !partitions.isEmpty else { return [:] }
        return try await onDedicatedThread(name: "inlet-kafka-admin") { [self] in
            defer { drainLogs() }
            var result: [KafkaTopicPartition: KafkaWatermarks] = [:]
            for partition in partitions {
                var low: Int64 = 0
                var high: Int64 = 0
                let err = rd_kafka_query_watermark_offsets(
                    client, partition.topic, partition.partition, &low, &high, timeoutMilliseconds)
                guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                    throw KafkaError.rdKafka(.metadata, err, "could not fetch the watermarks of \(partition)")
                }
                result[partition] = KafkaWatermarks(low: low, high: high)
            }
            return result
        }
    }

    /// Every partition of `topics`, from cluster metadata, in topic then partition order.
    /// - Throws: ``KafkaError/Code/metadata`` naming a topic the broker does not have.
    public func partitions(of topics: [String]) async throws -> [KafkaTopicPartition] {
        guard !topics.isEmpty else { return [] }
        let counts = try await partitionCounts()
        return try topics.flatMap { topic -> [KafkaTopicPartition] in
            guard let count = counts[topic] else {
                throw KafkaError(
                    code: .metadata,
                    reason: "topic '\(topic)' does not exist on the broker at \(configuration.brokers); check the name, or run `inlet topics create`")
            }
            return (0..<Int32(count)).map { KafkaTopicPartition(topic: topic, partition: $0) }
        }
    }

    /// The partition count of every topic the broker has, by name.
    public func partitionCounts() async throws -> [String: Int] {
        try await onDedicatedThread(name: "inlet-kafka-admin") { [self] in
            defer { drainLogs() }
            var metadata: UnsafePointer<rd_kafka_metadata>?
            let err = rd_kafka_metadata(client, 1, nil, &metadata, timeoutMilliseconds)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
                throw KafkaError.rdKafka(.metadata, err, "could not fetch cluster metadata from \(configuration.brokers)")
            }
            defer { rd_kafka_metadata_destroy(metadata) }
            var counts: [String: Int] = [:]
            for index in 0..<Int(metadata.pointee.topic_cnt) {
                let topic = metadata.pointee.topics[index]
                if topic.err == RD_KAFKA_RESP_ERR_NO_ERROR { counts[String(cString: topic.topic)] = Int(topic.partition_cnt) }
            }
            return counts
        }
    }

    /// How long one metadata round trip takes: a cheap liveness probe of the broker.
    public func ping() async throws -> Duration {
        let clock = ContinuousClock()
        let start = clock.now
        try await onDedicatedThread(name: "inlet-kafka-admin") { [self] in
            defer { drainLogs() }
            var metadata: UnsafePointer<rd_kafka_metadata>?
            let err = rd_kafka_metadata(client, 0, nil, &metadata, timeoutMilliseconds)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
                throw KafkaError.rdKafka(.metadata, err, "the broker at \(configuration.brokers) did not answer a metadata request")
            }
            rd_kafka_metadata_destroy(metadata)
        }
        return clock.now - start
    }

    // MARK: Request plumbing

    /// Sends one admin request on a dedicated thread, waits for its result event and reads it.
    private func adminRequest<T: Sendable>(
        operation: rd_kafka_admin_op_t, name: String,
        send: @escaping @Sendable (OpaquePointer, OpaquePointer?, OpaquePointer) -> Void,
        read: @escaping @Sendable (OpaquePointer) throws -> T
    ) async throws -> T {
        try await onDedicatedThread(name: "inlet-kafka-admin") { [self] in
            defer { drainLogs() }
            let client = client
            let timeout = timeoutMilliseconds
            var errorBuffer = [CChar](repeating: 0, count: 512)
            let resultQueue = rd_kafka_queue_new(client)!
            defer { rd_kafka_queue_destroy(resultQueue) }
            let options = rd_kafka_AdminOptions_new(client, operation)
            defer { rd_kafka_AdminOptions_destroy(options) }
            _ = rd_kafka_AdminOptions_set_request_timeout(options, timeout, &errorBuffer, errorBuffer.count)
            send(client, options, resultQueue)
            guard let event = rd_kafka_queue_poll(resultQueue, timeout + 5000) else {
                throw KafkaError(code: .admin, reason: "\(name) got no answer in time; check that the broker at \(configuration.brokers) is up", isRetriable: true)
            }
            defer { rd_kafka_event_destroy(event) }
            let err = rd_kafka_event_error(event)
            guard err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                let text = rd_kafka_event_error_string(event).map { String(cString: $0) } ?? ""
                throw KafkaError.rdKafka(.admin, err, "\(name) failed (\(text))")
            }
            return try read(event)
        }
    }
}

/// Reads the offsets of a group result (ListConsumerGroupOffsets, AlterConsumerGroupOffsets), throwing the group's
/// or the first partition's error.
private func readGroupResultOffsets(
    _ result: OpaquePointer?, groupID: String, action: String
) throws -> [KafkaTopicPartition: Int64] {
    guard let result else { return [:] }
    if let error = rd_kafka_group_result_error(result) {
        throw KafkaError.rdKafka(.admin, rd_kafka_error_code(error), "could not \(action) group '\(groupID)'")
    }
    var offsets: [KafkaTopicPartition: Int64] = [:]
    for entry in readPartitionList(rd_kafka_group_result_partitions(result)) {
        guard entry.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError.rdKafka(.admin, entry.err, "could not \(action) group '\(groupID)' on \(entry.partition)")
        }
        if entry.offset >= 0 { offsets[entry.partition] = entry.offset }
    }
    return offsets
}

private func optionalString(_ pointer: UnsafePointer<CChar>?) -> String {
    pointer.map { String(cString: $0) } ?? ""
}

/// Topic, then partition number.
func partitionOrder(_ lhs: KafkaTopicPartition, _ rhs: KafkaTopicPartition) -> Bool {
    (lhs.topic, lhs.partition) < (rhs.topic, rhs.partition)
}
