import InletKafka

/// Moves a consumer group's committed offsets (`inlet replay rewind`): the stage then re-reads from there when it
/// next starts.
///
/// The group must have no live members: Kafka refuses to alter offsets of an active group, and a broker that
/// accepts it anyway (Tansu does) lets the running members overwrite the new offsets with their next commit. So the
/// rewinder refuses unless forced, and says which members to stop.
public struct ConsumerGroupRewinder: Sendable {
    /// One partition's move.
    public struct Move: Hashable, Sendable {
        public var partition: KafkaTopicPartition
        /// The offset committed before, nil when the group never committed on this partition.
        public var from: Int64?
        public var to: Int64
        /// `to - from`: negative when rewinding (records will be read again), positive when skipping ahead.
        public var delta: Int64? { from.map { to - $0 } }
    }

    /// What a rewind will do (or did).
    public struct Plan: Sendable {
        public var groupID: String
        public var position: StreamPosition
        public var moves: [Move]
        /// The group as it was described before the change.
        public var group: KafkaConsumerGroupDescription
    }

    let admin: KafkaConsumerGroupAdmin
    let resolver: OffsetResolver

    public init(admin: KafkaConsumerGroupAdmin, resolver: OffsetResolver) {
        self.admin = admin
        self.resolver = resolver
    }

    /// Works out the moves without changing anything.
    /// - Parameter topics: the topics to move the group on (all their partitions).
    public func plan(groupID: String, topics: [String], to position: StreamPosition) async throws -> Plan {
        let group = try await admin.describeConsumerGroup(groupID)
        let partitions = try await admin.partitions(of: topics)
        let committed = try await admin.committedOffsets(groupID: groupID)
        let targets = try await resolver.resolve(position, on: partitions)
        let moves = partitions.map { Move(partition: $0, from: committed[$0], to: targets[$0]!) }
        return Plan(groupID: groupID, position: position, moves: moves, group: group)
    }

    /// Commits the plan's offsets for the group.
    /// - Parameter force: alter even while the group has live members.
    /// - Throws: ``OperationsError`` `.groupActive` naming the members when the group is in use and `force` is
    ///   false; the broker's refusal otherwise.
    public func apply(_ plan: Plan, force: Bool) async throws {
        let group = try await admin.describeConsumerGroup(plan.groupID)
        if group.hasLiveMembers, !force {
            throw Self.activeGroupError(group)
        }
        let offsets = Dictionary(uniqueKeysWithValues: plan.moves.map { ($0.partition, $0.to) })
        do {
            try await admin.alterCommittedOffsets(groupID: plan.groupID, offsets: offsets)
        } catch let error as KafkaError {
            throw OperationsError(.backend, "the broker refused to move the offsets of group '\(plan.groupID)'; if its members are still running, stop them and try again", underlying: error)
        }
    }

    static func activeGroupError(_ group: KafkaConsumerGroupDescription) -> OperationsError {
        let members = group.members.isEmpty
            ? "state \(group.state); the broker does not list its members"
            : "\(group.members.count) live member(s): " + group.members.map { "\($0.clientID)@\($0.host)" }.joined(separator: ", ")
        return OperationsError(
            .groupActive,
            "group '\(group.groupID)' is in use (\(members)); its members would overwrite the new offsets with their next commit. Stop every instance of the stage, wait until `inlet status` shows the group Empty (up to the session timeout, 6 s by default), then run the rewind again; --force alters the offsets anyway")
    }
}
