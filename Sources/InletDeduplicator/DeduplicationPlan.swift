import InletCore
import InletKafka
import InletStageRuntime

/// What identifies a delivery for deduplication: the definition and the provider's delivery ID.
public struct DeliveryKey: Hashable, Sendable {
    public let definition: String
    public let deliveryID: String

    public init(definition: String, deliveryID: String) {
        self.definition = definition
        self.deliveryID = deliveryID
    }
}

/// The pure first half of processing a batch: read each record's envelope, find its unique topic, and drop
/// repeats inside the batch (the first occurrence wins, so the earliest offset is the one forwarded).
/// What remains still has to be checked against the seen store.
public struct DeduplicationPlan: Sendable {
    public struct Candidate: Sendable {
        public let record: KafkaRecord
        public let key: DeliveryKey
        public let uniqueTopic: TopicName
    }

    public private(set) var candidates: [Candidate] = []
    /// Records that repeat an earlier record of the same batch.
    public private(set) var repeatsInBatch = 0
    /// Records that cannot be deduplicated (no envelope, not a declared event's topic): dead letters.
    public private(set) var invalid: [(record: KafkaRecord, deadLetter: DeadLetter)] = []

    public init(records: [KafkaRecord], registry: DefinitionRegistry) {
        var seen = Set<DeliveryKey>()
        for record in records {
            let envelope: Envelope
            do {
                envelope = try record.envelope()
            } catch {
                invalid.append((record, DeadLetter(stage: .deduplicator, errorCode: "invalid_envelope",
                                                   errorMessage: error.reason, original: record)))
                continue
            }
            guard let uniqueTopic = registry.uniqueTopic(forReceived: record.topic) else {
                invalid.append((record, DeadLetter(stage: .deduplicator, errorCode: "unknown_topic",
                                                   errorMessage: "topic \(record.topic) is not the received topic of a declared event",
                                                   original: record)))
                continue
            }
            let key = DeliveryKey(definition: envelope.definition, deliveryID: envelope.id)
            guard seen.insert(key).inserted else {
                repeatsInBatch += 1
                continue
            }
            candidates.append(Candidate(record: record, key: key, uniqueTopic: uniqueTopic))
        }
    }

    /// The candidates whose keys are not in `alreadySeen`: the records to forward.
    public func firstDeliveries(excluding alreadySeen: Set<DeliveryKey>) -> [Candidate] {
        candidates.filter { !alreadySeen.contains($0.key) }
    }
}

extension DeduplicationPlan.Candidate {
    /// The record as forwarded to the unique topic: same key, value and headers.
    public var forwardedRecord: KafkaProducerRecord {
        KafkaProducerRecord(topic: uniqueTopic.rawValue, key: record.key, value: record.value, headers: record.headers)
    }
}
