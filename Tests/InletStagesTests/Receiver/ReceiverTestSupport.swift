import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import InletCore
import InletKafka
@testable import InletReceiver
import Logging
import Testing

/// Shared fixtures of the receiver tests: integrations, signers and producers (librdkafka's mock cluster, or a
/// closed port for a broker that never acknowledges).
/// The two ways a webhook request is answered, for tests that must hold for both: Hummingbird's router
/// (HummingbirdTesting's router mode: no connection, the route's async handler) and a live server on a real
/// connection, where `WebhookChannelHandler` answers webhook paths on the event loop.
enum ServingPath: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case router
    case eventLoop

    var setup: TestingSetup { self == .router ? .router : .live }
    var testDescription: String { rawValue }
}

enum ReceiverFixtures {
    static let githubSecret = "new-github-secret"
    static let rotatedGitHubSecret = "old-github-secret"
    static let standardSecret = "whsec_bG9jYWwtc3ZpeC1zZWNyZXQta2V5LTMyLWJ5dGVzISE="

    static let integrations = [
        Integration(id: "acme-gh", definition: WebhookDefinition.github.name, secrets: [githubSecret, rotatedGitHubSecret]),
        Integration(id: "acme-svix", definition: WebhookDefinition.standardWebhooks.name, secrets: [standardSecret]),
        Integration(id: "paused", definition: WebhookDefinition.github.name, secrets: ["paused-secret"], enabled: false),
    ]

    static let quietLogger = Logger(label: "inlet.receiver.test") { _ in SwiftLogNoOpLogHandler() }

    /// A producer on librdkafka's in-process mock cluster (one broker; topics are created on first use).
    static func mockProducer() throws -> KafkaProducer {
        var configuration = KafkaProducerConfiguration()
        configuration.extraProperties = ["test.mock.num.brokers": "1"]
        configuration.lingerMilliseconds = 0
        configuration.flushTimeout = .seconds(5)
        return try KafkaProducer(configuration: configuration, logger: quietLogger)
    }

    /// A producer pointed at a closed port: nothing is ever acknowledged.
    static func unreachableProducer() throws -> KafkaProducer {
        var configuration = KafkaProducerConfiguration(brokers: "127.0.0.1:1")
        configuration.deliveryTimeout = .seconds(2)
        configuration.flushTimeout = .milliseconds(200)
        return try KafkaProducer(configuration: configuration, logger: quietLogger)
    }

    static func service(configuration: ReceiverConfiguration = ReceiverConfiguration(),
                        producer: KafkaProducer? = nil) throws -> ReceiverService {
        try ReceiverService(configuration: configuration, producer: producer ?? mockProducer(), registry: DefinitionRegistry(),
                            integrations: integrations, logger: quietLogger)
    }

    static func githubSigner(secret: String = githubSecret, integration: String = "acme-gh") throws -> WebhookSigner {
        try WebhookSigner(definition: .github, integrationID: integration, secret: secret)
    }

    static func standardSigner() throws -> WebhookSigner {
        try WebhookSigner(definition: .standardWebhooks, integrationID: "acme-svix", secret: standardSecret)
    }

    static let pullRequestBody = Array(#"{"action":"opened","number":7,"pull_request":{"id":1,"title":"Add receiver"}}"#.utf8)
}

extension TestClientProtocol {
    /// POSTs a signed request, optionally with some headers replaced (nil value: removed).
    func postSigned(_ request: SignedRequest, path: String? = nil, body: [UInt8]? = nil,
              replacing: [String: String?] = [:]) async throws -> TestResponse {
        var fields = request.httpFields
        for (name, value) in replacing {
            let field = HTTPField.Name(name)!
            fields[field] = value
        }
        return try await execute(uri: path ?? request.path, method: .post, headers: fields,
                                 body: ByteBuffer(bytes: body ?? request.body))
    }
}

extension TestResponse {
    var receiverBodyText: String { String(buffer: body) }

    /// The stable code of a JSON rejection body, read without Foundation.
    var receiverErrorCode: String? {
        guard let start = receiverBodyText.range(of: #""code":""#) else { return nil }
        let rest = receiverBodyText[start.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }
}
