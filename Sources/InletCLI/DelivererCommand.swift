import ArgumentParser
import InletCore
import InletDeliverer

struct DelivererCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliverer", abstract: "Run the deliverer stage: signed JSON batches to HTTP subscribers.")
    func run() async throws {
        bootstrapMetrics()
        let stack = try Stack.load(label: "deliverer")
        let stage = try DelivererService(configuration: try DelivererConfiguration(environment: stack.environment, models: stack.models),
                                         logger: stack.logger, goneStore: try stack.goneSubscriptionStore())
        let admin = try makeAdminServer(stack) { [await stage.readiness()] }
        try await runServiceGroup([admin, stage], logger: stack.logger)
    }
}
