import Testing
@testable import InletCore

@Suite struct TopicNameTests {
    let github = try! DefinitionName("github")

    @Test func receivedUniqueAndUnroutedTopicsFollowTheScheme() {
        let event = EventName("pull_request")
        #expect(TopicName.received(definition: github, event: event).rawValue == "inlet.github.pull_request.received")
        #expect(TopicName.unique(definition: github, event: event).rawValue == "inlet.github.pull_request.unique")
        #expect(TopicName.unrouted(definition: github).rawValue == "inlet.github.unrouted.received")
    }

    @Test func modelDeadLetterAndReplayTopicsFollowTheScheme() throws {
        #expect(TopicName.model(try ModelName("PullRequest")).rawValue == "inlet.model.pull_request")
        #expect(TopicName.deadLetter(.mapper).rawValue == "inlet.dlq.mapper")
        #expect(TopicName.replay(.persister).rawValue == "inlet.replay.persister")
        #expect(TopicName.scratch("Produce Baseline").rawValue == "inlet.scratch.produce_baseline")
    }

    @Test(arguments: [
        ("customer.subscription.updated", "customer_subscription_updated"),
        ("orders/create", "orders_create"),
        ("Issue", "issue"),
        ("endpoint.url_validation", "endpoint_url_validation"),
        ("über event", "__ber_event"),
        ("", "_"),
    ])
    func eventNamesNormaliseToTopicSafeSegments(raw: String, segment: String) {
        #expect(EventName(raw).topicSegment == segment)
        #expect(EventName(raw).rawValue == raw)
    }

    @Test func namesOverKafkasLimitGetAStableHashSuffix() {
        let longEvent = EventName(String(repeating: "a", count: 300))
        let otherLong = EventName(String(repeating: "a", count: 299) + "b")
        let first = TopicName.received(definition: github, event: longEvent).rawValue
        #expect(first.utf8.count == TopicName.maximumLength)
        #expect(first == TopicName.received(definition: github, event: longEvent).rawValue, "must be stable")
        #expect(first != TopicName.received(definition: github, event: otherLong).rawValue)
        #expect(first.hasPrefix("inlet.github.aaaa"))
    }

    @Test func stableHashIsFNV1a() {
        // Known FNV-1a 64 values: "" and "a".
        #expect(StableHash.hex(of: "") == "cbf29ce484222325")
        #expect(StableHash.hex(of: "a") == "af63dc4c8601ec8c")
    }

    @Test(arguments: ["", "GitHub", "has space", "dot.ted", String(repeating: "x", count: 65)])
    func invalidDefinitionNamesAreRejected(name: String) {
        #expect(throws: InletCoreError.self) { try DefinitionName(name) }
    }

    @Test func modelNamesBecomeSnakeCase() throws {
        #expect(try ModelName("PullRequest").topicSegment == "pull_request")
        #expect(try ModelName("EmailEvent").topicSegment == "email_event")
        #expect(throws: InletCoreError.self) { try ModelName("pullRequest") }
        #expect(throws: InletCoreError.self) { try ModelName("Pull_Request") }
    }

    @Test func stageConsumerGroupsAreDistinct() {
        #expect(Set(Stage.allCases.map(\.consumerGroup)).count == Stage.allCases.count)
        #expect(Stage.mapper.consumerGroup == "inlet-mapper")
    }

    @Test func eachDelivererSubscriptionHasItsOwnGroupBesideTheStageGroups() {
        #expect(Stage.deliverer.consumerGroup(subscription: "crm-sync") == "inlet-deliverer.crm-sync")
        #expect(Stage.deliverer.consumerGroup(subscription: "crm-sync", base: "test-run-7") == "test-run-7.crm-sync")
        let ids = ["a", "b", "a.b", "a-b", "A", "crm_sync"]
        let groups = ids.map { Stage.deliverer.consumerGroup(subscription: $0) }
        #expect(Set(groups).count == ids.count, "distinct subscription IDs must give distinct groups")
        #expect(Set(groups).isDisjoint(with: Stage.allCases.map(\.consumerGroup)))
    }
}

@Suite struct DefinitionRegistryTests {
    func definition(_ events: [String]) -> WebhookDefinition {
        WebhookDefinition(name: try! DefinitionName("shop"), title: "Shop", signature: .standardWebhooks,
                          deliveryID: .header("id"), eventName: .header("event"), events: events.map(EventName.init))
    }

    @Test func eventsThatNormaliseToOneTopicAreAStartupError() {
        #expect(throws: InletCoreError.self) { try DefinitionRegistry([definition(["orders/create", "orders.create"])]) }
    }

    @Test func anEventNamedLikeTheUnroutedTopicIsRejected() {
        #expect(throws: InletCoreError.self) { try DefinitionRegistry([definition(["Unrouted"])]) }
    }

    @Test func aDefinitionRegisteredTwiceIsRejected() {
        #expect(throws: InletCoreError.self) { try DefinitionRegistry([definition(["a"]), definition(["b"])]) }
    }

    @Test func undeclaredEventsGoToTheUnroutedTopic() throws {
        let registry = try DefinitionRegistry()
        let github = try #require(registry["github"])
        #expect(registry.receivedTopic(definition: github, event: "pull_request").rawValue == "inlet.github.pull_request.received")
        #expect(registry.receivedTopic(definition: github, event: "star").rawValue == "inlet.github.unrouted.received")
    }

    @Test func receivedTopicsMapToTheirUniqueTopics() throws {
        let registry = try DefinitionRegistry()
        #expect(registry.uniqueTopic(forReceived: "inlet.github.push.received")?.rawValue == "inlet.github.push.unique")
        #expect(registry.uniqueTopic(forReceived: "inlet.github.unrouted.received") == nil)
        #expect(registry.receivedTopics.count == registry.uniqueTopics.count)
        #expect(registry.uniqueTopic(forReceived: "inlet.stripe.customer_subscription_updated.received")?.rawValue
                == "inlet.stripe.customer_subscription_updated.unique")
        for definition in registry.definitions.values {
            for event in definition.events {
                let received = TopicName.received(definition: definition.name, event: event)
                #expect(registry.uniqueTopic(forReceived: received.rawValue) == .unique(definition: definition.name, event: event),
                        "\(received)")
            }
        }
    }
}
