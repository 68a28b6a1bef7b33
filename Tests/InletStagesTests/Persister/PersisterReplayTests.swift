import InletCore
import InletKafka
@testable import InletPersister
import InletPostgres
import InletStageRuntime
import Logging
import Testing

/// The persister consumes `inlet.replay.persister` and stores each replayed record in the table of the model topic
/// it was first read from (`inlet-replay-original-topic`).
@Suite struct PersisterReplayTests {
    static let modelTopic = ModelDeclaration.pullRequest.topic.rawValue
    static let replayTopic = TopicName.replay(.persister).rawValue
    static let row = #"{"integration_id":"acme","definition":"github","id":"1","number":7,"repository":"o/r","title":"T","state":"open","draft":false,"labels":[],"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-02T00:00:00Z"}"#

    /// A service that is never run: building it connects to nothing (the producer and the pool are lazy).
    static func service() throws -> PersisterService {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let producer = try KafkaProducer(configuration: KafkaProducerConfiguration(brokers: "127.0.0.1:1"), logger: logger)
        return try PersisterService(
            configuration: PersisterConfiguration(),
            consumer: KafkaConsumerConfiguration(groupID: "unused", topics: [], brokers: "127.0.0.1:1"),
            producer: producer, postgres: PostgresClient(configuration: PostgresConfiguration(url: "postgresql://127.0.0.1:1/none", poolSize: 1)),
            models: try ModelRegistry(), logger: logger)
    }

    static func replayed(origin: String?, offset: Int64 = 0) -> KafkaRecord {
        var headers = [KafkaHeader(key: Envelope.Header.replayID, string: "replay-1")]
        if let origin {
            headers += [KafkaHeader(key: ReplayOrigin.topicHeader, string: origin),
                        KafkaHeader(key: ReplayOrigin.partitionHeader, string: "0"),
                        KafkaHeader(key: ReplayOrigin.offsetHeader, string: "3")]
        }
        return KafkaRecord(topic: replayTopic, partition: 0, offset: offset, key: nil, value: Array(row.utf8), headers: headers)
    }

    @Test func theConsumerSubscribesToTheReplayTopicBesideEveryModelTopic() throws {
        let topics = try Self.service().kafka.topics
        #expect(topics.contains(Self.replayTopic))
        #expect(topics.contains(Self.modelTopic))
    }

    @Test func aReplayedRecordIsStoredInTheTableOfItsOriginalTopic() throws {
        let service = try Self.service()
        let direct = KafkaRecord(topic: Self.modelTopic, partition: 0, offset: 1, key: nil, value: Array(Self.row.utf8))
        let rows = service.rows(for: KafkaRecordBatch(records: [direct, Self.replayed(origin: Self.modelTopic, offset: 2)]))
        #expect(rows.count == 2)
        #expect(rows.deadLetters.isEmpty)
        #expect(Array(rows.upserts.keys) == [Self.modelTopic], "both rows go to the pull_request table")
        #expect(rows.upserts[Self.modelTopic]?.count == 2)
    }

    @Test func aReplayWithoutAnOriginHeaderIsDeadLetteredSayingWhatIsMissing() throws {
        let rows = try Self.service().rows(for: KafkaRecordBatch(records: [Self.replayed(origin: nil)]))
        #expect(rows.count == 0)
        #expect(rows.deadLetters.map(\.code) == ["missing_replay_origin"])
        #expect(rows.deadLetters.first?.record.topic == "inlet.dlq.persister")
    }

    @Test func aReplayFromATopicWithoutAModelIsDeadLettered() throws {
        let rows = try Self.service().rows(for: KafkaRecordBatch(records: [Self.replayed(origin: "inlet.model.nothing")]))
        #expect(rows.deadLetters.map(\.code) == ["unknown_topic"])
        #expect(rows.upserts.isEmpty)
    }
}
