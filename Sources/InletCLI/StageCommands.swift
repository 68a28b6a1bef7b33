import ArgumentParser
import InletCore
import InletDeduplicator
import InletKafka
import InletPersister
import Logging
import ServiceLifecycle

/// Runs services in one group that stops them in reverse order on SIGTERM or SIGINT: list what a service depends
/// on (the producer) before it, so the stage finishes and commits before the producer flushes and stops.
func runServiceGroup(_ services: [any Service], logger: Logger) async throws {
    let group = ServiceGroup(configuration: ServiceGroupConfiguration(
        services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
        gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
    try await group.run()
}

struct DeduplicatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deduplicator", abstract: "Run the deduplicator stage (consumer group inlet-deduplicator).")
    func run() async throws {
        let stack = try Stack.load(label: "deduplicator")
        let producer = try stack.producer(clientID: "inlet-deduplicator")
        let postgres = try stack.postgres()
        let stage = try DeduplicatorService(
            configuration: try DeduplicatorConfiguration(environment: stack.environment), consumer: stack.consumer,
            producer: producer, postgres: postgres, registry: stack.definitions, logger: stack.logger)
        try await runServiceGroup([producer, stage], logger: stack.logger)
        await postgres.close()
    }
}

struct PersisterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "persister", abstract: "Run the persister stage (consumer group inlet-persister).")
    func run() async throws {
        let stack = try Stack.load(label: "persister")
        let producer = try stack.producer(clientID: "inlet-persister")
        let postgres = try stack.postgres()
        let stage = try PersisterService(
            configuration: try PersisterConfiguration(environment: stack.environment), consumer: stack.consumer,
            producer: producer, postgres: postgres, models: stack.models, logger: stack.logger)
        try await runServiceGroup([producer, stage], logger: stack.logger)
        await postgres.close()
    }
}
