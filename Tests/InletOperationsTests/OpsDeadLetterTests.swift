import InletCore
import InletKafka
import InletStageRuntime
import Testing

@testable import InletOperations

@Suite(.enabled(if: OpsTestEnvironment.isConfigured, "needs the local stack: source deploy/local/env.sh"))
struct OpsDeadLetterTests {
    /// A stage's topology on topics of this test's own.
    func topology() -> StageTopology {
        let suffix = OpsTestEnvironment.uniqueName("ops-dlq")
        return StageTopology(stage: .mapper, consumerGroup: "\(suffix)-group", inputTopics: ["\(suffix)-in"],
                             replayTopic: TopicName.scratch("\(suffix)-replay").rawValue,
                             deadLetterTopic: TopicName.scratch("\(suffix)-dead").rawValue)
    }

    /// Dead letters as the mapper writes them (DeadLetter.record(for:)), of originals on `inputTopic`: n = 0..<count,
    /// error `map_error` for even n, `no_mapping` for odd n.
    func deadLetters(_ topology: StageTopology, count: Int) -> [KafkaProducerRecord] {
        (0..<count).map { n in
            var original = KafkaRecord(topic: topology.inputTopics[0], partition: 1, offset: Int64(100 + n),
                                       key: Array("acme/d\(n)".utf8), value: Array("{\"n\":\(n)}".utf8),
                                       headers: OpsTestEnvironment.envelope(id: "d\(n)", integration: "acme").kafkaHeaders)
            original.headers.append(KafkaHeader(key: "x-original-extra", string: "kept"))
            let letter = DeadLetter(stage: .mapper, errorCode: n % 2 == 0 ? "map_error" : "no_mapping",
                                    errorMessage: "mapping failed at 1:\(n)", attempts: 3, original: original)
            var record = letter.record(for: original)
            record.topic = topology.deadLetterTopic
            record.partition = Int32(n % 2)
            return record
        }
    }

    func seed(_ topology: StageTopology, count: Int) async throws {
        try await OpsTestEnvironment.createTopic(topology.deadLetterTopic, partitions: 2)
        try await OpsTestEnvironment.createTopic(topology.replayTopic, partitions: 2)
        try await OpsTestEnvironment.produce(deadLetters(topology, count: count))
    }

    @Test func deadLettersCarryEverythingARedriveNeeds() throws {
        let letter = deadLetters(topology(), count: 1)[0]
        let entry = DeadLetterEntry(record: KafkaRecord(topic: letter.topic, partition: 0, offset: 0, key: letter.key,
                                                         value: letter.value, headers: letter.headers))
        let decoded = try #require(entry.deadLetter)
        #expect(decoded.stage == .mapper)
        #expect(decoded.errorCode == "map_error")
        #expect(decoded.errorMessage == "mapping failed at 1:0")
        #expect(decoded.attempts == 3)
        #expect(decoded.originalPartition == 1 && decoded.originalOffset == 100)
        #expect(letter.headers.first("x-original-extra") == "kept")
        #expect(try entry.record.envelope().id == "d0")
    }

    @Test func listSummarisesByErrorAndShowFindsOne() async throws {
        let topology = topology()
        try await seed(topology, count: 7)
        let clients = try OpsTestEnvironment.clients()
        let inspector = DeadLetterInspector(admin: clients.admin, reader: clients.reader)
        let summaries = try await inspector.summarize(topics: [topology.deadLetterTopic, TopicName.scratch(OpsTestEnvironment.uniqueName("ops-absent")).rawValue])
        #expect(summaries.map(\.errorCode) == ["map_error", "no_mapping"])
        #expect(summaries.map(\.count) == [4, 3])
        #expect(summaries.allSatisfy { $0.stage == "mapper" && $0.firstAt != nil })

        let shown = try await inspector.show(DeadLetterID(topic: topology.deadLetterTopic, partition: 1, offset: 2))
        // Partition 1 holds odd n in order: offset 2 is n = 5.
        #expect(shown.deadLetter?.originalOffset == 105)
        #expect(shown.deadLetter?.errorCode == "no_mapping")
        await #expect { try await inspector.show(DeadLetterID(topic: topology.deadLetterTopic, partition: 1, offset: 99)) } throws: {
            ($0 as? OperationsError)?.code == .notFound
        }
    }

    @Test func redriveTwiceSendsOnceAndKeepsWhatTheStageNeeds() async throws {
        let topology = topology()
        try await seed(topology, count: 6)
        let clients = try OpsTestEnvironment.clients()
        let inspector = DeadLetterInspector(admin: clients.admin, reader: clients.reader)
        let (first, second, dry, filtered) = try await OpsTestEnvironment.withSchema { postgres, schema in
            let store = RedriveStore(client: postgres, tables: OperationsTables(schema: schema))
            return try await clients.withProducer { producer in
                let redriver = DeadLetterRedriver(inspector: inspector, producer: producer, store: store, logger: OpsTestEnvironment.logger)
                let filtered = try await redriver.redrive(RedriveRequest(topology: topology, filter: try RecordFilter("deadletter.error_code == 'map_error'")))
                let first = try await redriver.redrive(RedriveRequest(topology: topology))
                let second = try await redriver.redrive(RedriveRequest(topology: topology))
                let dry = try await DeadLetterRedriver(inspector: inspector, producer: nil, store: store, logger: OpsTestEnvironment.logger)
                    .redrive(RedriveRequest(topology: topology, dryRun: true))
                #expect(try await store.sentCount(of: try #require(filtered.redriveID)) == 3)
                return (first, second, dry, filtered)
            }
        }
        #expect(filtered.sent == 3)
        #expect(filtered.sentByError == ["map_error": 3])
        #expect(first.sent == 3)
        #expect(first.alreadySent == 3)
        #expect(first.sentByError == ["no_mapping": 3])
        #expect(second.sent == 0)
        #expect(second.alreadySent == 6)
        #expect(dry.sent == 0 && dry.alreadySent == 6 && dry.redriveID == nil)

        let redriven = try await OpsTestEnvironment.readAll(topology.replayTopic, atLeast: 6)
        #expect(redriven.count == 6)
        #expect(Set(redriven.compactMap { try? $0.envelope().id }) == Set((0..<6).map { "d\($0)" }))
        for record in redriven {
            #expect(record.headers.first(ReplayHeader.originalTopic) == topology.inputTopics[0])
            #expect(record.headers.first(ReplayHeader.originalPartition) == "1")
            #expect(record.headers.first(DeadLetter.Header.errorCode) != nil)
            #expect(record.headers.first("x-original-extra") == "kept")
            let replayID = record.headers.first(ReplayHeader.replayID)
            #expect(replayID == filtered.redriveID || replayID == first.redriveID)
        }
    }

    @Test func unconfirmedClaimsAreReportedAndSentOnlyWhenAsked() async throws {
        let topology = topology()
        try await seed(topology, count: 2)
        let clients = try OpsTestEnvironment.clients()
        let inspector = DeadLetterInspector(admin: clients.admin, reader: clients.reader)
        try await OpsTestEnvironment.withSchema { postgres, schema in
            let store = RedriveStore(client: postgres, tables: OperationsTables(schema: schema))
            try await store.prepare()
            // A redrive that died after claiming both and before sending.
            var entries: [DeadLetterEntry] = []
            try await inspector.scan(topic: topology.deadLetterTopic) { batch in
                entries += batch
                return true
            }
            #expect(try await store.claim(entries, redriveID: "redrive-dead", stage: "mapper", targetTopic: topology.replayTopic).count == 2)
            try await clients.withProducer { producer in
                let redriver = DeadLetterRedriver(inspector: inspector, producer: producer, store: store, logger: OpsTestEnvironment.logger)
                let cautious = try await redriver.redrive(RedriveRequest(topology: topology))
                #expect(cautious.sent == 0)
                #expect(Set(cautious.unconfirmed) == Set(entries.map(\.id)))
                let retried = try await redriver.redrive(RedriveRequest(topology: topology, retryUnconfirmed: true))
                #expect(retried.sent == 2)
                let after = try await redriver.redrive(RedriveRequest(topology: topology, retryUnconfirmed: true))
                #expect(after.sent == 0 && after.alreadySent == 2)
            }
        }
    }

    @Test func theReceiverHasNothingToRedriveInto() async throws {
        let clients = try OpsTestEnvironment.clients()
        let receiver = StageTopology(stage: .receiver, consumerGroup: "-", inputTopics: [], replayTopic: "-", deadLetterTopic: "-")
        try await OpsTestEnvironment.withSchema { postgres, schema in
            let redriver = DeadLetterRedriver(inspector: DeadLetterInspector(admin: clients.admin, reader: clients.reader), producer: nil,
                                              store: RedriveStore(client: postgres, tables: OperationsTables(schema: schema)), logger: OpsTestEnvironment.logger)
            await #expect { try await redriver.redrive(RedriveRequest(topology: receiver, dryRun: true)) } throws: {
                ($0 as? OperationsError)?.code == .invalidState
            }
        }
    }
}
