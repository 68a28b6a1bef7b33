/// The one place Inlet's Kafka topic names come from.
///
/// Every stage, test, script and generated file asks this type for a topic name; nobody writes one by hand.
/// The scheme (see `docs/topics.md`):
///
/// | topic | written by | read by |
/// |---|---|---|
/// | `inlet.<definition>.<event>.received` | receiver | deduplicator |
/// | `inlet.<definition>.unrouted.received` | receiver (events the definition does not declare) | operators |
/// | `inlet.<definition>.<event>.unique` | deduplicator | mapper |
/// | `inlet.model.<model>` | mapper | persister, deliverer, downstream services |
/// | `inlet.dlq.<stage>` | any stage | operators (redrive) |
/// | `inlet.replay.<stage>` | `inlet replay` | that stage |
public struct TopicName: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The literal Kafka topic name.
    public let rawValue: String
    /// What the topic carries, which decides its retention, key and the stages on each side.
    public let kind: Kind

    public enum Kind: String, Sendable, CaseIterable {
        case received, unrouted, unique, model, deadLetter = "dlq", replay, scratch
    }

    /// Kafka's own limit on topic name length.
    public static let maximumLength = 249
    static let prefix = "inlet"
    /// The event segment of the catch-all topic; no definition may declare an event that normalises to it.
    public static let unroutedSegment = "unrouted"

    init(kind: Kind, segments: [String]) {
        self.kind = kind
        self.rawValue = TopicName.fitToKafkaLimit(([TopicName.prefix] + segments).joined(separator: "."))
    }

    /// Deliveries of `event` from `definition`, exactly as received (receiver → deduplicator).
    public static func received(definition: DefinitionName, event: EventName) -> TopicName {
        TopicName(kind: .received, segments: [definition.rawValue, event.topicSegment, "received"])
    }

    /// Deliveries whose event the definition does not declare; kept, never dropped.
    public static func unrouted(definition: DefinitionName) -> TopicName {
        TopicName(kind: .unrouted, segments: [definition.rawValue, unroutedSegment, "received"])
    }

    /// First deliveries only (deduplicator → mapper).
    public static func unique(definition: DefinitionName, event: EventName) -> TopicName {
        TopicName(kind: .unique, segments: [definition.rawValue, event.topicSegment, "unique"])
    }

    /// Normalised records of one internal model (mapper → persister, deliverer, downstream).
    public static func model(_ model: ModelName) -> TopicName {
        TopicName(kind: .model, segments: ["model", model.topicSegment])
    }

    /// Dead letters of one stage; the error travels in the record headers.
    public static func deadLetter(_ stage: Stage) -> TopicName {
        TopicName(kind: .deadLetter, segments: ["dlq", stage.rawValue])
    }

    /// Records re-produced by `inlet replay` for one stage, which consumes it beside its normal input.
    public static func replay(_ stage: Stage) -> TopicName {
        TopicName(kind: .replay, segments: ["replay", stage.rawValue])
    }

    /// A topic for measurements and experiments (benchmark baselines), outside the pipeline and the catalog:
    /// `inlet.scratch.<purpose>`. No stage reads it.
    public static func scratch(_ purpose: String) -> TopicName {
        TopicName(kind: .scratch, segments: ["scratch", EventName.normalise(purpose)])
    }

    public var description: String { rawValue }
    public static func < (lhs: TopicName, rhs: TopicName) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Names longer than Kafka allows keep a readable head and get a stable hash of the full name as suffix,
    /// so two long names that share a head still differ.
    static func fitToKafkaLimit(_ name: String) -> String {
        guard name.utf8.count > maximumLength else { return name }
        let suffix = "-" + StableHash.hex(of: name)
        let head = name.utf8.prefix(maximumLength - suffix.utf8.count)
        return String(decoding: head, as: UTF8.self) + suffix
    }
}

/// The five pipeline stages (plus the receiver's HTTP edge), as they appear in topic names, consumer groups and logs.
public enum Stage: String, Sendable, CaseIterable, Codable {
    case receiver, deduplicator, mapper, persister, deliverer

    /// The consumer group of a stage: one group per stage, so each stage scales on its own.
    public var consumerGroup: String { "inlet-\(rawValue)" }

    /// The consumer group of one subscription, for a stage that consumes once per subscription (the deliverer, so
    /// that a slow subscriber delays only itself): `<base>.<subscription>`, `base` defaulting to ``consumerGroup``,
    /// e.g. `inlet-deliverer.crm-sync`. The stage, `inlet status` and `inlet replay` all ask this function.
    ///
    /// Distinct subscription IDs give distinct groups, none equal to a stage's own group (no stage name has a dot).
    /// The deliverer refuses IDs that would make an awkward group name (see `DelivererConfiguration.validate()`).
    public func consumerGroup(subscription: String, base: String? = nil) -> String {
        "\(base ?? consumerGroup).\(subscription)"
    }
}

/// FNV-1a 64-bit: stable across processes, platforms and Swift versions (unlike `Hasher`), and needs no crypto.
enum StableHash {
    static func hex(of text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
