import ArgumentParser
import InletCore
import InletReceiver

struct ReceiverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receiver", abstract: "Run the receiver stage: the HTTP endpoint providers POST webhooks to.")
    func run() async throws {
        let stack = try Stack.load(label: "receiver")
        let producer = try stack.producer(clientID: "inlet-receiver")
        let receiver = try ReceiverService(configuration: try receiverConfiguration(stack), producer: producer,
                                           registry: stack.definitions, logger: stack.logger, runsProducer: false)
        try await runServiceGroup([producer, receiver], logger: stack.logger)
    }
}

func receiverConfiguration(_ stack: Stack) throws -> ReceiverConfiguration {
    var configuration = try ReceiverConfiguration(environment: stack.environment)
    configuration.integrationsPath = stack.configuration.integrationsPath
    return configuration
}
