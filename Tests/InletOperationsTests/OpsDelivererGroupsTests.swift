import Foundation
import InletCore
import InletKafka
import Testing

@testable import InletOperations

/// The deliverer's consumer groups (one per subscription) as `inlet status` and `inlet replay rewind` see them.
@Suite struct OpsDelivererGroupsTests {
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

    static func subscription(_ id: String, _ models: [String]) throws -> Subscription {
        Subscription(id: id, url: "http://127.0.0.1:1/\(id)", secret: secret, models: try models.map(ModelName.init))
    }

    @Test func statusListsOneDelivererGroupPerSubscriptionWithItsOwnTopics() throws {
        let catalog = TopicCatalog(definitions: try DefinitionRegistry(), models: try ModelRegistry())
        let subscriptions = [try Self.subscription("crm", ["Order", "Customer"]), try Self.subscription("ci", ["PullRequest"])]
        let stages = StageTopology.consumingStages(catalog: catalog, subscriptions: subscriptions)
        #expect(stages.map(\.consumerGroup) == ["inlet-deduplicator", "inlet-mapper", "inlet-persister",
                                                "inlet-deliverer.crm", "inlet-deliverer.ci"])
        #expect(stages.map(\.subscription) == [nil, nil, nil, "crm", "ci"])
        let crm = stages[3]
        #expect(crm.stage == .deliverer)
        #expect(crm.inputTopics == ["inlet.model.customer", "inlet.model.order", "inlet.replay.deliverer"])
        #expect(crm.deadLetterTopic == "inlet.dlq.deliverer")
        #expect(crm.replayTopic == "inlet.replay.deliverer")
        #expect(!StageTopology.consumingStages(catalog: catalog).contains { $0.stage == .deliverer },
                "without the subscriptions file no deliverer group can be named")
    }

    @Test func replayActsOnEverySubscriptionsGroupOrTheOneNamed() throws {
        let subscriptions = [try Self.subscription("crm", ["Order"]), try Self.subscription("ci", ["PullRequest"])]
        #expect(try StageTopology.delivererGroups(subscriptions: subscriptions, only: nil).map(\.consumerGroup)
                    == ["inlet-deliverer.crm", "inlet-deliverer.ci"])
        #expect(try StageTopology.delivererGroups(subscriptions: subscriptions, only: "ci").map(\.consumerGroup) == ["inlet-deliverer.ci"])
        do {
            _ = try StageTopology.delivererGroups(subscriptions: subscriptions, only: "typo")
            Issue.record("accepted an unknown subscription")
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.description.contains("crm, ci"), "names the declared subscriptions: \(error)")
        }
        #expect(throws: OperationsError.self) { try StageTopology.delivererGroups(subscriptions: [], only: nil) }
    }
}

@Suite(.enabled(if: OpsTestEnvironment.isConfigured, "needs the local stack: source deploy/local/env.sh"))
struct OpsDelivererGroupsBrokerTests {
    @Test func statusAndRewindWorkOnEachSubscriptionsGroup() async throws {
        let suffix = OpsTestEnvironment.uniqueName("ops-deliv")
        let model = try ModelName("OpsDeliv\(suffix.suffix(8).uppercased())")
        let topic = TopicName.model(model).rawValue
        try await OpsTestEnvironment.createTopic(topic, partitions: 1)
        try await OpsTestEnvironment.createTopic(TopicName.replay(.deliverer).rawValue, partitions: 1)
        try await OpsTestEnvironment.createTopic(TopicName.deadLetter(.deliverer).rawValue, partitions: 1)
        try await OpsTestEnvironment.produce((0..<6).map { KafkaProducerRecord(topic: topic, partition: 0, value: [UInt8($0)]) })
        let fast = StageTopology.deliverer(subscription: try OpsDelivererGroupsTests.subscription("\(suffix)-fast", [model.rawValue]))
        let slow = StageTopology.deliverer(subscription: try OpsDelivererGroupsTests.subscription("\(suffix)-slow", [model.rawValue]))
        let clients = try OpsTestEnvironment.clients()
        let partition = KafkaTopicPartition(topic: topic, partition: 0)
        // The fast subscription's group is at the end of the topic, the slow one's at offset 1.
        try await clients.admin.alterCommittedOffsets(groupID: fast.consumerGroup, offsets: [partition: 6])
        try await clients.admin.alterCommittedOffsets(groupID: slow.consumerGroup, offsets: [partition: 1])

        let status = await StatusCollector(clients: clients, postgres: nil).collect(stages: [fast, slow])
        #expect(status.stages.map(\.group) == ["inlet-deliverer.\(suffix)-fast", "inlet-deliverer.\(suffix)-slow"])
        #expect(status.stages.map(\.stage) == ["deliverer", "deliverer"])
        #expect(status.stages.allSatisfy { $0.error == nil && $0.missingTopics.isEmpty })
        let lags = status.stages.map { $0.partitions.first { $0.topic == topic }?.lag }
        #expect(lags == [0, 5])
        let table = StatusTable.render(status)
        #expect(table.contains("inlet-deliverer.\(suffix)-fast") && table.contains("inlet-deliverer.\(suffix)-slow"))

        // `inlet replay rewind --stage deliverer --subscription <slow> --to end`: only that group moves.
        let rewinder = ConsumerGroupRewinder(admin: clients.admin, resolver: clients.resolver)
        for topology in try StageTopology.delivererGroups(subscriptions: [
            try OpsDelivererGroupsTests.subscription("\(suffix)-fast", [model.rawValue]),
            try OpsDelivererGroupsTests.subscription("\(suffix)-slow", [model.rawValue]),
        ], only: "\(suffix)-slow") {
            try await rewinder.apply(try await rewinder.plan(groupID: topology.consumerGroup, topics: [topic], to: .end), force: false)
        }
        #expect(try await clients.admin.committedOffsets(groupID: slow.consumerGroup)[partition] == 6)
        #expect(try await clients.admin.committedOffsets(groupID: fast.consumerGroup)[partition] == 6)
        try await clients.admin.alterCommittedOffsets(groupID: fast.consumerGroup, offsets: [partition: 2])
        for topology in try StageTopology.delivererGroups(subscriptions: [
            try OpsDelivererGroupsTests.subscription("\(suffix)-fast", [model.rawValue]),
        ], only: nil) {
            try await rewinder.apply(try await rewinder.plan(groupID: topology.consumerGroup, topics: [topic], to: .offset(4)), force: false)
        }
        #expect(try await clients.admin.committedOffsets(groupID: fast.consumerGroup)[partition] == 4)
    }
}
