import ArgumentParser
import Foundation
import InletOperations

/// `inlet status`: each stage's group, members and lag, dead letters, broker and PostgreSQL health. The logic lives
/// in InletOperations; see docs/operations-tools.md.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show each stage's consumer group, lag per partition, dead letters, and broker and database health.",
        discussion: "Lag comes from the broker's high watermark, which Tansu reports late while records are appended: a small lag may be under-reported.")
    @Flag(help: "Print JSON instead of tables.") var json = false

    func run() async throws {
        let stack = try Stack.load(label: "status")
        let clients = try OperatorClients(brokers: stack.configuration.kafkaBrokers, logger: stack.logger)
        let status = try await withPostgres(stack) { postgres in
            await StatusCollector(clients: clients, postgres: postgres)
                .collect(stages: StageTopology.consumingStages(catalog: stack.catalog, subscriptions: try stack.subscriptions()))
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(status), as: UTF8.self))
        } else {
            print(StatusTable.render(status))
        }
        if !status.broker.healthy || !status.postgres.healthy { throw ExitCode(1) }
    }
}
