/// The definitions known to this process, checked once at start-up.
///
/// Registration fails when two events of one definition normalise to the same topic segment
/// (`orders/create` and `orders.create`), or when an event normalises to the reserved `unrouted` segment:
/// either would silently merge two event streams into one topic. It also fails when a definition is unusable
/// (``WebhookDefinition/problems``: an invalid header name, an empty body path, a bad batch layout), so requests
/// never meet a broken definition.
public struct DefinitionRegistry: Sendable {
    public let definitions: [DefinitionName: WebhookDefinition]
    /// Each declared event's unique topic by its received topic's name: the deduplicator asks once per record, so
    /// the names are built once here (scanning every definition per record, building names, cost it 4 % of its CPU).
    private let uniqueTopicByReceived: [String: TopicName]

    public init(_ definitions: [WebhookDefinition] = WebhookDefinition.builtIn) throws(InletCoreError) {
        var byName: [DefinitionName: WebhookDefinition] = [:]
        for definition in definitions {
            guard byName[definition.name] == nil else {
                throw InletCoreError(.topicCollision, "definition '\(definition.name)' is registered twice")
            }
            if let problem = definition.problems.first {
                throw InletCoreError(.invalidConfiguration, "definition '\(definition.name)' is unusable: \(problem)")
            }
            var segments: [String: EventName] = [:]
            for event in definition.events {
                if event.topicSegment == TopicName.unroutedSegment {
                    throw InletCoreError(.topicCollision, "definition '\(definition.name)' declares event '\(event)', whose topic segment '\(TopicName.unroutedSegment)' is reserved for undeclared events; rename the event in the definition")
                }
                if let other = segments[event.topicSegment] {
                    throw InletCoreError(.topicCollision, "definition '\(definition.name)': events '\(other)' and '\(event)' both normalise to topic segment '\(event.topicSegment)'; they would share a topic")
                }
                segments[event.topicSegment] = event
            }
            byName[definition.name] = definition
        }
        self.definitions = byName
        var uniqueTopicByReceived: [String: TopicName] = [:]
        for definition in byName.values {
            for event in definition.events {
                uniqueTopicByReceived[TopicName.received(definition: definition.name, event: event).rawValue] =
                    .unique(definition: definition.name, event: event)
            }
        }
        self.uniqueTopicByReceived = uniqueTopicByReceived
    }

    public subscript(name: String) -> WebhookDefinition? {
        guard let name = try? DefinitionName(name) else { return nil }
        return definitions[name]
    }

    /// The topic a delivery of `event` from `definition` is written to by the receiver.
    public func receivedTopic(definition: WebhookDefinition, event: String) -> TopicName {
        definition.declares(event)
            ? .received(definition: definition.name, event: EventName(event))
            : .unrouted(definition: definition.name)
    }

    /// Every received topic the deduplicator consumes (declared events only), sorted.
    public var receivedTopics: [TopicName] {
        definitions.values.flatMap { definition in
            definition.events.map { TopicName.received(definition: definition.name, event: $0) }
        }.sorted()
    }

    /// Every unique topic the mapper consumes, sorted.
    public var uniqueTopics: [TopicName] {
        definitions.values.flatMap { definition in
            definition.events.map { TopicName.unique(definition: definition.name, event: $0) }
        }.sorted()
    }

    /// The unique topic matching a received topic; `nil` for topics that are not a declared event's received topic.
    public func uniqueTopic(forReceived topic: String) -> TopicName? {
        uniqueTopicByReceived[topic]
    }
}
