import Foundation
import InletCore
import InletKafka
import InletPostgres

/// Gathers a ``PipelineStatus``. A stage whose group cannot be read is reported with its error; the snapshot still
/// covers the others.
public struct StatusCollector: Sendable {
    let admin: KafkaConsumerGroupAdmin
    let resolver: OffsetResolver
    let postgres: PostgresClient?
    let brokers: String

    /// - Parameter postgres: nil to skip the database probe.
    public init(clients: OperatorClients, postgres: PostgresClient?) {
        self.admin = clients.admin
        self.resolver = clients.resolver
        self.postgres = postgres
        self.brokers = clients.brokers
    }

    public func collect(stages: [StageTopology]) async -> PipelineStatus {
        let broker = await brokerHealth()
        let database = await postgresHealth()
        var statuses: [StageStatus] = []
        if broker.healthy {
            let counts = (try? await admin.partitionCounts()) ?? [:]
            for topology in stages { statuses.append(await stageStatus(topology, partitionCounts: counts)) }
        } else {
            statuses = stages.map {
                StageStatus(stage: $0.stage.rawValue, group: $0.consumerGroup, state: "unknown", active: false, members: [], partitions: [],
                            totalLag: 0, deadLetterTopic: $0.deadLetterTopic, deadLetters: nil, missingTopics: [],
                            error: "broker unreachable")
            }
        }
        return PipelineStatus(generatedAt: RFC3339.now(), broker: broker, postgres: database, stages: statuses,
                              note: PipelineStatus.lagNote)
    }

    func stageStatus(_ topology: StageTopology, partitionCounts: [String: Int]) async -> StageStatus {
        var status = StageStatus(
            stage: topology.stage.rawValue, group: topology.consumerGroup, state: "unknown", active: false, members: [], partitions: [],
            totalLag: 0, deadLetterTopic: topology.deadLetterTopic, deadLetters: nil,
            missingTopics: topology.inputTopics.filter { partitionCounts[$0] == nil }, error: nil)
        do {
            let group = try await admin.describeConsumerGroup(topology.consumerGroup)
            status.state = group.state
            status.active = group.hasLiveMembers
            status.members = group.members.map {
                MemberStatus(clientID: $0.clientID, host: $0.host, assignment: $0.assignment.map(\.description))
            }
            let partitions = topology.inputTopics.filter { partitionCounts[$0] != nil }.flatMap { topic in
                (0..<Int32(partitionCounts[topic]!)).map { KafkaTopicPartition(topic: topic, partition: $0) }
            }
            let committed = try await admin.committedOffsets(groupID: topology.consumerGroup)
            let dead = partitionCounts[topology.deadLetterTopic].map { count in
                (0..<Int32(count)).map { KafkaTopicPartition(topic: topology.deadLetterTopic, partition: $0) }
            } ?? []
            let marks = try await admin.watermarks(of: partitions + dead)
            // One read finds the real ends of every partition of the stage (Tansu's high watermark counts batches).
            let ends = try await resolver.logEnds(of: partitions + dead, watermarks: marks)
            status.partitions = partitions.map { partition in
                let low = marks[partition]!.low
                let high = ends[partition]!
                let position = committed[partition]
                return PartitionLag(topic: partition.topic, partition: partition.partition, committed: position,
                                    low: low, high: high, lag: max(0, high - (position ?? low)))
            }
            status.totalLag = status.partitions.reduce(0) { $0 + $1.lag }
            if !dead.isEmpty {
                status.deadLetters = dead.reduce(0) { $0 + max(0, ends[$1]! - marks[$1]!.low) }
            }
        } catch {
            status.error = "\(error)"
        }
        return status
    }

    private func brokerHealth() async -> ComponentHealth {
        do {
            let latency = try await admin.ping()
            return ComponentHealth(healthy: true, detail: "\(brokers), librdkafka \(KafkaLibrary.versionString)",
                                   latencyMilliseconds: latency.seconds * 1000)
        } catch {
            return ComponentHealth(healthy: false, detail: "\(brokers): \(error)", latencyMilliseconds: nil)
        }
    }

    private func postgresHealth() async -> ComponentHealth {
        guard let postgres else { return ComponentHealth(healthy: false, detail: "not checked", latencyMilliseconds: nil) }
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let rows = try await postgres.query("SHOW server_version", retryOnConnectionLoss: true)
            let version = try rows.first?.string(0) ?? "?"
            return ComponentHealth(healthy: true, detail: "PostgreSQL \(version)", latencyMilliseconds: (clock.now - start).seconds * 1000)
        } catch {
            return ComponentHealth(healthy: false, detail: "\(error)", latencyMilliseconds: nil)
        }
    }
}
