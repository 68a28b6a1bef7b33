import Foundation
import InletCore
import InletKafka
import InletPostgres
import InletStageRuntime
import Synchronization
import Testing

@testable import InletOperations

@Suite(.enabled(if: OpsTestEnvironment.isConfigured, "needs the local stack: source deploy/local/env.sh"))
struct OpsTailTests {
    @Test func tailPrintsOnlyWhatTheFilterAcceptsUpToTheLimit() async throws {
        let topic = OpsTestEnvironment.uniqueName("ops-tail")
        try await OpsTestEnvironment.createTopic(topic, partitions: 2)
        try await OpsTestEnvironment.produce((0..<20).map {
            OpsTestEnvironment.inletRecord(topic: topic, partition: Int32($0 % 2), n: $0, integration: $0 < 10 ? "acme" : "other")
        })
        let clients = try OpsTestEnvironment.clients()
        let tail = TopicTail(admin: clients.admin, reader: clients.reader)

        var shown: [KafkaRecord] = []
        let summary = try await tail.run(topic: topic, from: .beginning, filter: try RecordFilter("envelope.integration == 'other'")) { shown.append($0) }
        #expect(summary.scanned == 20)
        #expect(summary.shown == 10)
        #expect(Set(shown.compactMap { try? $0.envelope().id }) == Set((10..<20).map { "d\($0)" }))

        var limited: [KafkaRecord] = []
        let partial = try await tail.run(topic: topic, partitions: [0], from: .offset(2), limit: 3) { limited.append($0) }
        #expect(partial.shown == 3)
        #expect(limited.map(\.offset) == [2, 3, 4])
        #expect(limited.allSatisfy { $0.partition == 0 })

        var errors = TopicTail.Summary()
        errors = try await tail.run(topic: topic, from: .beginning, filter: try RecordFilter("payload.missing.deeper == 1")) { _ in }
        #expect(errors.shown == 0)
        #expect(errors.filterErrors == 20)
        #expect(errors.firstFilterError != nil)
    }

    @Test func followWaitsForRecordsBeyondTheEnd() async throws {
        let topic = OpsTestEnvironment.uniqueName("ops-tail-follow")
        try await OpsTestEnvironment.createTopic(topic, partitions: 1)
        try await OpsTestEnvironment.produce([OpsTestEnvironment.inletRecord(topic: topic, n: 0, integration: "acme")])
        let clients = try OpsTestEnvironment.clients()
        let seen = Mutex<[String]>([])
        let following = Task {
            // Offset 1 is the end now: without --follow the tail would stop at once with nothing shown.
            try await TopicTail(admin: clients.admin, reader: clients.reader).run(topic: topic, from: .offset(1), follow: true, limit: 2) { record in
                seen.withLock { $0.append((try? record.envelope().id) ?? "?") }
            }
        }
        try await OpsTestEnvironment.produce((1...2).map { OpsTestEnvironment.inletRecord(topic: topic, n: $0, integration: "acme") })
        let summary = try await following.value
        #expect(summary.shown == 2)
        #expect(seen.withLock { $0 } == ["d1", "d2"])
    }
}

@Suite(.enabled(if: OpsTestEnvironment.isConfigured, "needs the local stack: source deploy/local/env.sh"))
struct OpsStatusTests {
    @Test func statusReportsLagMembersAndDeadLettersPerStage() async throws {
        let suffix = OpsTestEnvironment.uniqueName("ops-status")
        let input = "\(suffix)-in"
        let dead = TopicName.scratch("\(suffix)-dead").rawValue
        try await OpsTestEnvironment.createTopic(input, partitions: 2)
        try await OpsTestEnvironment.createTopic(dead, partitions: 1)
        try await OpsTestEnvironment.produce((0..<10).map { KafkaProducerRecord(topic: input, partition: Int32($0 % 2), value: [UInt8($0)]) })
        try await OpsTestEnvironment.produce((0..<3).map { KafkaProducerRecord(topic: dead, partition: 0, value: [UInt8($0)]) })
        let clients = try OpsTestEnvironment.clients()
        let group = "\(suffix)-group"
        try await clients.admin.alterCommittedOffsets(groupID: group, offsets: [KafkaTopicPartition(topic: input, partition: 0): 2])
        let topology = StageTopology(stage: .mapper, consumerGroup: group, inputTopics: [input, "\(suffix)-missing"],
                                     replayTopic: "\(suffix)-replay", deadLetterTopic: dead)

        let status = try await OpsTestEnvironment.withSchema { postgres, _ in
            await StatusCollector(clients: clients, postgres: postgres).collect(stages: [topology])
        }
        #expect(status.broker.healthy)
        #expect(status.postgres.healthy)
        #expect(status.postgres.detail.hasPrefix("PostgreSQL"))
        let stage = try #require(status.stages.first)
        #expect(stage.error == nil)
        #expect(stage.active == false)
        #expect(stage.missingTopics == ["\(suffix)-missing"])
        // Partition 0 holds 5 records and committed 2: lag 3. Partition 1 never committed: lag from the low watermark, 5.
        #expect(stage.partitions.map(\.lag) == [3, 5])
        #expect(stage.partitions.map(\.committed) == [2, nil])
        #expect(stage.totalLag == 8)
        #expect(stage.deadLetters == 3)

        let table = StatusTable.render(status)
        #expect(table.contains("mapper"))
        #expect(table.contains("note: lag = log end - committed offset"))
        let json = try JSONEncoder().encode(status)
        #expect(try JSONDecoder().decode(PipelineStatus.self, from: json) == status)
    }

    @Test func anUnreachableDatabaseIsReportedNotThrown() async throws {
        let clients = try OpsTestEnvironment.clients()
        let postgres = PostgresClient(configuration: PostgresConfiguration(url: "postgresql://nobody@127.0.0.1:1/none", poolSize: 1, connectTimeout: .seconds(2)))
        let status = await StatusCollector(clients: clients, postgres: postgres).collect(stages: [])
        await postgres.close()
        #expect(status.broker.healthy)
        #expect(!status.postgres.healthy)
        #expect(!status.postgres.detail.isEmpty)
    }
}
