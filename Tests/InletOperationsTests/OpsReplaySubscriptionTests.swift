import InletCore
import InletKafka
import InletPostgres
import Synchronization
import Testing

@testable import InletOperations

/// `inlet replay run --stage deliverer --subscription ID`: the records carry `inlet-dlq-subscription: ID`, and the
/// option is checked before anything is read.
@Suite struct OpsReplaySubscriptionUnitTests {
    static func subscriptions() throws -> [Subscription] {
        [try OpsDelivererGroupsTests.subscription("crm", ["Order", "Customer"]),
         try OpsDelivererGroupsTests.subscription("ci", ["PullRequest"])]
    }

    static func record(headers: [KafkaHeader]) -> KafkaRecord {
        KafkaRecord(topic: "inlet.model.order", partition: 1, offset: 7, value: Array("{}".utf8), headers: headers)
    }

    @Test func theHeaderNameIsTheDelivererDeadLetterHeader() {
        #expect(DeadLetter.Header.subscription == "inlet-dlq-subscription")
        #expect(ReplayHeader.subscription == DeadLetter.Header.subscription)
    }

    @Test func aTargetSubscriptionReplacesTheOneTheRecordCarried() {
        let original = Self.record(headers: [
            KafkaHeader(key: "ce_id", string: "d1"), KafkaHeader(key: ReplayHeader.subscription, string: "other"),
            KafkaHeader(key: ReplayHeader.subscription, string: "another"),
        ])
        let produced = ReplayHeader.record(replaying: original, to: "inlet.replay.deliverer", replayID: "replay-1", subscription: "crm")
        #expect(produced.headers.filter { $0.key == ReplayHeader.subscription }.map(\.stringValue) == ["crm"])
        #expect(produced.headers.first("ce_id") == "d1")
        #expect(produced.headers.first(ReplayHeader.replayID) == "replay-1")
        #expect(produced.headers.first(ReplayHeader.originalTopic) == "inlet.model.order")
    }

    @Test func withoutATargetTheRecordKeepsItsOwnSubscription() {
        let redriven = Self.record(headers: [KafkaHeader(key: ReplayHeader.subscription, string: "other")])
        let produced = ReplayHeader.record(replaying: redriven, to: "inlet.replay.deliverer", replayID: "redrive-1")
        #expect(produced.headers.filter { $0.key == ReplayHeader.subscription }.map(\.stringValue) == ["other"])
        let plain = ReplayHeader.record(replaying: Self.record(headers: []), to: "inlet.replay.deliverer", replayID: "replay-2")
        #expect(plain.headers.first(ReplayHeader.subscription) == nil)
    }

    @Test func aKnownSubscriptionGivesItsModelTopics() throws {
        let topology = try ReplayRequest.targetSubscription("crm", stage: .deliverer, declared: Self.subscriptions)
        #expect(topology.subscription == "crm")
        #expect(topology.consumerGroup == "inlet-deliverer.crm")
        #expect(topology.inputTopics.filter { $0 != topology.replayTopic } == ["inlet.model.customer", "inlet.model.order"])
    }

    @Test func anUnknownSubscriptionIsRefusedNamingTheDeclaredOnes() throws {
        do {
            _ = try ReplayRequest.targetSubscription("crn", stage: .deliverer, declared: Self.subscriptions)
            Issue.record("accepted a subscription the file does not declare")
        } catch let error as OperationsError {
            #expect(error.code == .invalidArgument)
            #expect(error.description.contains("'crn'"), "names the ID given: \(error)")
            #expect(error.description.contains("crm, ci"), "names the declared IDs: \(error)")
        }
        #expect { try ReplayRequest.targetSubscription("crm", stage: .deliverer, declared: { [] }) } throws: {
            ($0 as? OperationsError)?.description.contains("declared: none") == true
        }
    }

    @Test func aSubscriptionForAnotherStageIsRefusedWithoutReadingTheFile() {
        for stage in [Stage.deduplicator, .mapper, .persister] {
            #expect {
                try ReplayRequest.targetSubscription("crm", stage: stage, declared: {
                    Issue.record("read the subscriptions file for --stage \(stage.rawValue)")
                    return try Self.subscriptions()
                })
            } throws: { error in
                guard let error = error as? OperationsError else { return false }
                return error.code == .invalidArgument && error.description.contains("--stage deliverer only")
            }
        }
    }

    @Test func aReplayRequestWithASubscriptionIsValidForTheDelivererOnly() throws {
        try ReplayRequest(stage: .deliverer, topics: ["t"], from: .beginning, to: .end, subscription: "crm").validate()
        try ReplayRequest(stage: .mapper, topics: ["t"], from: .beginning, to: .end).validate()
        #expect(throws: OperationsError.self) {
            try ReplayRequest(stage: .persister, topics: ["t"], from: .beginning, to: .end, subscription: "crm").validate()
        }
        #expect(throws: OperationsError.self) {
            try ReplayRequest(stage: .deliverer, topics: ["t"], from: .beginning, to: .end, subscription: "").validate()
        }
    }

    @Test func theSubscriptionsFilesOwnErrorComesThrough() {
        struct Unreadable: Error {}
        #expect(throws: Unreadable.self) {
            try ReplayRequest.targetSubscription("crm", stage: .deliverer, declared: { throw Unreadable() })
        }
    }
}

@Suite(.enabled(if: OpsTestEnvironment.isConfigured, "needs the local stack: source deploy/local/env.sh"))
struct OpsReplaySubscriptionBrokerTests {
    /// 40 records over 2 partitions, n = 0..<40; every third (n % 3 == 0) is a dead letter of subscription `other`.
    func seed(_ topic: String) async throws {
        try await OpsTestEnvironment.createTopic(topic, partitions: 2)
        try await OpsTestEnvironment.produce((0..<40).map { n in
            var record = OpsTestEnvironment.inletRecord(topic: topic, partition: Int32(n % 2), n: n, integration: "acme")
            if n % 3 == 0 { record.headers.append(KafkaHeader(key: ReplayHeader.subscription, string: "other")) }
            return record
        })
    }

    @Test func aReplayForOneSubscriptionMarksEveryRecordAndKeepsItsTargetAcrossResume() async throws {
        let (source, target) = try await OpsTestEnvironment.replayTopics("ops-replaysub", targetPartitions: 1, seed: seed)
        let clients = try OpsTestEnvironment.clients()
        // rate 10 makes batches of 10 records: stop after the first batch, then resume.
        let request = ReplayRequest(stage: .deliverer, topics: [source], from: .beginning, to: .end, targetTopic: target,
                                    rate: 10, subscription: "crm")
        let batches = Atomic<Int>(0)

        let id = try await OpsTestEnvironment.withSchema { postgres, schema in
            let store = ReplayStore(client: postgres, tables: OperationsTables(schema: schema))
            return try await clients.withProducer { producer in
                let replayer = Replayer(admin: clients.admin, reader: clients.reader, producer: producer, store: store,
                                        logger: OpsTestEnvironment.logger)
                let first = try await replayer.start(request, shouldStop: { batches.load(ordering: .relaxed) >= 1 }) { progress in
                    if progress.scanned > 0 { batches.add(1, ordering: .relaxed) }
                }
                #expect(first.status == .stopped)
                #expect(first.subscription == "crm")
                let id = try #require(first.replayID)
                #expect(try await store.load(id)?.replay.subscription == "crm")
                #expect(try await store.list().first { $0.id == id }?.subscription == "crm")

                let second = try await replayer.resume(id)
                #expect(second.status == .completed)
                #expect(second.subscription == "crm", "resume keeps the target subscription")
                #expect(first.progress.produced + second.progress.produced == 40)
                #expect(try await store.load(id)?.replay.subscription == "crm")
                return id
            }
        }

        let replayed = try await OpsTestEnvironment.readAll(target, atLeast: 40)
        #expect(replayed.count == 40)
        for record in replayed {
            #expect(record.headers.filter { $0.key == ReplayHeader.subscription }.map(\.stringValue) == ["crm"],
                    "exactly one subscription header, the target's, also on records that named 'other'")
            #expect(record.headers.first(ReplayHeader.replayID) == id)
        }
        #expect(Set(replayed.compactMap { try? $0.envelope().id }) == Set((0..<40).map { "d\($0)" }))
    }

    @Test func aReplayForEverySubscriptionStoresNoneAndLeavesTheRecordsOwn() async throws {
        let (source, target) = try await OpsTestEnvironment.replayTopics("ops-replaysub-all", targetPartitions: 1, seed: seed)
        let clients = try OpsTestEnvironment.clients()
        let request = ReplayRequest(stage: .deliverer, topics: [source], from: .beginning, to: .end, targetTopic: target)

        try await OpsTestEnvironment.withSchema { postgres, schema in
            let store = ReplayStore(client: postgres, tables: OperationsTables(schema: schema))
            try await clients.withProducer { producer in
                let replayer = Replayer(admin: clients.admin, reader: clients.reader, producer: producer, store: store,
                                        logger: OpsTestEnvironment.logger)
                let report = try await replayer.start(request)
                #expect(report.subscription == nil)
                #expect(try await store.load(try #require(report.replayID))?.replay.subscription == nil)
                // A target subscription is refused for another stage before anything is recorded.
                await #expect { try await replayer.start(ReplayRequest(stage: .mapper, topics: [source], from: .beginning, to: .end, subscription: "crm")) }
                    throws: { ($0 as? OperationsError)?.code == .invalidArgument }
                #expect(try await store.list().count == 1)
            }
        }
        let replayed = try await OpsTestEnvironment.readAll(target, atLeast: 40)
        let named = replayed.filter { $0.headers.first(ReplayHeader.subscription) != nil }
        #expect(replayed.count == 40)
        #expect(named.count == 14, "the dead letters of 'other' (n % 3 == 0) keep their header")
        #expect(named.allSatisfy { $0.headers.first(ReplayHeader.subscription) == "other" })
    }

    @Test func prepareAddsTheTargetSubscriptionToATableCreatedBeforeIt() async throws {
        try await OpsTestEnvironment.withSchema { postgres, schema in
            let tables = OperationsTables(schema: schema)
            let replays = try tables.replays
            // inlet_replays and inlet_replay_partitions as they were created before target_subscription, with a replay.
            _ = try await postgres.query("""
                CREATE TABLE \(replays) (
                  id text PRIMARY KEY, stage text NOT NULL, target_topic text NOT NULL, filter text,
                  from_position text NOT NULL, to_position text NOT NULL, rate integer, status text NOT NULL,
                  last_error text, scanned bigint NOT NULL DEFAULT 0, matched bigint NOT NULL DEFAULT 0,
                  produced bigint NOT NULL DEFAULT 0, created_at timestamptz NOT NULL DEFAULT now(),
                  updated_at timestamptz NOT NULL DEFAULT now())
                """)
            _ = try await postgres.query("""
                CREATE TABLE \(try tables.replayPartitions) (
                  replay_id text NOT NULL REFERENCES \(replays) (id) ON DELETE CASCADE, topic text NOT NULL,
                  partition integer NOT NULL, start_offset bigint NOT NULL, end_offset bigint NOT NULL,
                  next_offset bigint NOT NULL, PRIMARY KEY (replay_id, topic, partition))
                """)
            _ = try await postgres.query("""
                INSERT INTO \(replays) (id, stage, target_topic, from_position, to_position, status, produced)
                VALUES ('replay-old', 'deliverer', 'inlet.replay.deliverer', 'beginning', 'end', 'stopped', 5)
                """)

            let store = ReplayStore(client: postgres, tables: tables)
            try await store.prepare()
            try await store.prepare()  // a second run finds the column and changes nothing
            let old = try #require(try await store.load("replay-old"))
            #expect(old.replay.subscription == nil)
            #expect(old.replay.produced == 5)

            try await store.create(
                ReplayRecord(id: "replay-new", stage: "deliverer", targetTopic: "inlet.replay.deliverer", subscription: "crm",
                             filter: nil, from: "beginning", to: "end", rate: nil, status: .stopped, scanned: 0, matched: 0, produced: 0),
                positions: [ReplayPartitionPosition(partition: KafkaTopicPartition(topic: "t", partition: 0), start: 0, end: 3, next: 0)])
            #expect(try await store.load("replay-new")?.replay.subscription == "crm")
            #expect(Set(try await store.list().map { "\($0.id)=\($0.subscription ?? "all")" }) == ["replay-old=all", "replay-new=crm"])
        }
    }
}
