import ArgumentParser
import Foundation
import InletDeduplicator
import InletDeliverer
import InletMapper
import InletPersister
import InletReceiver
import ServiceLifecycle

/// All five stages, and the local subscriber sink, in one process against the local stack: what `make run` starts.
struct DevCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev", abstract: "Run all five stages and a local subscriber sink in one process.")
    @Option(help: "Port of the local subscriber sink (the local subscription points at 8090).") var sinkPort = 8090

    func run() async throws {
        bootstrapMetrics()
        let stack = try Stack.load(label: "dev")
        let producer = try stack.producer(clientID: "inlet-dev")
        let postgres = try stack.postgres()
        let receiverSettings = try receiverConfiguration(stack)
        let receiver = try ReceiverService(configuration: receiverSettings, producer: producer,
                                           registry: stack.definitions, logger: stack.logger, runsProducer: false)
        let deduplicator = try DeduplicatorService(
            configuration: try DeduplicatorConfiguration(environment: stack.environment), consumer: stack.consumer,
            producer: producer, postgres: postgres, registry: stack.definitions, logger: stack.logger)
        let mapper = try MapperService(configuration: try mapperConfiguration(stack), definitions: stack.definitions,
                                       models: stack.models, logger: stack.logger)
        let persister = try PersisterService(
            configuration: try PersisterConfiguration(environment: stack.environment), consumer: stack.consumer,
            producer: producer, postgres: postgres, models: stack.models, logger: stack.logger)
        let deliverer = try DelivererService(
            configuration: try DelivererConfiguration(environment: stack.environment, models: stack.models), logger: stack.logger,
            goneStore: try stack.goneSubscriptionStore())
        let sink = try makeSink(stack, port: sinkPort, secret: nil, prints: true)
        let admin = try makeAdminServer(stack) {
            [await deduplicator.readiness(), await mapper.readiness(), await persister.readiness(), await deliverer.readiness()]
        }
        let adminPort = admin.configuration.port

        let base = "http://\(receiverSettings.host):\(receiverSettings.port)"
        print("""
            Inlet is running: all five stages in one process (Ctrl-C stops it gracefully).
              receiver:  \(base)/webhooks/<definition>/<integration>   (health: \(base)/healthz, \(base)/readyz)
              sink:      http://127.0.0.1:\(sinkPort)/inlet prints every record the deliverer sends
              admin:     http://127.0.0.1:\(adminPort)/readyz, /metrics (the consuming stages; INLET_ADMIN_PORT)
              database:  \(stack.configuration.postgresURL)   (table pull_request)
            Send a signed test webhook from another terminal:
              .build/debug/inlet send github pull_request --integration local-github
            """)
        // Standard output is block-buffered when it is not a terminal (`make run | tee run.log`, a CI log): without
        // this the banner would appear only when Inlet stops.
        fflush(nil)  // every output stream; `stdout` itself is a global Swift 6 will not touch from here
        // Shut down in reverse: the receiver stops taking requests first, the shared producer flushes, the admin
        // endpoint (unready from the first stage's shutdown on) stops last.
        try await runServiceGroup([admin, producer, sink, deliverer, persister, mapper, deduplicator, receiver], logger: stack.logger)
        await postgres.close()
    }
}
