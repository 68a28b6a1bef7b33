import InletCore
import InletDeduplicator
import InletKafka
import InletStageRuntime
import Testing

/// Records on `inlet.replay.deduplicator` and records carrying a replay ID: the unique topic comes from the origin
/// header, and a replay is forwarded even when its delivery was seen before.
@Suite struct DeduplicationPlanReplayTests {
    let registry = try! DefinitionRegistry()
    static let receivedTopic = "inlet.github.pull_request.received"

    /// A received record as `inlet replay` re-produces it to the deduplicator's replay topic.
    static func replayed(_ deliveryID: String, originTopic: String? = receivedTopic, replayID: String = "replay-1",
                         offset: Int64 = 0) -> KafkaRecord {
        var headers = ReceivedRecords.record(deliveryID).headers
        headers.append(KafkaHeader(key: Envelope.Header.replayID, string: replayID))
        if let originTopic {
            headers += [KafkaHeader(key: ReplayOrigin.topicHeader, string: originTopic),
                        KafkaHeader(key: ReplayOrigin.partitionHeader, string: "0"),
                        KafkaHeader(key: ReplayOrigin.offsetHeader, string: "7")]
        }
        return KafkaRecord(topic: TopicName.replay(.deduplicator).rawValue, partition: 0, offset: offset,
                           key: Array("acme/\(deliveryID)".utf8), value: Array(#"{"n":1}"#.utf8), headers: headers)
    }

    @Test func aReplayGoesToTheUniqueTopicOfItsOriginalReceivedTopicWithItsHeaders() throws {
        let record = Self.replayed("a")
        let plan = DeduplicationPlan(records: [record], registry: registry)
        let candidate = try #require(plan.candidates.first)
        #expect(candidate.isReplayed)
        #expect(candidate.uniqueTopic.rawValue == "inlet.github.pull_request.unique")
        #expect(candidate.forwardedRecord.topic == "inlet.github.pull_request.unique")
        #expect(candidate.forwardedRecord.headers.first(Envelope.Header.replayID) == "replay-1",
                "the replay ID travels on so the mapper and deliverer can pass it on")
        #expect(plan.invalid.isEmpty)
    }

    @Test func aReplayIsForwardedEvenWhenItsDeliveryWasSeen() {
        let seen: Set<DeliveryKey> = [DeliveryKey(definition: "github", deliveryID: "a"),
                                      DeliveryKey(definition: "github", deliveryID: "b")]
        let plan = DeduplicationPlan(records: [Self.replayed("a"), ReceivedRecords.record("b")], registry: registry)
        #expect(plan.recordsToForward(excluding: seen).map(\.key.deliveryID) == ["a"],
                "the replay of a is forwarded, the provider's repeat of b is not")
        #expect(plan.keysToLookUp.map(\.deliveryID) == ["b"], "replays need no look-up")
    }

    @Test func aReplayIDOnAReceivedTopicRecordAlsoBypassesTheSeenStore() {
        var record = ReceivedRecords.record("a")
        record.headers.append(KafkaHeader(key: Envelope.Header.replayID, string: "redrive-1"))
        let plan = DeduplicationPlan(records: [record], registry: registry)
        #expect(plan.recordsToForward(excluding: [DeliveryKey(definition: "github", deliveryID: "a")]).count == 1)
    }

    @Test func replaysAreDeduplicatedAmongThemselvesInABatchButNotAgainstOriginals() {
        let plan = DeduplicationPlan(
            records: [ReceivedRecords.record("a", offset: 1), Self.replayed("a", offset: 2), Self.replayed("a", offset: 3)],
            registry: registry)
        #expect(plan.candidates.map(\.record.offset) == [1, 2])
        #expect(plan.candidates.map(\.isReplayed) == [false, true])
        #expect(plan.repeatsInBatch == 1)
    }

    @Test func aReplayWithoutAnOriginHeaderIsDeadLettered() throws {
        let plan = DeduplicationPlan(records: [Self.replayed("a", originTopic: nil)], registry: registry)
        let letter = try #require(plan.invalid.first).deadLetter
        #expect(letter.errorCode == "missing_replay_origin")
        #expect(letter.errorMessage.contains(ReplayOrigin.topicHeader))
        #expect(plan.candidates.isEmpty)
    }

    @Test func aReplayFromATopicThatIsNoReceivedTopicIsDeadLettered() {
        let plan = DeduplicationPlan(records: [Self.replayed("a", originTopic: "inlet.github.pull_request.unique")],
                                     registry: registry)
        #expect(plan.invalid.first?.deadLetter.errorCode == "unknown_topic")
        #expect(plan.invalid.first?.deadLetter.errorMessage.contains("inlet.github.pull_request.unique") == true)
    }
}
