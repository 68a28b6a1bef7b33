import Hummingbird
import InletCore
import InletKafka
import Logging
import NIOCore

/// The request path of the receiver: route, check, read, verify, extract, produce, answer.
///
/// Cheap checks come first (route, content type, declared length) so a bad request costs little; the body is
/// copied out of NIO exactly once (into the `[UInt8]` that becomes the record value), verified in place, and
/// parsed only when the definition takes the event name from it.
struct WebhookReceiver: Sendable {
    let directory: IntegrationDirectory
    let registry: DefinitionRegistry
    let producer: AcknowledgedProducer
    let counters: ReceiverCounters
    let health: ReceiverHealth
    let maximumBodySize: Int
    let retryAfterSeconds: Int
    let logger: Logger

    private static let jsonHeaders: HTTPFields = [.contentType: "application/json"]

    /// Answers one `POST /webhooks/<definition>/<integration>`.
    /// - Throws: only when reading the body fails (the connection broke); every rejection is a response.
    func receive(_ request: Request, definition: Substring, integration: Substring) async throws -> Response {
        switch try await accept(request, definition: definition, integration: integration) {
        case .success(let deliveryID):
            counters.recordAccepted()
            let body = "{\"status\":\"accepted\",\"id\":\(JSONString.quoted(deliveryID))}"
            return Response(status: .accepted, headers: Self.jsonHeaders, body: .init(byteBuffer: ByteBuffer(string: body)))
        case .failure(let rejection):
            return reject(rejection, integration: integration)
        }
    }

    func reject(_ rejection: WebhookRejection, integration: Substring) -> Response {
        counters.recordRejection(rejection.code)
        logger.debug("webhook rejected", metadata: [
            LogKeys.integration: "\(integration.prefix(64))", LogKeys.rejection: "\(rejection.code.rawValue)",
        ])
        return rejection.response(retryAfterSeconds: retryAfterSeconds)
    }

    /// - Returns: the delivery ID once the broker acknowledged the record.
    private func accept(_ request: Request, definition: Substring, integration: Substring) async throws -> Result<String, WebhookRejection> {
        if health.isDraining {
            return .failure(WebhookRejection(.shuttingDown, "the receiver is shutting down; retry on another instance"))
        }
        let route: IntegrationRoute
        switch directory.route(definition: definition, integration: integration) {
        case .success(let found): route = found
        case .failure(let rejection): return .failure(rejection)
        }
        if let rejection = Self.checkContentType(request.headers[.contentType]) { return .failure(rejection) }
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > maximumBodySize {
            return .failure(tooLarge())
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maximumBodySize)
        } catch is NIOTooManyBytesError {
            return .failure(tooLarge())
        }
        let body = Array(buffer.readableBytesView)

        if let rejection = route.verifier.verify(headers: request.headers, body: body, now: ReceiverHealth.unixSeconds()) {
            return .failure(rejection)
        }
        let metadata: DeliveryMetadata
        switch route.metadata.extract(headers: request.headers, body: body) {
        case .success(let found): metadata = found
        case .failure(let rejection): return .failure(rejection)
        }

        let (topic, record) = Self.makeRecord(
            route: route, metadata: metadata, body: body, registry: registry, receivedAt: RFC3339.now(),
            traceparent: TraceParent.continuing(request.headers[HeaderNames.traceparent]))

        counters.beginSend()
        let outcome = await producer.send(record)
        counters.endSend()
        switch outcome {
        case .acknowledged:
            return .success(metadata.deliveryID)
        case .timedOut:
            logger.warning("broker did not acknowledge in time; answering 503", metadata: [
                LogKeys.integration: "\(route.integration.id)", LogKeys.topic: "\(topic)",
            ])
            return .failure(WebhookRejection(.brokerTimeout, "the delivery was not stored in time; retry later"))
        case .failed(let error):
            logger.warning("broker did not store the delivery; answering 503", metadata: [
                LogKeys.integration: "\(route.integration.id)", LogKeys.topic: "\(topic)", LogKeys.error: "\(error)",
            ])
            if error.code == KafkaError.Code.shutDown {
                return .failure(WebhookRejection(.shuttingDown, "the receiver is shutting down; retry later"))
            }
            return .failure(WebhookRejection(.brokerUnavailable, "the delivery could not be stored; retry later"))
        }
    }

    /// The record of a verified delivery: the body unchanged, keyed `<integration>/<delivery ID>`, with the
    /// CloudEvents envelope headers, on the event's received topic (the unrouted topic for undeclared events).
    static func makeRecord(route: IntegrationRoute, metadata: DeliveryMetadata, body: [UInt8], registry: DefinitionRegistry,
                           receivedAt: String, traceparent: String) -> (TopicName, KafkaProducerRecord) {
        let topic = registry.receivedTopic(definition: route.definition, event: metadata.event)
        let envelope = Envelope.received(
            deliveryID: metadata.deliveryID, definition: route.definition.name, event: metadata.event,
            integration: route.integration.id, variant: metadata.variant, receivedAt: receivedAt,
            eventTime: metadata.eventTime, traceparent: traceparent)
        let record = KafkaProducerRecord(
            topic: topic.rawValue, key: Array("\(route.integration.id)/\(metadata.deliveryID)".utf8), value: body,
            headers: envelope.headers.map { KafkaHeader(key: $0.key, string: $0.value) })
        return (topic, record)
    }

    private func tooLarge() -> WebhookRejection {
        WebhookRejection(.payloadTooLarge, "the body is larger than \(maximumBodySize) bytes")
    }

    /// Accepts `application/json` (with parameters such as `charset`) and `application/<x>+json`.
    static func checkContentType(_ value: String?) -> WebhookRejection? {
        guard let value else {
            return WebhookRejection(.unsupportedMediaType, "a Content-Type header is required; send application/json")
        }
        let mediaType = value.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)[0]
            .trimmingASCIISpaces().lowercased()
        if mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json")) {
            return nil
        }
        if mediaType == "application/x-www-form-urlencoded" {
            return WebhookRejection(.unsupportedMediaType, "form-encoded deliveries are not supported yet; configure the webhook to send application/json")
        }
        return WebhookRejection(.unsupportedMediaType, "content type '\(mediaType.prefix(64))' is not supported; send application/json")
    }
}

/// Logging metadata keys of the receiver, in one place.
enum LogKeys {
    static let integration = "inlet.integration"
    static let rejection = "inlet.rejection"
    static let topic = "kafka.topic"
    static let error = "error"
    static let port = "inlet.receiver.port"
}

extension Substring {
    func trimmingASCIISpaces() -> Substring {
        var result = self
        while result.first == " " || result.first == "\t" { result = result.dropFirst() }
        while result.last == " " || result.last == "\t" { result = result.dropLast() }
        return result
    }
}
