import ArgumentParser
import InletCore
import InletSink

struct SinkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sink",
        abstract: "A local subscriber: verifies the deliverer's Standard Webhooks signatures and prints what arrives.",
        discussion: "Its secret defaults to that of the first subscription in INLET_SUBSCRIPTIONS_FILE.")
    @Option(help: "Port to listen on (127.0.0.1).") var port = 8090
    @Option(help: "Standard Webhooks secret (whsec_…).") var secret: String?
    @Flag(help: "Do not print one line per received record.") var quiet = false

    func run() async throws {
        let stack = try Stack.load(label: "sink")
        let sink = try makeSink(stack, port: port, secret: secret, prints: !quiet)
        try await runServiceGroup([sink], logger: stack.logger)
    }
}

/// The sink for `inlet sink` and `inlet dev`, with the secret of the first configured subscription unless given.
func makeSink(_ stack: Stack, port: Int, secret: String?, prints: Bool) throws -> WebhookSink {
    let subscriptions = try ConfigurationFiles.subscriptions(at: stack.configuration.subscriptionsPath, models: stack.models)
    guard let secret = secret ?? subscriptions.first?.secret else {
        throw ValidationError("no --secret given and no subscription in \(stack.configuration.subscriptionsPath)")
    }
    var configuration = WebhookSinkConfiguration(secret: secret, port: port)
    configuration.printsRecords = prints
    return try WebhookSink(configuration: configuration, logger: stack.logger)
}
