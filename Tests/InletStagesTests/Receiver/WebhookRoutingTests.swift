import HTTPTypes
import Hummingbird
import InletCore
import InletKafka
@testable import InletReceiver
import Testing

@Suite("WebhookReceiver routing")
struct WebhookRoutingTests {
    let registry: DefinitionRegistry
    let directory: IntegrationDirectory

    init() throws {
        registry = try DefinitionRegistry()
        directory = try IntegrationDirectory(integrations: ReceiverFixtures.integrations, registry: registry)
    }

    func makeRecord(event: String, definition: String = "github", integration: String = "acme-gh",
                variant: String? = nil) throws -> (TopicName, KafkaProducerRecord) {
        let route = try directory.route(definition: definition[...], integration: integration[...]).get()
        let metadata = DeliveryMetadata(deliveryID: "d-42", event: event, variant: variant, eventTime: nil)
        return WebhookReceiver.makeRecord(route: route, metadata: metadata, body: ReceiverFixtures.pullRequestBody,
                                          registry: registry, receivedAt: "2026-11-21T21:00:00.000Z",
                                          traceparent: TraceParentTests.valid)
    }

    @Test func writesDeclaredEventsToTheirReceivedTopic() throws {
        let (topic, record) = try makeRecord(event: "pull_request", variant: "repository")
        #expect(topic == .received(definition: WebhookDefinition.github.name, event: EventName("pull_request")))
        #expect(record.topic == topic.rawValue)
        #expect(record.key == Array("acme-gh/d-42".utf8))
        #expect(record.value == ReceiverFixtures.pullRequestBody)
        let envelope = try Envelope(headers: record.headers.map { (key: $0.key, value: $0.stringValue ?? "") })
        #expect(envelope.id == "d-42")
        #expect(envelope.type == "github.pull_request")
        #expect(envelope.integration == "acme-gh")
        #expect(envelope.variant == "repository")
        #expect(envelope.traceparent == TraceParentTests.valid)
        #expect(envelope.time == "2026-11-21T21:00:00.000Z")
    }

    @Test func writesUndeclaredEventsToTheUnroutedTopic() throws {
        let (topic, record) = try makeRecord(event: "deployment_status")
        #expect(topic == .unrouted(definition: WebhookDefinition.github.name))
        #expect(record.topic == "inlet.github.unrouted.received")
        #expect(record.headers.first(Envelope.Header.event) == "deployment_status")
        let (standardTopic, _) = try makeRecord(event: "invoice.paid", definition: "standard-webhooks", integration: "acme-svix")
        #expect(standardTopic == .unrouted(definition: WebhookDefinition.standardWebhooks.name))
    }

    @Test func extractsMetadataFromHeadersWithoutParsingTheBody() throws {
        let extractor = DeliveryMetadataExtractor(definition: .github)
        let headers: HTTPFields = [HTTPField.Name("X-GitHub-Delivery")!: "d-1", HTTPField.Name("X-GitHub-Event")!: "push",
                                   HTTPField.Name("X-GitHub-Hook-Installation-Target-Type")!: "organization"]
        // Not JSON at all: GitHub's path must never look at the body.
        let metadata = try extractor.extract(headers: headers, body: Array("not json".utf8)).get()
        #expect(metadata == DeliveryMetadata(deliveryID: "d-1", event: "push", variant: "organization", eventTime: nil))
    }

    @Test func refusesOverlongOrControlCharacterMetadata() {
        let github = DeliveryMetadataExtractor(definition: .github)
        let long = String(repeating: "x", count: DeliveryMetadataExtractor.maximumValueLength + 1)
        let headers: HTTPFields = [HTTPField.Name("X-GitHub-Delivery")!: long, HTTPField.Name("X-GitHub-Event")!: "push"]
        #expect(Self.code(github.extract(headers: headers, body: [])) == .invalidMetadata)
        let standard = DeliveryMetadataExtractor(definition: .standardWebhooks)
        let idOnly: HTTPFields = [HTTPField.Name("webhook-id")!: "msg_1"]
        #expect(Self.code(standard.extract(headers: idOnly, body: Array(#"{"type":"a\u0007b"}"#.utf8))) == .invalidMetadata)
        #expect(Self.code(standard.extract(headers: idOnly, body: Array(#"{"type":"a.b"}"#.utf8))) == nil)
    }

    static func code(_ result: Result<DeliveryMetadata, WebhookRejection>) -> RejectionCode? {
        if case .failure(let rejection) = result { return rejection.code }
        return nil
    }

    @Test(arguments: ["application/json", "application/json; charset=utf-8", " APPLICATION/JSON ", "application/vnd.github+json"])
    func acceptsJSONContentTypes(value: String) {
        #expect(WebhookReceiver.checkContentType(value) == nil)
    }

    @Test(arguments: ["application/x-www-form-urlencoded", "text/json", "application/jsonx", "multipart/form-data"])
    func refusesOtherContentTypes(value: String) {
        #expect(WebhookReceiver.checkContentType(value)?.code == .unsupportedMediaType)
    }

    @Test func formDefinitionsTakeOnlyFormBodies() {
        #expect(WebhookReceiver.checkContentType("application/x-www-form-urlencoded; charset=utf-8", encoding: .formURLEncoded) == nil)
        #expect(WebhookReceiver.checkContentType("application/json", encoding: .formURLEncoded)?.code == .unsupportedMediaType)
        #expect(WebhookReceiver.checkContentType(nil, encoding: .formURLEncoded)?.message.contains("application/x-www-form-urlencoded") == true)
    }
}
