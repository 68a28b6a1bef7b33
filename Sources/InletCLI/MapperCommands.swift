import ArgumentParser
import Foundation
import InletCore
import InletMapper

struct MapperCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mapper", abstract: "Run the mapper stage (consumer group inlet-mapper).")
    func run() async throws {
        let stack = try Stack.load(label: "mapper")
        let stage = try MapperService(configuration: try mapperConfiguration(stack), definitions: stack.definitions,
                                      models: stack.models, logger: stack.logger)
        try await runServiceGroup([stage], logger: stack.logger)
    }
}

func mapperConfiguration(_ stack: Stack) throws -> MapperConfiguration {
    var configuration = try MapperConfiguration(environment: stack.environment)
    configuration.brokers = stack.configuration.kafkaBrokers
    configuration.mappingsDirectory = stack.configuration.mappingsDirectory
    return configuration
}

struct MapCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "map",
        abstract: "Run a mapping on one payload and print the records it produces (or why it filtered or failed).",
        discussion: """
            Example: inlet map github pull_request payload.json
            With --golden the output is the golden format of docs/mappings.md, mapped for integration 'acme' with a
            fixed envelope; write it next to a fixture to (re)generate its expected file:
              inlet map github issues Tests/Fixtures/github/issues/opened.json --golden > Tests/Fixtures/github/issues/opened.expected.json
            """)
    @Argument(help: "The definition, e.g. github.") var definition: String
    @Argument(help: "The provider's event name, e.g. pull_request (or its topic-safe form, e.g. repo_push).") var event: String
    @Argument(help: "A JSON file holding the webhook body.") var payload: String
    @Option(help: "The variant the receiver would have extracted.") var variant: String?
    @Flag(help: "Print the golden format (the content of a <case>.expected.json file).") var golden = false

    func run() async throws {
        let stack = try Stack.load(label: "map")
        print(try MappingPreview.run(
            definition: definition, event: event, payloadPath: payload, variant: variant,
            mappingsDirectory: stack.configuration.mappingsDirectory, definitions: stack.definitions,
            models: stack.models, format: golden ? .golden : .preview), terminator: golden ? "" : "\n")
    }
}
