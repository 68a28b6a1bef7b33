import HTTPTypes
import Hummingbird
import InletCore
import InletKafka
import InletSignatures
import Logging
import NIOCore

/// The request path of the receiver: route, check, read, answer handshakes, verify, extract, produce, answer.
///
/// Cheap checks come first (route, content type, declared length) so a bad request costs little; the body is
/// copied out of NIO exactly once (into the `[UInt8]` that becomes the record value), verified in place through an
/// ``InboundRequest`` holding only the headers the integration's verifier reads, and parsed only when the
/// definition takes metadata from it. Definitions with unsigned handshakes (Slack's `ssl_check`, Microsoft Graph's
/// `validationToken`, Dropbox-style challenges) read the body before the content-type check so those can be answered;
/// signed handshakes are answered once the signature verified. Handshakes never reach Kafka.
struct WebhookReceiver: Sendable {
    let directory: LiveIntegrationDirectory
    let registry: DefinitionRegistry
    let producer: AcknowledgedProducer
    let counters: ReceiverCounters
    let handshakeCounters: HandshakeCounters
    let health: ReceiverHealth
    let maximumBodySize: Int
    let retryAfterSeconds: Int
    /// What URL-signing schemes and query handshakes see as the URL's scheme, host and port.
    let publicBaseURL: String
    /// Rate limits, header limits and the body deadline.
    let limits: ReceiverLimits
    let logger: Logger

    private static let jsonHeaders: HTTPFields = [.contentType: "application/json"]

    /// What a request came to.
    enum Answer: Sendable {
        /// One delivery stored; its ID.
        case delivery(String)
        /// A batch of `count` deliveries stored.
        case batch(count: Int)
        /// A handshake answered directly.
        case handshake(HandshakeKind, HandshakeResponse)
    }

    /// What the checks before the body decided.
    enum BodyAdmission {
        /// Answer this now; the body is not read.
        case refuse(WebhookRejection)
        /// Read the body (up to ``maximumBodySize``) for this route.
        case read(IntegrationRoute)
    }

    /// What a request whose body was read needs next.
    enum BodyOutcome {
        /// The answer is known: a rejection or a handshake.
        case answer(Result<Answer, WebhookRejection>)
        /// Verified: produce these records, then answer.
        case produce(PendingDelivery)
    }

    /// Verified records waiting to be produced, and what to answer once the broker stored them.
    struct PendingDelivery: Sendable {
        let route: IntegrationRoute
        /// One record per delivery; never empty.
        let records: [KafkaProducerRecord]
        let answer: Answer
    }

    /// Answers one `POST` (or handshake `GET`) to `/webhooks/<definition>/<integration>` routed by Hummingbird's
    /// router. (On a live server the connection's ``WebhookChannelHandler`` answers these first, through the same
    /// steps; see its documentation for when requests still come here.)
    /// - Throws: only when reading the body fails (the connection broke); every rejection is a response.
    func receive(_ request: Request, definition: Substring, integration: Substring) async throws -> Response {
        let result: Result<Answer, WebhookRejection>
        switch admitBody(request, definition: definition, integration: integration) {
        case .refuse(let rejection):
            result = .failure(rejection)
        case .read(let route):
            // A sender that stalls is answered 408 by the connection's BodyDeadlineHandler, which ends this read
            // with an error (the connection is closed by then, so nothing more is answered here).
            let buffer: ByteBuffer
            do {
                buffer = try await request.body.collect(upTo: maximumBodySize)
            } catch is NIOTooManyBytesError {
                return respond(.failure(tooLarge()), definition: definition, integration: integration).hummingbirdResponse
            }
            switch process(request, route: route, body: Array(buffer.readableBytesView)) {
            case .answer(let answer):
                result = answer
            case .produce(let pending):
                result = await withCheckedContinuation { continuation in
                    send(pending) { continuation.resume(returning: $0) }
                }
            }
        }
        return respond(result, definition: definition, integration: integration).hummingbirdResponse
    }

    /// The response to `result`, counted: accepted deliveries and batches, answered handshakes, rejections by code.
    func respond(_ result: Result<Answer, WebhookRejection>, definition: Substring, integration: Substring) -> ReceiverResponse {
        switch result {
        case .success(.delivery(let deliveryID)):
            counters.recordAccepted(definition: String(definition))
            return ReceiverResponse(status: .accepted, headers: Self.jsonHeaders,
                                   body: "{\"status\":\"accepted\",\"id\":\(JSONString.quoted(deliveryID))}")
        case .success(.batch(let count)):
            counters.recordAccepted(definition: String(definition))
            return ReceiverResponse(status: .accepted, headers: Self.jsonHeaders,
                                   body: "{\"status\":\"accepted\",\"count\":\(count)}")
        case .success(.handshake(let kind, let answer)):
            handshakeCounters.recordAnswered(kind)
            logger.info("answered a handshake", metadata: [
                LogKeys.integration: "\(integration.prefix(64))", LogKeys.handshake: "\(kind.rawValue)",
            ])
            return Self.response(answer)
        case .failure(let rejection):
            return reject(rejection, definition: definition, integration: integration)
        }
    }

    /// - Parameter definition: the URL's definition segment, nil when the route had none (the counters export
    ///   undeclared names as `unknown`).
    func reject(_ rejection: WebhookRejection, definition: Substring?, integration: Substring) -> ReceiverResponse {
        counters.recordRejection(rejection.code, definition: definition.map(String.init))
        logger.debug("webhook rejected", metadata: [
            LogKeys.integration: "\(integration.prefix(64))", LogKeys.rejection: "\(rejection.code.rawValue)",
        ])
        return rejection.webhookResponse(retryAfterSeconds: retryAfterSeconds)
    }

    /// The checks that need no body, cheapest first, so a bad request costs little: draining, header limits, route,
    /// rate limit (which takes a token when it admits), method, content type, declared length.
    func admitBody(_ request: Request, definition: Substring, integration: Substring) -> BodyAdmission {
        if health.isDraining {
            return .refuse(WebhookRejection(.shuttingDown, "the receiver is shutting down; retry on another instance"))
        }
        if let rejection = limits.headers.check(request.headers) { return .refuse(rejection) }
        let route: IntegrationRoute
        switch directory.directory.route(definition: definition, integration: integration) {
        case .success(let found): route = found
        case .failure(let rejection): return .refuse(rejection)
        }
        // After routing, so only configured integrations have buckets; before the body, so refusing costs little.
        if let rejection = limits.admit(integration: route.integration.id) { return .refuse(rejection) }
        let isGET = request.method == .get
        if isGET, !route.answersGET {
            return .refuse(Self.getIsNotAHandshake(route))
        }
        if !isGET, !route.answersHandshakesFirst,
           let rejection = Self.checkContentType(request.headers[.contentType], encoding: route.definition.bodyEncoding) {
            return .refuse(rejection)
        }
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > maximumBodySize {
            return .refuse(tooLarge())
        }
        return .read(route)
    }

    /// Everything after the body arrived, without waiting: unsigned handshakes, verification, signed handshakes,
    /// extraction, and the records to produce.
    func process(_ request: Request, route: IntegrationRoute, body: [UInt8]) -> BodyOutcome {
        let isGET = request.method == .get
        let inbound = route.inboundRequest(request, body: body, now: ReceiverHealth.unixSeconds(), publicBaseURL: publicBaseURL)
        if route.answersHandshakesFirst {
            if let answer = Self.handshake(route, inbound, phase: .beforeVerification) { return .answer(answer) }
            // A GET that no unsigned responder recognised, with no signed GET handshake to come: nothing to verify.
            if isGET, !route.answersHandshakesAfterVerification { return .answer(.failure(Self.getIsNotAHandshake(route))) }
            if !isGET, let rejection = Self.checkContentType(request.headers[.contentType], encoding: route.definition.bodyEncoding) {
                return .answer(.failure(rejection))
            }
        }
        let verificationStarted = ContinuousClock.now
        let verdict = route.verifier.verify(inbound)
        counters.recordVerification(definition: route.definition.name.rawValue, duration: ContinuousClock.now - verificationStarted)
        if let rejection = verdict {
            return .answer(.failure(WebhookRejection(rejection)))
        }
        if route.answersHandshakesAfterVerification, let answer = Self.handshake(route, inbound, phase: .afterVerification) {
            return .answer(answer)
        }
        if isGET {
            return .answer(.failure(Self.getIsNotAHandshake(route)))
        }

        let receivedAt = RFC3339.now()
        let traceparent = TraceParent.continuing(request.headers[HeaderNames.traceparent])
        switch route.reading {
        case .single(let extractor):
            switch extractor.extract(headers: request.headers, body: body) {
            case .success(let metadata):
                let record = Self.makeRecord(route: route, metadata: metadata, body: body, registry: registry,
                                             receivedAt: receivedAt, traceparent: traceparent).record
                return .produce(PendingDelivery(route: route, records: [record], answer: .delivery(metadata.deliveryID)))
            case .failure(let rejection):
                return .answer(.failure(rejection))
            }
        case .batch(let extractor):
            let items: [BatchItem]
            switch extractor.extract(headers: request.headers, body: body) {
            case .success(let found): items = found
            case .failure(let rejection): return .answer(.failure(rejection))
            }
            guard !items.isEmpty else { return .answer(.success(.batch(count: 0))) }
            let records = items.map { item in
                Self.makeRecord(route: route, metadata: item.attributes, body: Array(item.bytes), registry: registry,
                                receivedAt: receivedAt, traceparent: traceparent).record
            }
            return .produce(PendingDelivery(route: route, records: records, answer: .batch(count: items.count)))
        }
    }

    /// Produces `pending`'s records and calls `completion` once with the answer: the delivery when the broker stored
    /// every record, a 503 when it failed or did not acknowledge in time. Suspends nothing; `completion` runs on
    /// the producer's event thread, a timer's event loop, or (a record refused at once) the caller's thread.
    func send(_ pending: PendingDelivery, completion: @escaping @Sendable (Result<Answer, WebhookRejection>) -> Void) {
        counters.beginSend()
        let sendStarted = ContinuousClock.now
        producer.send(pending.records) { [self] outcome in
            counters.recordAcknowledgement(Self.metricOutcome(outcome), duration: ContinuousClock.now - sendStarted)
            counters.endSend()
            if let rejection = rejection(for: outcome, route: pending.route, topic: pending.records[0].topic) {
                completion(.failure(rejection))
            } else {
                completion(.success(pending.answer))
            }
        }
    }

    /// nil when the broker stored the record(s), otherwise the 503 to answer (logged at warning).
    private func rejection(for outcome: SendOutcome, route: IntegrationRoute, topic: String) -> WebhookRejection? {
        switch outcome {
        case .acknowledged:
            return nil
        case .timedOut:
            logger.warning("broker did not acknowledge in time; answering 503", metadata: [
                LogKeys.integration: "\(route.integration.id)", LogKeys.topic: "\(topic)",
            ])
            return WebhookRejection(.brokerTimeout, "the delivery was not stored in time; retry later")
        case .failed(let error):
            logger.warning("broker did not store the delivery; answering 503", metadata: [
                LogKeys.integration: "\(route.integration.id)", LogKeys.topic: "\(topic)", LogKeys.error: "\(error)",
            ])
            if error.code == KafkaError.Code.shutDown {
                return WebhookRejection(.shuttingDown, "the receiver is shutting down; retry later")
            }
            return WebhookRejection(.brokerUnavailable, "the delivery could not be stored; retry later")
        }
    }

    /// The `outcome` label of the acknowledgement metric.
    private static func metricOutcome(_ outcome: SendOutcome) -> ReceiverCounters.AcknowledgementOutcome {
        switch outcome {
        case .acknowledged: .acknowledged
        case .timedOut: .timedOut
        case .failed: .failed
        }
    }

    /// The first handshake of `phase` the request is, answered or refused; nil when it is none.
    private static func handshake(_ route: IntegrationRoute, _ request: InboundRequest, phase: HandshakePhase) -> Result<Answer, WebhookRejection>? {
        for responder in route.handshakes.responders where responder.phase == phase {
            switch responder.respond(to: request) {
            case nil: continue
            case .respond(let response)?: return .success(.handshake(responder.kind, response))
            case .refuse(let refusal)?: return .failure(WebhookRejection(refusal))
            }
        }
        return nil
    }

    private static func getIsNotAHandshake(_ route: IntegrationRoute) -> WebhookRejection {
        let kinds = route.definition.handshakes.filter(\.mayArriveAsGET).map(\.rawValue)
        let answered = kinds.isEmpty ? "" : " (GET answers only the \(kinds.joined(separator: ", ")) handshake)"
        return WebhookRejection(.routeNotFound, "webhooks are POSTed to /webhooks/<definition>/<integration>\(answered)")
    }

    /// A handshake's answer as written: its status, content type, body and headers.
    static func response(_ answer: HandshakeResponse) -> ReceiverResponse {
        var headers = HTTPFields()
        if let contentType = answer.contentType { headers[.contentType] = contentType }
        for header in answer.headers {
            if let name = HTTPField.Name(header.name) { headers.append(HTTPField(name: name, value: header.value)) }
        }
        return ReceiverResponse(status: HTTPResponse.Status(code: answer.status), headers: headers,
                               body: ByteBuffer(bytes: answer.body))
    }

    /// The record of a verified delivery (or one item of a batch): the bytes unchanged, keyed
    /// `<integration>/<delivery ID>`, with the CloudEvents envelope headers (`content-type` the definition's media
    /// type), on the event's received topic (the unrouted topic for undeclared events).
    static func makeRecord(route: IntegrationRoute, metadata: DeliveryMetadata, body: [UInt8], registry: DefinitionRegistry,
                           receivedAt: String, traceparent: String) -> (topic: TopicName, record: KafkaProducerRecord) {
        let topic = registry.receivedTopic(definition: route.definition, event: metadata.event)
        var envelope = Envelope.received(
            deliveryID: metadata.deliveryID, definition: route.definition.name, event: metadata.event,
            integration: route.integration.id, variant: metadata.variant, receivedAt: receivedAt,
            eventTime: metadata.eventTime, traceparent: traceparent)
        envelope.contentType = route.recordContentType
        let record = KafkaProducerRecord(
            topic: topic.rawValue, key: Array("\(route.integration.id)/\(metadata.deliveryID)".utf8), value: body,
            headers: envelope.headers.map { KafkaHeader(key: $0.key, string: $0.value) })
        return (topic, record)
    }

    func tooLarge() -> WebhookRejection {
        WebhookRejection(.payloadTooLarge, "the body is larger than \(maximumBodySize) bytes")
    }

    /// JSON definitions accept `application/json` (with parameters such as `charset`) and `application/<x>+json`;
    /// form-encoded ones (Twilio) `application/x-www-form-urlencoded`.
    static func checkContentType(_ value: String?, encoding: BodyEncoding = .json) -> WebhookRejection? {
        guard let value else {
            return WebhookRejection(.unsupportedMediaType, "a Content-Type header is required; send \(encoding.mediaType)")
        }
        let mediaType = value.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false)[0]
            .trimmingASCIISpaces().lowercased()
        switch encoding {
        case .json:
            if mediaType == "application/json" || (mediaType.hasPrefix("application/") && mediaType.hasSuffix("+json")) {
                return nil
            }
            if mediaType == "application/x-www-form-urlencoded" {
                return WebhookRejection(.unsupportedMediaType, "this definition takes JSON bodies; configure the webhook to send application/json")
            }
        case .formURLEncoded:
            if mediaType == "application/x-www-form-urlencoded" { return nil }
        }
        return WebhookRejection(.unsupportedMediaType, "content type '\(mediaType.prefix(64))' is not supported; send \(encoding.mediaType)")
    }
}

/// Header names parsed once (HTTPField.Name validates and lower-cases on creation).
enum HeaderNames {
    static let traceparent = HTTPField.Name("traceparent")!
}

/// Logging metadata keys of the receiver, in one place.
enum LogKeys {
    static let integration = "inlet.integration"
    static let rejection = "inlet.rejection"
    static let topic = "kafka.topic"
    static let error = "error"
    static let port = "inlet.receiver.port"
    static let handshake = "inlet.handshake"
    static let publicURL = "inlet.receiver.public_url"
}

extension Substring {
    func trimmingASCIISpaces() -> Substring {
        var result = self
        while result.first == " " || result.first == "\t" { result = result.dropFirst() }
        while result.last == " " || result.last == "\t" { result = result.dropLast() }
        return result
    }
}

extension WebhookReceiver: WebhookIntake {
    func admit(_ request: Request, definition: Substring, integration: Substring) -> Result<IntegrationRoute, ReceiverRefusal> {
        switch admitBody(request, definition: definition, integration: integration) {
        case .read(let route): .success(route)
        case .refuse(let rejection): .failure(ReceiverRefusal(response: reject(rejection, definition: definition, integration: integration)))
        }
    }

    func receive(_ request: Request, admission route: IntegrationRoute, body: [UInt8], definition: Substring,
                 integration: Substring, answer: @escaping @Sendable (ReceiverResponse) -> Void) {
        switch process(request, route: route, body: body) {
        case .answer(let result):
            answer(respond(result, definition: definition, integration: integration))
        case .produce(let pending):
            send(pending) { [self] result in answer(respond(result, definition: definition, integration: integration)) }
        }
    }

    func tooLarge(definition: Substring, integration: Substring) -> ReceiverResponse {
        reject(tooLarge(), definition: definition, integration: integration)
    }
}
