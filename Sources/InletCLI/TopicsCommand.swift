import ArgumentParser
import Foundation
import InletCore
import InletKafka

struct TopicsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics",
        abstract: "Inspect and provision the topics the topic-naming module derives.",
        subcommands: [List.self, Create.self, Check.self, Catalog.self, Export.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List every topic Inlet uses and whether the broker has it.")
        @Flag(help: "Only print the catalog; do not ask the broker.") var offline = false

        func run() async throws {
            let stack = try Stack.load(label: "topics")
            var existing: [String: Int] = [:]
            if !offline {
                for topic in try await stack.admin().listTopics() { existing[topic.name] = topic.partitionCount }
            }
            for entry in stack.catalog.entries {
                let state = offline ? "" : existing[entry.topic.rawValue].map { "  present (\($0) partitions)" } ?? "  MISSING"
                print("\(entry.topic.rawValue)  [\(entry.topic.kind.rawValue)] \(entry.producers.joined(separator: ",")) → \(entry.consumers.joined(separator: ","))\(state)")
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create every topic in the catalog that the broker lacks.")
        func run() async throws {
            let stack = try Stack.load(label: "topics")
            let specifications = stack.catalog.entries.map {
                KafkaTopicSpecification(name: $0.topic.rawValue, partitions: $0.partitions,
                                        configs: ["retention.ms": String($0.retentionMs)])
            }
            let created = try await stack.admin().createTopics(specifications)
            print("topics: \(created.count) created, \(specifications.count - created.count) already present")
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fail when topics/catalog.yaml differs from what the code derives (run `make catalog` to regenerate).")
        @Option(help: "The catalog file to compare.") var file = "topics/catalog.yaml"

        func run() async throws {
            let stack = try Stack.load(label: "topics")
            let expected = stack.catalog.yaml()
            guard let data = FileManager.default.contents(atPath: file) else {
                throw ValidationError("cannot read \(file); run `make catalog` to generate it")
            }
            let actual = String(decoding: data, as: UTF8.self)
            guard actual == expected else {
                let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
                let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
                let firstDifference = zip(expectedLines, actualLines).enumerated().first { $0.element.0 != $0.element.1 }?.offset
                    ?? min(expectedLines.count, actualLines.count)
                throw ValidationError("""
                    \(file) differs from the code at line \(firstDifference + 1):
                      code: \(firstDifference < expectedLines.count ? expectedLines[firstDifference] : "(end)")
                      file: \(firstDifference < actualLines.count ? actualLines[firstDifference] : "(end)")
                    Run `make catalog` and commit the result.
                    """)
            }
            print("\(file) matches the code (\(stack.catalog.entries.count) topics)")
        }
    }

    struct Catalog: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the catalog YAML derived from the code.")
        func run() async throws {
            print(try Stack.load(label: "topics").catalog.yaml(), terminator: "")
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print every catalog topic as a Kubernetes manifest (Strimzi KafkaTopic resources).",
            discussion: """
                Example: inlet topics export --format strimzi --namespace kafka --cluster my-cluster > topics.yaml
                Partitions come from INLET_TOPIC_PARTITIONS, as for `inlet topics create`.
                deploy/kubernetes/topics.yaml is this output with the defaults; a test compares them.
                """)

        enum Format: String, ExpressibleByArgument, CaseIterable {
            /// `KafkaTopic` resources for the Strimzi Topic Operator.
            case strimzi
        }

        @Option(help: "What to print.") var format: Format
        @Option(help: "metadata.namespace of every topic (default: none, left to kubectl or kustomize).") var namespace: String?
        @Option(help: "The Strimzi Kafka cluster the topics belong to (label strimzi.io/cluster).")
        var cluster = StrimziTopics.Options().clusterName
        @Option(help: "Replicas of every partition.") var replicas = StrimziTopics.Options().replicas

        func run() async throws {
            let stack = try Stack.load(label: "topics")
            var options = StrimziTopics.Options()
            options.clusterName = cluster
            options.namespace = namespace
            options.replicas = replicas
            switch format {
            case .strimzi:
                do {
                    print(try StrimziTopics(catalog: stack.catalog, options: options).yaml(), terminator: "")
                } catch {
                    throw ValidationError(error.reason)
                }
            }
        }
    }
}
