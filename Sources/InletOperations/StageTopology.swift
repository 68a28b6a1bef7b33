import InletCore

/// What the operator tools need to know about one stage: its consumer group and the topics around it.
public struct StageTopology: Sendable, Hashable {
    public let stage: Stage
    /// The stage's consumer group (``Stage/consumerGroup``).
    public let consumerGroup: String
    /// The topics the stage consumes, from the topic catalog (its replay topic included).
    public let inputTopics: [String]
    /// `inlet.replay.<stage>`, where replays and redrives go.
    public let replayTopic: String
    /// `inlet.dlq.<stage>`.
    public let deadLetterTopic: String

    public init(stage: Stage, consumerGroup: String, inputTopics: [String], replayTopic: String, deadLetterTopic: String) {
        self.stage = stage
        self.consumerGroup = consumerGroup
        self.inputTopics = inputTopics
        self.replayTopic = replayTopic
        self.deadLetterTopic = deadLetterTopic
    }

    /// The stage as the topic catalog describes it.
    public init(stage: Stage, catalog: TopicCatalog) {
        self.init(
            stage: stage, consumerGroup: stage.consumerGroup,
            inputTopics: catalog.entries.filter { $0.consumers.contains(stage.rawValue) }.map(\.topic.rawValue).sorted(),
            replayTopic: TopicName.replay(stage).rawValue, deadLetterTopic: TopicName.deadLetter(stage).rawValue)
    }

    /// Every stage that consumes from Kafka (the receiver does not), in pipeline order.
    public static func consumingStages(catalog: TopicCatalog) -> [StageTopology] {
        Stage.allCases.filter { $0 != .receiver }.map { StageTopology(stage: $0, catalog: catalog) }
    }

    /// Parses a stage name from the command line.
    /// - Throws: ``OperationsError`` `.invalidArgument` listing the stage names.
    public static func stage(named name: String) throws(OperationsError) -> Stage {
        guard let stage = Stage(rawValue: name.lowercased()) else {
            throw OperationsError(.invalidArgument, "unknown stage '\(name.prefix(40))'; use one of \(Stage.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return stage
    }
}
