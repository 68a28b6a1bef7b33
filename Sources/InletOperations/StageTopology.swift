import InletCore

/// What the operator tools need to know about one stage: its consumer group and the topics around it.
public struct StageTopology: Sendable, Hashable {
    public let stage: Stage
    /// The consumer group (``Stage/consumerGroup``; for the deliverer, one subscription's group).
    public let consumerGroup: String
    /// The topics the stage consumes, from the topic catalog (its replay topic included).
    public let inputTopics: [String]
    /// `inlet.replay.<stage>`, where replays and redrives go.
    public let replayTopic: String
    /// `inlet.dlq.<stage>`.
    public let deadLetterTopic: String
    /// The subscription whose group this is: the deliverer runs one consumer group per subscription
    /// (``Stage/consumerGroup(subscription:base:)``). Nil for the other stages.
    public let subscription: String?

    public init(stage: Stage, consumerGroup: String, inputTopics: [String], replayTopic: String, deadLetterTopic: String,
                subscription: String? = nil) {
        self.stage = stage
        self.consumerGroup = consumerGroup
        self.inputTopics = inputTopics
        self.replayTopic = replayTopic
        self.deadLetterTopic = deadLetterTopic
        self.subscription = subscription
    }

    /// One subscription's share of the deliverer: group `inlet-deliverer.<id>`, reading the model topic of each model
    /// the subscription wants and `inlet.replay.deliverer` (as the deliverer's consumer for it does).
    public static func deliverer(subscription: Subscription) -> StageTopology {
        let models = Set(subscription.models).sorted().map { TopicName.model($0).rawValue }
        return StageTopology(
            stage: .deliverer, consumerGroup: Stage.deliverer.consumerGroup(subscription: subscription.id),
            inputTopics: (models + [TopicName.replay(.deliverer).rawValue]).sorted(),
            replayTopic: TopicName.replay(.deliverer).rawValue, deadLetterTopic: TopicName.deadLetter(.deliverer).rawValue,
            subscription: subscription.id)
    }

    /// The stage as the topic catalog describes it, with its stage-wide group. For the deliverer, whose groups are
    /// per subscription, use ``deliverer(subscription:)`` to act on a group; this one still names its topics.
    public init(stage: Stage, catalog: TopicCatalog) {
        self.init(
            stage: stage, consumerGroup: stage.consumerGroup,
            inputTopics: catalog.entries.filter { $0.consumers.contains(stage.rawValue) }.map(\.topic.rawValue).sorted(),
            replayTopic: TopicName.replay(stage).rawValue, deadLetterTopic: TopicName.deadLetter(stage).rawValue)
    }

    /// Every consumer group of the stages that consume from Kafka (the receiver does not), in pipeline order: one
    /// per stage, except the deliverer, which has one per subscription (``deliverer(subscription:)``, in file order).
    /// - Parameter subscriptions: the subscriptions file's entries; without them the deliverer is left out.
    public static func consumingStages(catalog: TopicCatalog, subscriptions: [Subscription] = []) -> [StageTopology] {
        Stage.allCases.filter { $0 != .receiver }.flatMap { stage in
            stage == .deliverer ? subscriptions.map(deliverer(subscription:)) : [StageTopology(stage: stage, catalog: catalog)]
        }
    }

    /// The deliverer's groups to act on: every subscription's, or the one named `id`.
    /// - Throws: ``OperationsError`` `.invalidArgument` when `id` names no subscription, or there are none.
    public static func delivererGroups(subscriptions: [Subscription], only id: String?) throws(OperationsError) -> [StageTopology] {
        let selected = subscriptions.filter { id == nil || $0.id == id }
        guard !selected.isEmpty else {
            let declared = subscriptions.map(\.id).joined(separator: ", ")
            throw OperationsError(.invalidArgument, id.map { "no subscription '\($0.prefix(80))' in the subscriptions file (INLET_SUBSCRIPTIONS_FILE); declared: \(declared.isEmpty ? "none" : declared)" }
                ?? "the subscriptions file (INLET_SUBSCRIPTIONS_FILE) declares no subscription, so the deliverer has no consumer group")
        }
        return selected.map(deliverer(subscription:))
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
