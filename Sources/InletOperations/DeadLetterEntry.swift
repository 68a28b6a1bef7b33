import InletCore
import InletKafka
import InletStageRuntime

/// Names one dead letter: the dead-letter topic, partition and offset it is stored at, written
/// `inlet.dlq.mapper/2/17`; `mapper/2/17` is accepted as short for it.
///
/// Stable for as long as the topic keeps the record (30 days by default). Tansu keeps topics in memory, so after a
/// broker restart the same ID can name a different record; the redrive records guard against that with a
/// fingerprint (see ``RedriveStore``).
public struct DeadLetterID: Hashable, Sendable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32
    public var offset: Int64

    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }

    public init(_ record: KafkaRecord) {
        self.init(topic: record.topic, partition: record.partition, offset: record.offset)
    }

    /// Parses `inlet.dlq.<stage>/<partition>/<offset>` or `<stage>/<partition>/<offset>`.
    public init(parsing text: String) throws(OperationsError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, let partition = Int32(parts[1]), partition >= 0, let offset = Int64(parts[2]), offset >= 0 else {
            throw OperationsError(.invalidArgument, "dead-letter ID '\(text.prefix(80))' must be <topic>/<partition>/<offset> (inlet.dlq.mapper/2/17) or <stage>/<partition>/<offset> (mapper/2/17); `inlet dlq list` shows them")
        }
        var topic = String(parts[0])
        if let stage = Stage(rawValue: topic) { topic = TopicName.deadLetter(stage).rawValue }
        self.init(topic: topic, partition: partition, offset: offset)
    }

    public var description: String { "\(topic)/\(partition)/\(offset)" }
}

/// A record read from a dead-letter topic, with its dead-letter headers decoded.
public struct DeadLetterEntry: Sendable {
    public var id: DeadLetterID
    public var record: KafkaRecord
    /// Nil when the record has no (or incomplete) `inlet-dlq-*` headers: it was not written by a stage.
    public var deadLetter: DeadLetter?

    public init(record: KafkaRecord) {
        self.id = DeadLetterID(record)
        self.record = record
        self.deadLetter = DeadLetter(headers: record.textHeaders)
    }

    /// Identifies this exact record across a broker restart that reset the topic's offsets: where the record
    /// originally came from and when it was dead-lettered.
    public var fingerprint: String {
        let origin = deadLetter.map { "\($0.originalTopic)/\($0.originalPartition)/\($0.originalOffset)" } ?? "-"
        return "\(origin)@\(record.timestampMilliseconds ?? -1)"
    }
}
