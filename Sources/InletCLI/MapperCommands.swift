import ArgumentParser
import Foundation
import InletCore
import InletMapper

struct MapperCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mapper", abstract: "Run the mapper stage (consumer group inlet-mapper).")
    func run() async throws {
        bootstrapMetrics()
        let stack = try Stack.load(label: "mapper")
        let stage = try MapperService(configuration: try mapperConfiguration(stack), definitions: stack.definitions,
                                      models: stack.models, logger: stack.logger)
        let admin = try makeAdminServer(stack) { [await stage.readiness()] }
        try await runServiceGroup([admin, stage], logger: stack.logger)
    }
}

func mapperConfiguration(_ stack: Stack) throws -> MapperConfiguration {
    var configuration = try MapperConfiguration(environment: stack.environment)
    configuration.brokers = stack.configuration.kafkaBrokers
    configuration.mappingsDirectory = stack.configuration.mappingsDirectory
    // The integrations' `filter:` expressions are applied by the mapper (docs/mappings.md, Integration filters) when
    // it is given the integrations file: INLET_INTEGRATIONS_FILE set (a missing file then stops the start), or the
    // default file present (local runs). Deployments that hand the file to the receiver alone map without filters.
    if stack.environment.string("INLET_INTEGRATIONS_FILE") != nil
        || FileManager.default.fileExists(atPath: stack.configuration.integrationsPath) {
        configuration.integrationsFile = stack.configuration.integrationsPath
    }
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
    @Option(help: "Map as this integration of the integrations file (INLET_INTEGRATIONS_FILE), applying its filter.")
    var integration: String?

    func validate() throws {
        if golden && integration != nil {
            throw ValidationError("--golden maps for the golden integration 'acme' without integration filters; drop --integration")
        }
    }

    func run() async throws {
        let stack = try Stack.load(label: "map")
        var filters = IntegrationFilters.none
        if let integration {
            let integrations = try ConfigurationFiles.integrations(at: stack.configuration.integrationsPath, definitions: stack.definitions)
            guard let chosen = integrations.first(where: { $0.id == integration }) else {
                throw MapperError(.preview, "\(stack.configuration.integrationsPath) has no integration '\(integration)' (it has: \(integrations.map(\.id).joined(separator: ", ")))")
            }
            filters = try IntegrationFilters(integrations: [chosen])
        }
        print(try MappingPreview.run(
            definition: definition, event: event, payloadPath: payload, variant: variant,
            mappingsDirectory: stack.configuration.mappingsDirectory, definitions: stack.definitions,
            models: stack.models, integration: integration ?? "preview", integrationFilters: filters,
            format: golden ? .golden : .preview), terminator: golden ? "" : "\n")
    }
}
