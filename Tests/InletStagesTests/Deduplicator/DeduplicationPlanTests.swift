import InletCore
import InletDeduplicator
import InletKafka
import InletStageRuntime
import Testing

/// Builds received records the way the receiver writes them.
enum ReceivedRecords {
    static let github = WebhookDefinition.github

    static func record(_ deliveryID: String, topic: String = "inlet.github.pull_request.received", offset: Int64 = 0) -> KafkaRecord {
        let envelope = Envelope.received(deliveryID: deliveryID, definition: github.name, event: "pull_request",
                                         integration: "acme", variant: nil, receivedAt: "2026-11-21T10:00:00.000Z")
        return KafkaRecord(topic: topic, partition: 0, offset: offset, key: Array("acme/\(deliveryID)".utf8),
                           value: Array(#"{"n":1}"#.utf8), headers: envelope.kafkaHeaders)
    }
}

@Suite struct DeduplicationPlanTests {
    let registry = try! DefinitionRegistry()

    @Test func repeatsInsideABatchKeepTheFirstOccurrence() {
        let records = [ReceivedRecords.record("a", offset: 1), ReceivedRecords.record("b", offset: 2),
                       ReceivedRecords.record("a", offset: 3)]
        let plan = DeduplicationPlan(records: records, registry: registry)
        #expect(plan.candidates.map(\.record.offset) == [1, 2])
        #expect(plan.repeatsInBatch == 1)
        #expect(plan.invalid.isEmpty)
    }

    @Test func candidatesGoToTheMatchingUniqueTopicUnchanged() throws {
        let original = ReceivedRecords.record("a")
        let plan = DeduplicationPlan(records: [original], registry: registry)
        let forwarded = try #require(plan.candidates.first).forwardedRecord
        #expect(forwarded.topic == "inlet.github.pull_request.unique")
        #expect(forwarded.value == original.value)
        #expect(forwarded.key == original.key)
        #expect(forwarded.headers == original.headers)
    }

    @Test func alreadySeenDeliveriesAreNotForwarded() {
        let plan = DeduplicationPlan(records: [ReceivedRecords.record("a"), ReceivedRecords.record("b")], registry: registry)
        let first = plan.recordsToForward(excluding: [DeliveryKey(definition: "github", deliveryID: "a")])
        #expect(first.map(\.key.deliveryID) == ["b"])
    }

    @Test func sameDeliveryIDFromAnotherDefinitionIsNotARepeat() {
        let plan = DeduplicationPlan(records: [ReceivedRecords.record("a")], registry: registry)
        #expect(plan.recordsToForward(excluding: [DeliveryKey(definition: "stripe", deliveryID: "a")]).count == 1)
    }

    @Test func recordsWithoutAnEnvelopeAreDeadLetteredWithTheirPosition() throws {
        let broken = KafkaRecord(topic: "inlet.github.pull_request.received", partition: 2, offset: 9, value: [1, 2])
        let plan = DeduplicationPlan(records: [broken], registry: registry)
        let letter = try #require(plan.invalid.first).deadLetter
        #expect(letter.errorCode == "invalid_envelope")
        #expect(letter.originalPartition == 2 && letter.originalOffset == 9)
        let out = letter.record(for: broken)
        #expect(out.topic == "inlet.dlq.deduplicator")
        #expect(out.value == broken.value)
    }

    @Test func recordsFromAnUndeclaredTopicAreDeadLettered() {
        let plan = DeduplicationPlan(records: [ReceivedRecords.record("a", topic: "inlet.github.unrouted.received")],
                                     registry: registry)
        #expect(plan.invalid.first?.deadLetter.errorCode == "unknown_topic")
        #expect(plan.candidates.isEmpty)
    }
}
