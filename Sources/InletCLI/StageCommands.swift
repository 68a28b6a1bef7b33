import ArgumentParser
import InletCore
import InletDeduplicator
import InletDeliverer
import InletKafka
import InletMapper
import InletMetrics
import InletPersister
import InletReceiver
import InletStageRuntime
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

/// Every metric an `inlet` process may publish, for `# HELP` lines and histogram buckets.
let inletMetricDescriptions: [MetricDescription] =
    StageMetricName.descriptions + DeduplicatorMetricName.descriptions + MapperMetrics.Name.descriptions
    + PersisterMetricName.descriptions + DelivererMetricName.descriptions + ReceiverCounters.MetricName.descriptions

/// Bootstraps the process's Prometheus metrics. Call it first in a command's `run()`, before any stage is built:
/// metric handles made earlier stay on the no-op backend.
@discardableResult
func bootstrapMetrics() -> PrometheusExposition {
    InletMetricsSystem.bootstrap(descriptions: inletMetricDescriptions)
}

/// The admin endpoint (`/healthz`, `/readyz`, `/metrics` on `INLET_ADMIN_PORT`) for the stages this process runs.
/// Put it first in the service group, so it answers (unready) until the stages have stopped.
func makeAdminServer(_ stack: Stack, readiness: @escaping AdminServer.Readiness) throws -> AdminServer {
    AdminServer(configuration: try AdminServerConfiguration(environment: stack.environment), exposition: bootstrapMetrics(),
                readiness: readiness, logger: stack.logger)
}

struct DeduplicatorCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deduplicator", abstract: "Run the deduplicator stage (consumer group inlet-deduplicator).")
    func run() async throws {
        bootstrapMetrics()
        let stack = try Stack.load(label: "deduplicator")
        let configuration = try DeduplicatorConfiguration(environment: stack.environment)
        let producer = try stack.producer(clientID: "inlet-deduplicator", lingerMilliseconds: configuration.producerLingerMilliseconds)
        let postgres = try stack.postgres()
        let stage = try DeduplicatorService(
            configuration: configuration, consumer: stack.consumer,
            producer: producer, postgres: postgres, registry: stack.definitions, logger: stack.logger)
        let admin = try makeAdminServer(stack) { [await stage.readiness()] }
        try await runServiceGroup([admin, producer, stage], logger: stack.logger)
        await postgres.close()
    }
}

struct PersisterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "persister", abstract: "Run the persister stage (consumer group inlet-persister).")
    func run() async throws {
        bootstrapMetrics()
        let stack = try Stack.load(label: "persister")
        let producer = try stack.producer(clientID: "inlet-persister")
        let postgres = try stack.postgres()
        let stage = try PersisterService(
            configuration: try PersisterConfiguration(environment: stack.environment), consumer: stack.consumer,
            producer: producer, postgres: postgres, models: stack.models, logger: stack.logger)
        let admin = try makeAdminServer(stack) { [await stage.readiness()] }
        try await runServiceGroup([admin, producer, stage], logger: stack.logger)
        await postgres.close()
    }
}
