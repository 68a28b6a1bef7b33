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
///
/// Records come from the received topics and from `inlet.replay.deduplicator`. A record on the replay topic names
/// the received topic it was first read from in ``ReplayOrigin/topicHeader``; its unique topic is found by that.
/// A record carrying a replay ID (`ce_inletreplayid`, put there by `inlet replay` or `inlet dlq redrive`) is a
/// replayed candidate: an operator asked for it to be processed again, so it is forwarded even when its delivery
/// was seen before (see ``recordsToForward(excluding:)``). Replays are deduplicated only among themselves inside a
/// batch, so replaying a range that holds a provider's retries still forwards each delivery once.
public struct DeduplicationPlan: Sendable {
    public struct Candidate: Sendable {
        public let record: KafkaRecord
        public let key: DeliveryKey
        public let uniqueTopic: TopicName
        /// Whether the record carries a replay ID: forwarded whatever the seen store says.
        public let isReplayed: Bool
    }

    public private(set) var candidates: [Candidate] = []
    /// Records that repeat an earlier record of the same batch.
    public private(set) var repeatsInBatch = 0
    /// Records that cannot be deduplicated (no envelope, not a declared event's topic): dead letters.
    public private(set) var invalid: [(record: KafkaRecord, deadLetter: DeadLetter)] = []

    public init(records: [KafkaRecord], registry: DefinitionRegistry) {
        let replayTopic = TopicName.replay(.deduplicator).rawValue
        var seen = Set<DeliveryKey>()
        var seenReplays = Set<DeliveryKey>()
        for record in records {
            let envelope: Envelope
            do {
                envelope = try record.envelope()
            } catch {
                invalid.append((record, DeadLetter(stage: .deduplicator, errorCode: "invalid_envelope",
                                                   errorMessage: error.reason, original: record)))
                continue
            }
            let receivedTopic: String
            if record.topic == replayTopic {
                guard let origin = record.headers.first(ReplayOrigin.topicHeader) else {
                    invalid.append((record, DeadLetter(
                        stage: .deduplicator, errorCode: "missing_replay_origin",
                        errorMessage: "a record on \(replayTopic) has no \(ReplayOrigin.topicHeader) header naming its received topic; produce replays with `inlet replay` or `inlet dlq redrive`",
                        original: record)))
                    continue
                }
                receivedTopic = origin
            } else {
                receivedTopic = record.topic
            }
            guard let uniqueTopic = registry.uniqueTopic(forReceived: receivedTopic) else {
                invalid.append((record, DeadLetter(stage: .deduplicator, errorCode: "unknown_topic",
                                                   errorMessage: "topic \(receivedTopic) is not the received topic of a declared event",
                                                   original: record)))
                continue
            }
            let key = DeliveryKey(definition: envelope.definition, deliveryID: envelope.id)
            let isReplayed = record.isReplayed
            let inserted = isReplayed ? seenReplays.insert(key).inserted : seen.insert(key).inserted
            guard inserted else {
                repeatsInBatch += 1
                continue
            }
            candidates.append(Candidate(record: record, key: key, uniqueTopic: uniqueTopic, isReplayed: isReplayed))
        }
    }

    /// The keys to look up in the seen store: those of the candidates that are not replays (replays are forwarded
    /// regardless).
    public var keysToLookUp: [DeliveryKey] {
        candidates.filter { !$0.isReplayed }.map(\.key)
    }

    /// The records to forward: every replayed candidate, and the others whose keys are not in `alreadySeen`.
    public func recordsToForward(excluding alreadySeen: Set<DeliveryKey>) -> [Candidate] {
        candidates.filter { $0.isReplayed || !alreadySeen.contains($0.key) }
    }
}

extension DeduplicationPlan.Candidate {
    /// The record as forwarded to the unique topic: same key, value and headers (a replay keeps its replay ID and
    /// origin headers, so the mapper counts it as replayed and passes the ID on).
    public var forwardedRecord: KafkaProducerRecord {
        KafkaProducerRecord(topic: uniqueTopic.rawValue, key: record.key, value: record.value, headers: record.headers)
    }
}
