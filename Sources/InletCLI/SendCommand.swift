import ArgumentParser
import Foundation
import InletCore
import InletHTTPClient
import InletReceiver

/// Signs a webhook exactly as the provider would and POSTs it to a receiver: for people trying Inlet, and for tests.
struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Sign a sample webhook as the provider would and POST it to the receiver.",
        discussion: """
            Example: inlet send github pull_request --integration local-github
            The secret comes from the integrations file unless --secret is given (give a wrong one to see a 401).
            """)
    @Argument(help: "The definition, e.g. github.") var definition: String
    @Argument(help: "The provider's event name, e.g. pull_request.") var event: String
    @Option(help: "The integration ID (its secret is read from INLET_INTEGRATIONS_FILE).") var integration: String
    @Option(help: "The JSON body to send (default: deploy/local/samples/<definition>/<event>.json).") var body: String?
    @Option(help: "The receiver's base URL.") var url = "http://127.0.0.1:8080"
    @Option(help: "The delivery ID (default: a new random one). Send the same twice to see deduplication.") var deliveryID: String?
    @Option(help: "Sign with this secret instead of the configured one.") var secret: String?

    func run() async throws {
        let stack = try Stack.load(label: "send")
        guard let webhookDefinition = stack.definitions[definition] else {
            throw ValidationError("unknown definition '\(definition)' (known: \(stack.definitions.definitions.keys.sorted().map(\.rawValue).joined(separator: ", ")))")
        }
        let integrations = try ConfigurationFiles.integrations(at: stack.configuration.integrationsPath, definitions: stack.definitions)
        guard let configured = integrations.first(where: { $0.id == integration }) else {
            throw ValidationError("no integration '\(integration)' in \(stack.configuration.integrationsPath)")
        }
        let bodyPath = body ?? "deploy/local/samples/\(definition)/\(EventName(event).topicSegment).json"
        guard let data = FileManager.default.contents(atPath: bodyPath) else {
            throw ValidationError("cannot read the body file \(bodyPath); pass --body FILE")
        }
        let signer = try WebhookSigner(definition: webhookDefinition, integrationID: configured.id,
                                       secret: secret ?? configured.secrets[0])
        let signed = try signer.sign(body: Array(data), event: event, deliveryID: deliveryID ?? signer.newDeliveryID())
        let client = try HTTPClient()
        let response = try await client.execute(HTTPRequest(method: .post, url: url + signed.path,
                                                            headers: signed.headers, body: signed.body))
        await client.shutdown()
        print("POST \(url + signed.path) → \(response.status)")
        print(String(decoding: response.body, as: UTF8.self))
        guard (200..<300).contains(response.status) else { throw ExitCode(1) }
    }
}
