import ArgumentParser
import InletCore
import InletDeliverer

struct DelivererCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliverer", abstract: "Run the deliverer stage: signed JSON batches to HTTP subscribers.")
    func run() async throws {
        let stack = try Stack.load(label: "deliverer")
        let stage = try DelivererService(configuration: try DelivererConfiguration(environment: stack.environment, models: stack.models),
                                         logger: stack.logger)
        try await runServiceGroup([stage], logger: stack.logger)
    }
}
