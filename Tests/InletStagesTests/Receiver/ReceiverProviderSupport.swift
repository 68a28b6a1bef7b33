import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InletCore
import InletCrypto
import InletKafka
@testable import InletReceiver
import InletSignatures
import Synchronization
import Testing

/// Fixtures of the per-provider receiver tests: the local integrations file (one integration per provider, as
/// `make run` uses it), signers for each, the samples under `deploy/local/samples/`, and a log of produced records.
enum ReceiverProviderFixtures {
    /// The repository root, from this file's path (`Tests/InletStagesTests/Receiver/…`).
    static let repositoryRoot = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    static let registry = try! DefinitionRegistry()

    /// Discord's local key pair: its public key is in the integrations file, its seed beside the samples.
    static let discordKey: Ed25519PrivateKey = {
        let text = try! String(contentsOfFile: repositoryRoot + "/deploy/local/samples/discord/private-key-seed.hex", encoding: .utf8)
        return try! Ed25519PrivateKey(seed: try! Hex.decode(text.trimmingCharacters(in: .whitespacesAndNewlines)))
    }()

    /// SendGrid's key pair is made per run (InletCrypto cannot import the local private key yet); the integration's
    /// public key is replaced with it.
    static let sendgridKey = try! ECDSAP256PrivateKey.generate()

    /// `deploy/local/integrations.yaml`, as the receiver loads it, with SendGrid's public key swapped for the run's.
    static let integrations: [Integration] = {
        var integrations = try! ConfigurationFiles.integrations(at: repositoryRoot + "/deploy/local/integrations.yaml", definitions: registry)
        let sendgrid = integrations.firstIndex { $0.definition == WebhookDefinition.sendgrid.name }!
        integrations[sendgrid].publicKeys = [Base64.encode(try! sendgridKey.publicKeyDERRepresentation())]
        return integrations
    }()

    static func integration(_ definition: String) -> Integration {
        integrations.first { $0.definition.rawValue == definition }!
    }

    /// A signer for the local integration of `definition`; with `secret` a deliberately wrong one (or, for the
    /// asymmetric schemes, a freshly generated key pair the receiver does not know).
    static func signer(_ definition: String, wrongCredential: Bool = false, baseURL: String = WebhookSigner.defaultBaseURL) throws -> WebhookSigner {
        let integration = integration(definition)
        switch definition {
        case "discord":
            return try WebhookSigner(definition: .discord, integrationID: integration.id,
                                     privateKey: .ed25519(wrongCredential ? try Ed25519PrivateKey.generate() : discordKey), baseURL: baseURL)
        case "sendgrid":
            return try WebhookSigner(definition: .sendgrid, integrationID: integration.id,
                                     privateKey: .ecdsaP256(wrongCredential ? try ECDSAP256PrivateKey.generate() : sendgridKey), baseURL: baseURL)
        case "standard-webhooks" where wrongCredential:
            return try WebhookSigner(integration: integration, registry: registry, secret: "whsec_d3Jvbmctc2VjcmV0LWtleS0zMi1ieXRlcyEhISE=", baseURL: baseURL)
        case "gitlab" where wrongCredential:
            return try WebhookSigner(integration: integration, registry: registry, secret: "not-the-token", baseURL: baseURL)
        default:
            return try WebhookSigner(integration: integration, registry: registry, secret: wrongCredential ? "not-the-secret" : nil, baseURL: baseURL)
        }
    }

    /// Every sample: `(definition, file name)`, sorted.
    static let samples: [Sample] = {
        let directory = repositoryRoot + "/deploy/local/samples"
        var samples: [Sample] = []
        for definition in (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [] {
            for file in (try? FileManager.default.contentsOfDirectory(atPath: directory + "/" + definition)) ?? []
            where file.hasSuffix(".json") || file.hasSuffix(".form") {
                samples.append(Sample(definition: definition, file: file))
            }
        }
        return samples.sorted { ($0.definition, $0.file) < ($1.definition, $1.file) }
    }()

    struct Sample: Sendable, CustomTestStringConvertible {
        let definition: String
        let file: String
        var testDescription: String { "\(definition)/\(file)" }

        var body: [UInt8] {
            Array(FileManager.default.contents(atPath: ReceiverProviderFixtures.repositoryRoot + "/deploy/local/samples/\(definition)/\(file)")!)
        }

        /// The event the file is named after, spelled as the provider does (only used where a header carries it).
        var event: String {
            let segment = String(file.prefix { $0 != "." })
            let definition = ReceiverProviderFixtures.registry[self.definition]!
            return definition.events.first { $0.topicSegment == segment }?.rawValue ?? segment
        }
    }

    static func service(configuration: ReceiverConfiguration = ReceiverConfiguration(), log: RecordLog,
                        integrations: [Integration] = integrations,
                        producer: KafkaProducer? = nil) throws -> ReceiverService {
        try ReceiverService(configuration: configuration, producer: producer ?? ReceiverFixtures.mockProducer(), registry: registry,
                            integrations: integrations, logger: ReceiverFixtures.quietLogger,
                            recordObserver: { log.append($0) })
    }
}

/// The records a receiver produced, in order (through its record observer).
final class RecordLog: Sendable {
    private let records = Mutex<[KafkaProducerRecord]>([])

    func append(_ record: KafkaProducerRecord) { records.withLock { $0.append(record) } }

    var all: [KafkaProducerRecord] { records.withLock { $0 } }

    /// Each record's envelope.
    var envelopes: [Envelope] {
        get throws { try all.map { try Envelope(headers: $0.headers.map { (key: $0.key, value: $0.stringValue ?? "") }) } }
    }
}

extension TestClientProtocol {
    /// POSTs `request` to its path (plus `query`), optionally with another body.
    func post(_ request: SignedRequest, query: String = "", body: [UInt8]? = nil) async throws -> TestResponse {
        try await execute(uri: request.path + query, method: .post, headers: request.httpFields, body: ByteBuffer(bytes: body ?? request.body))
    }
}
