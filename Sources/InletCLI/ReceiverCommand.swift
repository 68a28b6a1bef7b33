import ArgumentParser
import InletCore
import InletIntegrations
import InletReceiver

struct ReceiverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receiver", abstract: "Run the receiver stage: the HTTP endpoint providers POST webhooks to.")
    func run() async throws {
        // Before the service exists: its counters make their metric handles when they are created.
        _ = bootstrapMetrics()
        let stack = try Stack.load(label: "receiver")
        let configuration = try receiverConfiguration(stack)
        let producer = try stack.producer(
            clientID: "inlet-receiver", lingerMilliseconds: configuration.producerLingerMilliseconds,
            properties: configuration.producerProperties(shared: stack.configuration.kafkaProducerProperties),
            brokerThreadNiceness: configuration.producerBrokerThreadNiceness)
        let source = try IntegrationCatalogConfiguration(environment: stack.environment)
        guard source.source == .postgres else {
            // Integrations from the YAML file (INLET_INTEGRATIONS_FILE), read once at start.
            let receiver = try ReceiverService(configuration: configuration, producer: producer,
                                               registry: stack.definitions, logger: stack.logger, runsProducer: false)
            try await runServiceGroup([producer, receiver], logger: stack.logger)
            return
        }
        // Integrations from PostgreSQL, secrets sealed with the master key; changes are picked up by polling.
        let postgres = try stack.postgres()
        let catalog = IntegrationCatalog(store: IntegrationStore(client: postgres, definitions: stack.definitions),
                                         keys: try MasterKeyRing(environment: stack.environment))
        try await catalog.store.prepare()
        let initial = try await catalog.load()  // refuses to start when a secret does not open
        let receiver = try ReceiverService(configuration: configuration, producer: producer,
                                           registry: stack.definitions, integrations: initial.integrations,
                                           logger: stack.logger, runsProducer: false)
        let poller = IntegrationCatalogService(catalog: catalog, initial: initial, pollInterval: source.pollInterval,
                                               logger: stack.logger) { snapshot in
            try receiver.replaceIntegrations(snapshot.integrations)
        }
        try await runServiceGroup([producer, poller, receiver], logger: stack.logger)
        await postgres.close()
    }
}

func receiverConfiguration(_ stack: Stack) throws -> ReceiverConfiguration {
    var configuration = try ReceiverConfiguration(environment: stack.environment)
    configuration.integrationsPath = stack.configuration.integrationsPath
    return configuration
}
