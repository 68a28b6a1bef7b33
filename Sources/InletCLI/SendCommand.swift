import ArgumentParser
import Foundation
import InletCore
import InletCrypto
import InletHTTPClient
import InletReceiver

/// Signs a webhook exactly as the provider would and POSTs it to a receiver: for people trying Inlet, and for tests.
struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Sign a sample webhook as the provider would and POST it to the receiver.",
        discussion: """
            Examples: inlet send github pull_request
                      inlet send stripe                 (the first sample of the definition, its first integration)
                      inlet send hubspot --integration local-hubspot --body my-batch.json
            Samples live in deploy/local/samples/<definition>/<event>.json (.form for Twilio). The secret comes from the
            integrations file unless --secret is given (give a wrong one to see a 401). Discord signs with the local seed in
            deploy/local/samples/discord/private-key-seed.hex (or --private-key-seed), SendGrid with the local ECDSA P-256
            key in deploy/local/samples/sendgrid/private-key.pem (or --private-key).
            """)
    @Argument(help: "The definition, e.g. github.") var definition: String
    @Argument(help: "The provider's event name, e.g. pull_request (default: the definition's first sample).") var event: String?
    @Option(help: "The integration ID (default: the first integration of the definition in INLET_INTEGRATIONS_FILE).") var integration: String?
    @Option(help: "The body to send (default: deploy/local/samples/<definition>/<event>.json, .form for form-encoded definitions).") var body: String?
    @Option(help: "The receiver's base URL.") var url = "http://127.0.0.1:8080"
    @Option(help: "The URL providers call (the receiver's INLET_RECEIVER_PUBLIC_URL), signed by Twilio, HubSpot and Square (default: --url).") var publicURL: String?
    @Option(help: "The delivery ID for definitions that take it from a header (default: a new random one). Send the same twice to see deduplication.") var deliveryID: String?
    @Option(help: "Sign with this secret instead of the configured one.") var secret: String?
    @Option(help: "Ed25519 seed (64 hex digits) for Discord and Standard Webhooks v1a.") var privateKeySeed: String?
    @Option(help: ArgumentHelp("ECDSA P-256 private key (PEM: PKCS#8 or SEC1) SendGrid signs with (default: \(SendCommand.sendGridPrivateKeyPath); another key gets a 401).",
                               valueName: "file")) var privateKey: String?

    static let samplesDirectory = "deploy/local/samples"
    /// The private key of the local SendGrid integration's public key (deploy/local/integrations.yaml).
    static let sendGridPrivateKeyPath = "\(samplesDirectory)/sendgrid/private-key.pem"

    func run() async throws {
        let stack = try Stack.load(label: "send")
        guard let webhookDefinition = stack.definitions[definition] else {
            throw ValidationError("unknown definition '\(definition)' (known: \(stack.definitions.definitions.keys.sorted().map(\.rawValue).joined(separator: ", ")))")
        }
        let integrations = try ConfigurationFiles.integrations(at: stack.configuration.integrationsPath, definitions: stack.definitions)
        let candidates = integrations.filter { $0.definition == webhookDefinition.name }
        let chosen = integration.map { id in candidates.first { $0.id == id } } ?? candidates.first
        guard let configured = chosen else {
            throw ValidationError("no integration \(integration.map { "'\($0)' " } ?? "")for definition '\(definition)' in \(stack.configuration.integrationsPath)")
        }
        let bodyPath = try body ?? samplePath(for: webhookDefinition)
        guard let data = FileManager.default.contents(atPath: bodyPath) else {
            throw ValidationError("cannot read the body file \(bodyPath); pass --body FILE")
        }
        let signer = try makeSigner(webhookDefinition, configured, stack: stack)
        let eventName = event ?? Self.eventName(fromFile: bodyPath, definition: webhookDefinition)
        let signed = try signer.sign(body: Array(data), event: eventName, deliveryID: deliveryID ?? signer.newDeliveryID())
        let client = try HTTPClient()
        let response = try await client.execute(HTTPRequest(method: .post, url: url + signed.path,
                                                            headers: signed.headers, body: signed.body))
        await client.shutdown()
        print("POST \(url + signed.path) (\(bodyPath)) → \(response.status)")
        print(String(decoding: response.body, as: UTF8.self))
        guard (200..<300).contains(response.status) else { throw ExitCode(1) }
    }

    private func makeSigner(_ definition: WebhookDefinition, _ integration: Integration, stack: Stack) throws -> WebhookSigner {
        let baseURL = publicURL ?? url
        if privateKey != nil, definition.signature != .sendgrid {
            throw ValidationError("--private-key is SendGrid's ECDSA P-256 key; \(definition.title) does not sign with one")
        }
        switch definition.signature {
        case .discord:
            let seedText = try privateKeySeed ?? String(contentsOfFile: "\(Self.samplesDirectory)/discord/private-key-seed.hex", encoding: .utf8)
            let seed = try Hex.decode(seedText.trimmingCharacters(in: .whitespacesAndNewlines))
            return try WebhookSigner(definition: definition, integrationID: integration.id,
                                     privateKey: .ed25519(try Ed25519PrivateKey(seed: seed)), baseURL: baseURL)
        case .sendgrid:
            let path = privateKey ?? Self.sendGridPrivateKeyPath
            guard let pem = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ValidationError("cannot read SendGrid's private key file \(path); pass --private-key FILE (an ECDSA P-256 PEM)")
            }
            let key: ECDSAP256PrivateKey
            do {
                key = try ECDSAP256PrivateKey(pemRepresentation: pem)
            } catch let error as CryptoError {
                // The reason names what is wrong with the key and how to fix it, never the key itself.
                throw ValidationError("\(path) is not a usable SendGrid signing key: \(error.reason)")
            }
            return try WebhookSigner(definition: definition, integrationID: integration.id,
                                     privateKey: .ecdsaP256(key), baseURL: baseURL)
        case .standardWebhooks where privateKeySeed != nil:
            let seed = try Hex.decode(privateKeySeed!.trimmingCharacters(in: .whitespacesAndNewlines))
            return try WebhookSigner(definition: definition, integrationID: integration.id,
                                     privateKey: .ed25519(try Ed25519PrivateKey(seed: seed)), baseURL: baseURL)
        default:
            return try WebhookSigner(integration: integration, registry: stack.definitions, secret: secret, baseURL: baseURL)
        }
    }

    /// `<samples>/<definition>/<event segment>.<json|form>`, or the definition's first sample when no event is given.
    private func samplePath(for definition: WebhookDefinition) throws -> String {
        let directory = "\(Self.samplesDirectory)/\(definition.name.rawValue)"
        let suffix = definition.bodyEncoding == .formURLEncoded ? ".form" : ".json"
        if let event { return "\(directory)/\(EventName(event).topicSegment)\(suffix)" }
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(suffix) }.sorted()
        guard let first = files.first else {
            throw ValidationError("no sample in \(directory); pass an event and --body FILE")
        }
        return "\(directory)/\(first)"
    }

    /// The declared event whose topic segment names the file (`orders_create.json` → `orders/create`), else the file's
    /// base name. Only definitions that read the event from a header use it.
    static func eventName(fromFile path: String, definition: WebhookDefinition) -> String {
        let file = (path as NSString).lastPathComponent
        let segment = String(file.prefix { $0 != "." })
        return definition.events.first { $0.topicSegment == segment }?.rawValue ?? segment
    }
}
