import Foundation
import Testing
import Yams
@testable import InletCore

/// `StrimziTopics` and the `deploy/kubernetes/topics.yaml` generated from it.
@Suite struct DeployStrimziTopicsTests {
    static func catalog() throws -> TopicCatalog {
        TopicCatalog(definitions: try DefinitionRegistry(), models: try ModelRegistry())
    }

    /// DNS-1123 subdomain, as Kubernetes validates `metadata.name` (written independently of the code under test).
    static let subdomain = try! NSRegularExpression(pattern: #"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"#)

    static func isSubdomain(_ name: String) -> Bool {
        name.utf8.count <= 253 && subdomain.firstMatch(in: name, range: NSRange(name.startIndex..., in: name)) != nil
    }

    @Test func committedTopicsManifestMatchesTheCode() throws {
        let committed = try DeployRepository.text("deploy/kubernetes/topics.yaml")
        let generated = try StrimziTopics(catalog: try Self.catalog()).yaml()
        #expect(committed == generated,
                "deploy/kubernetes/topics.yaml is stale: run deploy/kubernetes/generate.sh (inlet topics export --format strimzi) and commit it")
    }

    @Test func everyCatalogTopicBecomesOneKafkaTopicWithItsSettings() throws {
        let catalog = try Self.catalog()
        var options = StrimziTopics.Options()
        options.clusterName = "prod-kafka"
        options.namespace = "kafka"
        let documents = Array(try Yams.load_all(yaml: try StrimziTopics(catalog: catalog, options: options).yaml()))
        #expect(documents.count == catalog.entries.count)
        var names = Set<String>()
        for (entry, document) in zip(catalog.entries, documents) {
            #expect(DeployYAML.string(at: "apiVersion", in: document) == StrimziTopics.apiVersion)
            #expect(DeployYAML.string(at: "kind", in: document) == "KafkaTopic")
            #expect(DeployYAML.string(at: "metadata.namespace", in: document) == "kafka")
            #expect(DeployYAML.stringMapping(at: "metadata.labels", in: document)["strimzi.io/cluster"] == "prod-kafka")
            #expect(DeployYAML.string(at: "spec.topicName", in: document) == entry.topic.rawValue)
            #expect(DeployYAML.int(at: "spec.partitions", in: document) == entry.partitions)
            #expect(DeployYAML.int(at: "spec.replicas", in: document) == 3)
            let config = DeployYAML.mapping(at: "spec.config", in: document)
            #expect((config["retention.ms"] as? Int).map(Int64.init) == entry.retentionMs)
            #expect(config["min.insync.replicas"] as? Int == 2)
            #expect(DeployYAML.stringMapping(at: "metadata.annotations", in: document)["inlet/producers"]
                    == entry.producers.joined(separator: ", "))
            let name = try #require(DeployYAML.string(at: "metadata.name", in: document))
            #expect(Self.isSubdomain(name), "\(name) is not a valid Kubernetes name")
            #expect(names.insert(name).inserted, "two topics share the resource name \(name)")
        }
    }

    @Test func resourceNamesAreValidUniqueAndTheTopicNameWhenItFits() throws {
        let long = String(repeating: "x", count: 240)
        let topics: [TopicName] = [
            .received(definition: try DefinitionName("github"), event: EventName("push")),
            .received(definition: try DefinitionName("github"), event: EventName("pull_request")),
            .received(definition: try DefinitionName("github"), event: EventName("pull-request")),
            .received(definition: try DefinitionName("my_provider"), event: EventName("_leading")),
            .received(definition: try DefinitionName("my_provider"), event: EventName("trailing_")),
            .unique(definition: try DefinitionName("-x-"), event: EventName("__")),
            .unique(definition: try DefinitionName("stripe"), event: EventName("customer.subscription.updated")),
            .received(definition: try DefinitionName("stripe"), event: EventName(long + "_a")),
            .received(definition: try DefinitionName("stripe"), event: EventName(long + "_b")),
            .model(try ModelName("PullRequest")),
        ]
        var names = Set<String>()
        for topic in topics {
            let name = StrimziTopics.resourceName(for: topic)
            #expect(Self.isSubdomain(name), "\(topic.rawValue) → \(name) is not a valid Kubernetes name")
            #expect(names.insert(name).inserted, "\(topic.rawValue) → \(name) collides")
            if Self.isSubdomain(topic.rawValue) { #expect(name == topic.rawValue) }
        }
        #expect(StrimziTopics.resourceName(for: topics[0]) == "inlet.github.push.received")
        // Stable across runs and processes: the committed file depends on it.
        #expect(StrimziTopics.resourceName(for: topics[1]) == "inlet.github.pull-request.received-3e196c5d8a121904")
    }

    @Test func inSyncReplicasKeepWritesDurableOnTwoBrokersWhenThereAreThree() throws {
        let catalog = try Self.catalog()
        for (replicas, expected) in [(1, 1), (2, 1), (3, 2), (5, 2)] {
            var options = StrimziTopics.Options()
            options.replicas = replicas
            #expect(try StrimziTopics(catalog: catalog, options: options).minInSyncReplicas == expected)
        }
    }

    @Test func badClusterNamespaceOrReplicasAreRefusedByName() throws {
        let catalog = try Self.catalog()
        let cases: [(StrimziTopics.Options, String)] = [
            ({ var o = StrimziTopics.Options(); o.clusterName = "My_Cluster"; return o }(), "My_Cluster"),
            ({ var o = StrimziTopics.Options(); o.clusterName = ""; return o }(), "cluster name"),
            ({ var o = StrimziTopics.Options(); o.namespace = "-kafka"; return o }(), "-kafka"),
            ({ var o = StrimziTopics.Options(); o.replicas = 0; return o }(), "replicas 0"),
        ]
        for (options, mention) in cases {
            #expect {
                try StrimziTopics(catalog: catalog, options: options)
            } throws: { error in
                (error as? InletCoreError)?.code == .invalidConfiguration && (error as? InletCoreError)?.reason.contains(mention) == true
            }
        }
    }
}
