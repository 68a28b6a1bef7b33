import InletCore
import InletKafka
import InletStageRuntime
import Synchronization
import Testing

@testable import InletOperations

@Suite(.enabled(if: OpsTestEnvironment.isConfigured, "needs the local stack: source deploy/local/env.sh"))
struct OpsReplayTests {
    /// 40 records over 2 partitions, integrations alternating acme/other, payload n = 0..<40.
    func seed(_ topic: String) async throws {
        try await OpsTestEnvironment.createTopic(topic, partitions: 2)
        try await OpsTestEnvironment.produce((0..<40).map {
            OpsTestEnvironment.inletRecord(topic: topic, partition: Int32($0 % 2), n: $0, integration: $0 % 4 < 2 ? "acme" : "other")
        })
    }

    @Test func selectiveReplayProducesExactlyTheFilteredRecordsWithReplayHeaders() async throws {
        let (source, target) = try await OpsTestEnvironment.replayTopics("ops-replay", targetPartitions: 2, seed: seed)
        let clients = try OpsTestEnvironment.clients()
        let filter = try RecordFilter("envelope.integration == 'acme' && payload.n >= 8")
        let request = ReplayRequest(stage: .mapper, topics: [source], from: .offset(2), to: .end, filter: filter, targetTopic: target)

        let report = try await OpsTestEnvironment.withSchema { postgres, schema in
            try await clients.withProducer { producer in
                let replayer = Replayer(admin: clients.admin, reader: clients.reader, producer: producer,
                                        store: ReplayStore(client: postgres, tables: OperationsTables(schema: schema)), logger: OpsTestEnvironment.logger)
                let report = try await replayer.start(request)
                let stored = try await ReplayStore(client: postgres, tables: OperationsTables(schema: schema)).load(report.replayID!)
                #expect(stored?.replay.status == .completed)
                #expect(stored?.replay.produced == report.progress.produced)
                #expect(stored?.positions.allSatisfy { $0.next == $0.end && $0.start == 2 } == true)
                return report
            }
        }
        // Offsets 2… of each partition are n = 4…39; acme has n % 4 in {0, 1}; n >= 8 leaves 8, 9, 12, 13, …, 36, 37.
        let expected = (8..<40).filter { $0 % 4 < 2 }
        #expect(report.status == .completed)
        #expect(report.progress.scanned == 36)
        #expect(report.progress.matched == Int64(expected.count))
        #expect(report.progress.produced == Int64(expected.count))

        let replayed = try await OpsTestEnvironment.readAll(target, atLeast: expected.count)
        let numbers = replayed.map { String(decoding: $0.value, as: UTF8.self) }.compactMap { Int($0.dropFirst(5).dropLast()) }.sorted()
        #expect(numbers == expected)
        for record in replayed {
            #expect(record.headers.first(ReplayHeader.replayID) == report.replayID)
            #expect(record.headers.first(ReplayHeader.originalTopic) == source)
            #expect(try record.envelope().integration == "acme")
            #expect(try record.envelope().replayID == report.replayID)
        }
    }

    @Test func dryRunCountsPerPartitionAndProducesNothing() async throws {
        let source = OpsTestEnvironment.uniqueName("ops-replay-dry")
        try await seed(source)
        let clients = try OpsTestEnvironment.clients()
        let replayer = Replayer(admin: clients.admin, reader: clients.reader, producer: nil, store: nil, logger: OpsTestEnvironment.logger)
        let report = try await replayer.dryRun(ReplayRequest(
            stage: .persister, topics: [source], partitions: [1], from: .beginning, to: .offset(10),
            filter: try RecordFilter("envelope.integration == 'other'")))
        // Partition 1 holds odd n; offsets 0..<10 are n = 1, 3, …, 19; 'other' has n % 4 in {2, 3}: 3, 7, 11, 15, 19.
        #expect(report.replayID == nil)
        #expect(report.partitions.map(\.partition.partition) == [1])
        #expect(report.partitions.first?.scanned == 10)
        #expect(report.partitions.first?.matched == 5)
        #expect(report.samples.count == Replayer.sampleSize)
        #expect(report.samples.allSatisfy { $0.partition == 1 })
        await #expect(throws: OperationsError.self) { try await replayer.start(ReplayRequest(stage: .mapper, topics: [source], from: .beginning, to: .end)) }
    }

    @Test func resumeContinuesFromTheRecordedPositionAndSendsEachRecordOnce() async throws {
        let (source, target) = try await OpsTestEnvironment.replayTopics("ops-replay-resume", targetPartitions: 1, seed: seed)
        let clients = try OpsTestEnvironment.clients()
        // rate 10 makes batches of 10 records: stop after the first batch.
        let request = ReplayRequest(stage: .mapper, topics: [source], from: .beginning, to: .end, targetTopic: target, rate: 10)
        let batches = Atomic<Int>(0)

        try await OpsTestEnvironment.withSchema { postgres, schema in
            let store = ReplayStore(client: postgres, tables: OperationsTables(schema: schema))
            try await clients.withProducer { producer in
                let replayer = Replayer(admin: clients.admin, reader: clients.reader, producer: producer, store: store, logger: OpsTestEnvironment.logger)
                let first = try await replayer.start(request, shouldStop: { batches.load(ordering: .relaxed) >= 1 }) { progress in
                    if progress.scanned > 0 { batches.add(1, ordering: .relaxed) }
                }
                #expect(first.status == .stopped)
                #expect(first.progress.produced == 10)
                let id = try #require(first.replayID)
                let stopped = try #require(try await store.load(id))
                #expect(stopped.replay.status == .stopped)
                #expect(stopped.positions.reduce(0) { $0 + ($1.next - $1.start) } == 10)
                await #expect(throws: OperationsError.self) { try await replayer.start(ReplayRequest(stage: .mapper, topics: [], from: .beginning, to: .end)) }

                let second = try await replayer.resume(id)
                #expect(second.status == .completed)
                #expect(second.progress.produced == 30)
                let done = try #require(try await store.load(id))
                #expect(done.replay.status == .completed)
                #expect(done.replay.produced == 40)
                await #expect { try await replayer.resume(id) } throws: { ($0 as? OperationsError)?.code == .invalidState }
                await #expect { try await replayer.resume("replay-none") } throws: { ($0 as? OperationsError)?.code == .notFound }
            }
        }
        let replayed = try await OpsTestEnvironment.readAll(target, atLeast: 40)
        let ids = replayed.compactMap { try? $0.envelope().id }
        #expect(ids.count == 40)
        #expect(Set(ids) == Set((0..<40).map { "d\($0)" }))
    }
}
