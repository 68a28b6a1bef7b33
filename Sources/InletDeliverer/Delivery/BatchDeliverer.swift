#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import InletCore
import InletCrypto
import InletKafka
import InletStageRuntime
import Logging
import Synchronization

/// Counters of one deliverer, for tests, benchmarks and logs.
public struct DeliveryStatistics: Sendable, Equatable {
    /// Batches fully handled (every request answered 2xx or dead-lettered); a batch counts once per subscription.
    public var batches = 0
    /// HTTP attempts sent, retries included.
    public var attempts = 0
    /// Attempts that were retries.
    public var retries = 0
    /// Requests that ended with a 2xx.
    public var requestsDelivered = 0
    /// Records delivered (summed over subscriptions: (record, subscription) pairs).
    public var recordsDelivered = 0
    /// Dead letters written (one per record and subscription).
    public var recordsDeadLettered = 0
    /// Records too large for one body, sent in chunks.
    public var recordsChunked = 0

    public init() {}

    /// The sum of two sets of counters (over the subscriptions of one deliverer).
    public static func + (lhs: DeliveryStatistics, rhs: DeliveryStatistics) -> DeliveryStatistics {
        var sum = lhs
        sum.batches += rhs.batches
        sum.attempts += rhs.attempts
        sum.retries += rhs.retries
        sum.requestsDelivered += rhs.requestsDelivered
        sum.recordsDelivered += rhs.recordsDelivered
        sum.recordsDeadLettered += rhs.recordsDeadLettered
        sum.recordsChunked += rhs.recordsChunked
        return sum
    }
}

/// The heart of the stage: delivers one consumed batch to ONE subscription and dead-letters what it cannot deliver.
/// It returns only when every request of the batch got a 2xx or its records are stored on the dead-letter topic, so
/// the caller may then commit the batch's offsets in the subscription's own consumer group.
///
/// Each subscription has its own deliverer, consumer and offsets (``DelivererService`` runs one loop per
/// subscription), so a slow or dead subscriber delays only itself. Bodies go out one after another in record order.
/// Records the subscription does not want (a replay meant for another subscription or of another model: every
/// subscription's group reads `inlet.replay.deliverer`) are skipped and counted as skipped.
/// Knows nothing about consuming: ``DelivererService`` feeds it, tests call it directly.
///
/// Metrics: every counter of ``statistics`` also goes to ``metrics`` (forwarded = records delivered, dead letters
/// by error code, skipped records) and ``DelivererMetricName`` (requests by subscription and outcome, their
/// duration, retries, records delivered and dead-lettered by subscription). Each request carries the W3C
/// `traceparent` of the first record in its body.
///
/// - Important: If ``deliver(_:)`` throws (dead letters could not be produced, or the task was cancelled), the batch
///   must not be committed; delivering it again is safe because request IDs are derived from the records.
public final class BatchDeliverer: Sendable {
    /// A record ready to deliver.
    struct Prepared: Sendable {
        let record: KafkaRecord
        let element: [UInt8]
    }

    /// One record that the subscription will not get.
    struct Failure: Sendable {
        let record: KafkaRecord
        let errorCode: String
        let message: String
        let attempts: Int
    }

    /// Header naming the subscription a dead letter was meant for; a replay carrying it goes to that one only.
    public static let subscriptionHeader = DeadLetter.Header.subscription
    /// Request headers of split records.
    public enum Header {
        public static let chunk = "Inlet-Chunk"
        public static let batchID = "Inlet-Batch-Id"
        public static let contentType = "Content-Type"
        public static let userAgent = "User-Agent"
        /// W3C trace context of the body's first record (every element also carries its own `traceparent`).
        public static let traceparent = "traceparent"
    }

    /// The `reason` of ``StageMetrics/skipped(_:reason:)`` for records meant for other subscriptions.
    static let skippedReason = "not_for_subscription"

    /// The subscription this deliverer serves.
    public let subscription: Subscription
    let signer: WebhookSigner
    /// The URL without query or fragment, for logs.
    let loggableURL: String
    let modelsByTopic: [String: ModelName]
    let packer: BodyPacker
    let retry: RetryPolicy
    let requestTimeout: Duration
    let transport: any WebhookTransport
    let deadLetters: any DeadLetterProducer
    let logger: Logger
    /// The shared stage metrics of the deliverer; ``DelivererService`` also counts consumed batches and commits here.
    public let metrics: StageMetrics
    /// Which subscriptions answered 410 Gone (shared by the process's subscription loops).
    public let gone: GoneSubscriptions
    private let counters = Mutex(DeliveryStatistics())

    /// Whether this subscription answered `410 Gone`: then the deliverer sends it nothing more — its records go
    /// straight to the dead-letter topic as `subscriber_gone`, to be redriven once the subscriber wants them again —
    /// until the mark is lifted (`inlet subscriptions enable`, or a new URL in the subscriptions file).
    public var isGone: Bool { gone.isGone(subscription) }

    /// - Parameters:
    ///   - configuration: the limits, retry policy and timeouts (its subscription list is not used).
    ///   - metrics: where delivered records and dead letters are exported. Default: a new one for `stage="deliverer"`.
    ///   - gone: the process's gone marks. Default: a new, empty set of its own.
    /// - Throws: ``DelivererError`` for a bad limit, subscription ID or secret.
    public init(
        subscription: Subscription, configuration: DelivererConfiguration, transport: any WebhookTransport,
        deadLetters: any DeadLetterProducer, logger: Logger, metrics: StageMetrics = StageMetrics(stage: .deliverer),
        gone: GoneSubscriptions = GoneSubscriptions()
    ) throws(DelivererError) {
        try DelivererConfiguration.checkGroupSafe(subscription.id)
        do {
            self.signer = try WebhookSigner(secret: subscription.secret)
        } catch {
            throw DelivererError(error.code, "subscription '\(subscription.id.prefix(80))': \(error.reason)")
        }
        self.subscription = subscription
        self.loggableURL = Self.loggable(subscription.url)
        self.modelsByTopic = Dictionary(subscription.models.map { (TopicName.model($0).rawValue, $0) }) { first, _ in first }
        self.packer = try BodyPacker(maxBodyBytes: configuration.maxBodyBytes,
                                     maxElementsPerBody: configuration.maxRecordsPerBody)
        self.retry = configuration.retry
        self.requestTimeout = configuration.requestTimeout
        self.transport = transport
        self.deadLetters = deadLetters
        var logger = logger
        logger[metadataKey: LogKey.subscription] = "\(subscription.id)"
        self.logger = logger
        self.metrics = metrics
        self.gone = gone
    }

    /// For a configuration with exactly one subscription (tests, embedding).
    /// - Throws: ``DelivererError`` `.invalidConfiguration` when the configuration has another number of them.
    public convenience init(
        configuration: DelivererConfiguration, transport: any WebhookTransport, deadLetters: any DeadLetterProducer,
        logger: Logger, metrics: StageMetrics = StageMetrics(stage: .deliverer)
    ) throws(DelivererError) {
        guard configuration.subscriptions.count == 1, let subscription = configuration.subscriptions.first else {
            throw DelivererError(.invalidConfiguration, "a BatchDeliverer serves one subscription; the configuration has \(configuration.subscriptions.count)")
        }
        try self.init(subscription: subscription, configuration: configuration, transport: transport,
                      deadLetters: deadLetters, logger: logger, metrics: metrics)
    }

    /// A snapshot of the counters.
    public var statistics: DeliveryStatistics { counters.withLock { $0 } }

    /// Delivers the records of `batch` this subscription wants; see the type's contract.
    /// - Throws: ``DelivererError`` `.deadLetterProduce` when dead letters could not be stored; `CancellationError`
    ///   when cancelled (shutdown grace period over). Either way: do not commit.
    public func deliver(_ batch: KafkaRecordBatch) async throws {
        var failures: [Failure] = []
        var prepared: [Prepared] = []
        var skipped = 0
        prepared.reserveCapacity(batch.records.count)
        for record in batch.records {
            switch prepare(record) {
            case .ready(let item): prepared.append(item)
            case .notForThisSubscription: skipped += 1
            case .invalid(let failure):
                var metadata = record.logMetadata
                metadata[LogKey.errorCode] = "\(failure.errorCode)"
                logger.warning("record cannot be delivered; it goes to the dead-letter topic", metadata: metadata)
                failures.append(failure)
            }
        }
        metrics.skipped(skipped, reason: Self.skippedReason)
        if !prepared.isEmpty { failures += try await deliver(prepared) }
        try Task.checkCancellation()
        try await produceDeadLetters(failures)
        counters.withLock { $0.batches += 1 }
    }

    // MARK: Preparing records

    enum Preparation {
        case ready(Prepared)
        /// A replay of another model or for another subscription.
        case notForThisSubscription
        case invalid(Failure)
    }

    private func prepare(_ record: KafkaRecord) -> Preparation {
        let envelope: Envelope
        do {
            envelope = try record.envelope()
        } catch {
            return .invalid(Failure(record: record, errorCode: "invalid_envelope", message: error.reason, attempts: 0))
        }
        if let only = record.headers.first(Self.subscriptionHeader), only != subscription.id { return .notForThisSubscription }
        var model = modelsByTopic[record.topic]
        if model == nil, envelope.type.hasPrefix("inlet.model.") {
            model = try? ModelName(String(envelope.type.dropFirst("inlet.model.".count)))
        }
        if model == nil, let original = record.headers.first(DeadLetter.Header.originalTopic) {
            model = modelsByTopic[original]
        }
        guard let model else {
            return .invalid(Failure(record: record, errorCode: "unknown_model",
                                    message: "the record's type '\(envelope.type.prefix(80))' names no model",
                                    attempts: 0))
        }
        guard subscription.models.contains(model) else { return .notForThisSubscription }
        return .ready(Prepared(record: record, element: CloudEventElement.encode(envelope: envelope, value: record.value)))
    }

    // MARK: Delivering to one subscription

    private func deliver(_ records: [Prepared]) async throws -> [Failure] {
        let bodies = packer.pack(records.map(\.element))
        var failures: [Failure] = []
        var abandoned = Set<Int>()  // records whose earlier chunk was dead-lettered
        for body in bodies {
            try Task.checkCancellation()
            if abandoned.contains(body.elements.lowerBound) { continue }
            let covered = records[body.elements]
            let result = isGone ? .deadLetter(.subscriberGone, attempts: 0) : try await send(body, records: covered)
            switch result {
            case .delivered:
                let delivered = body.chunk.map { $0.index == $0.count ? 1 : 0 } ?? covered.count
                counters.withLock { stats in
                    stats.requestsDelivered += 1
                    stats.recordsDelivered += delivered
                    if body.chunk != nil { stats.recordsChunked += delivered }
                }
                metrics.forwarded(delivered)
                DelivererMetricName.recordDelivered(subscription: subscription.id, records: delivered)
            case .deadLetter(let reason, let attempts):
                if body.chunk != nil { abandoned.insert(body.elements.lowerBound) }
                var metadata: Logger.Metadata = [
                    LogKey.url: "\(loggableURL)", LogKey.errorCode: "\(reason.errorCode)", LogKey.records: "\(covered.count)",
                    LogKey.attempts: "\(attempts)",
                ]
                if let chunk = body.chunk { metadata[LogKey.chunk] = "\(chunk)" }
                // The request's trace: that of its first record, as in its `traceparent` header.
                if let traceID = covered.first?.record.traceID { metadata[StageLogKey.traceID] = "\(traceID)" }
                if case .subscriberGone = reason {
                    if gone.markGone(subscription, statusLine: "HTTP 410 Gone", at: RFC3339.now()) != nil {
                        DelivererMetricName.recordGone(subscription: subscription.id, isGone: true)
                        logger.error("SUBSCRIBER GONE: the subscriber answered 410 Gone; nothing more is sent to it and its records go to the dead-letter topic. Fix its URL in the subscriptions file or run `inlet subscriptions enable \(subscription.id)` once it wants deliveries again (the deliverers pick up either within seconds), then redrive its dead letters", metadata: metadata)
                    }
                } else {
                    logger.error("delivery failed; records go to the dead-letter topic", metadata: metadata)
                }
                for item in covered {
                    failures.append(Failure(record: item.record, errorCode: reason.errorCode, message: reason.description,
                                            attempts: attempts))
                }
            }
        }
        return failures
    }

    enum SendResult {
        case delivered
        case deadLetter(RetryPolicy.DeadLetterReason, attempts: Int)
    }

    private func send(_ body: BodyPacker.Body, records: ArraySlice<Prepared>) async throws -> SendResult {
        let coordinates = records.map(\.record)
        let webhookID = RequestIdentity.webhookID(subscription: subscription.id, records: coordinates, chunk: body.chunk)
        var fixedHeaders: [(name: String, value: String)] = [
            (Header.contentType, body.chunk == nil ? CloudEventElement.batchContentType : CloudEventElement.chunkContentType),
            (Header.userAgent, "inlet-deliverer"),
        ]
        if let traceparent = coordinates.first?.wellFormedTraceparent {
            fixedHeaders.append((Header.traceparent, traceparent))
        }
        if let chunk = body.chunk {
            fixedHeaders.append((Header.chunk, chunk.description))
            fixedHeaders.append((Header.batchID, RequestIdentity.batchID(subscription: subscription.id,
                                                                          record: coordinates[coordinates.startIndex])))
        }
        var generator = SystemRandomNumberGenerator()
        var attempt = 0
        while true {
            attempt += 1
            let now = UnixTime.now()
            let signed = try signer.headers(id: webhookID, timestamp: Int(now), body: body.bytes)
            let request = WebhookRequest(url: subscription.url, headers: fixedHeaders + signed,
                                         body: body.bytes, timeout: requestTimeout)
            counters.withLock { stats in
                stats.attempts += 1
                if attempt > 1 { stats.retries += 1 }
            }
            if attempt > 1 { DelivererMetricName.recordRetry(subscription: subscription.id) }
            let outcome: RetryPolicy.AttemptOutcome
            let clock = ContinuousClock()
            let sentAt = clock.now
            do {
                let response = try await transport.send(request)
                outcome = .response(status: response.status, retryAfter: response.retryAfter)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                outcome = .transportFailure(reason: String(describing: error))
            }
            DelivererMetricName.recordRequest(subscription: subscription.id, outcome: outcome, duration: clock.now - sentAt)
            switch retry.decision(after: outcome, attempt: attempt, now: UnixTime.now(), using: &generator) {
            case .delivered:
                return .delivered
            case .deadLetter(let reason):
                return .deadLetter(reason, attempts: attempt)
            case .retry(let delay):
                logger.debug("delivery attempt failed; retrying", metadata: [
                    LogKey.attempts: "\(attempt)",
                    LogKey.outcome: "\(Self.describe(outcome))", LogKey.delay: "\(delay)",
                ])
                try await Task.sleep(for: delay)
            }
        }
    }

    // MARK: Dead letters

    private func produceDeadLetters(_ failures: [Failure]) async throws {
        guard !failures.isEmpty else { return }
        let topic = TopicName.deadLetter(.deliverer).rawValue
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for failure in failures {
                    let record = Self.deadLetterRecord(for: failure, subscriptionID: subscription.id)
                    group.addTask { try await self.deadLetters.sendDeadLetter(record) }
                }
                try await group.waitForAll()
            }
        } catch {
            throw DelivererError(.deadLetterProduce, "could not store \(failures.count) dead letter(s) of subscription '\(subscription.id)' on \(topic): \(error); the batch is not committed and will be delivered again", isRetriable: true)
        }
        counters.withLock { $0.recordsDeadLettered += failures.count }
        let byReason = failures.reduce(into: [String: Int]()) { counts, failure in counts[failure.errorCode, default: 0] += 1 }
        metrics.deadLettered(byReason: byReason)
        DelivererMetricName.recordDeadLettered(subscription: subscription.id, byReason: byReason)
    }

    /// The original record with the dead-letter headers (``DeadLetter/record(for:)``) and the subscription it was
    /// meant for (a redrive then goes to that subscription only).
    static func deadLetterRecord(for failure: Failure, subscriptionID: String) -> KafkaProducerRecord {
        let letter = DeadLetter(stage: .deliverer, errorCode: failure.errorCode, errorMessage: failure.message,
                                attempts: failure.attempts, original: failure.record)
        var record = letter.record(for: failure.record)
        record.headers.removeAll { $0.key == subscriptionHeader }
        record.headers.append(KafkaHeader(key: subscriptionHeader, string: subscriptionID))
        return record
    }

    // MARK: Helpers

    static func describe(_ outcome: RetryPolicy.AttemptOutcome) -> String {
        switch outcome {
        case .response(let status, _): "HTTP \(status)"
        case .transportFailure(let reason): reason
        }
    }

    /// Scheme, host, port and path only: query strings may carry tokens.
    static func loggable(_ url: String) -> String {
        String(url.prefix { $0 != "?" && $0 != "#" })
    }
}

/// Request and chunk-set identifiers derived from the records, so a retry, or a redelivery of the same records
/// after a restart, carries the same `webhook-id` and subscribers can deduplicate on it.
enum RequestIdentity {
    /// `msg_` + 32 hex digits of SHA-256 over the subscription, every record's topic/partition/offset and the chunk.
    static func webhookID(subscription: String, records: [KafkaRecord], chunk: BodyPacker.Chunk?) -> String {
        var text = subscription
        for record in records { text += "\u{0}\(record.topic)\u{1}\(record.partition)\u{1}\(record.offset)" }
        if let chunk { text += "\u{0}chunk\u{1}\(chunk.index)/\(chunk.count)" }
        return "msg_" + digest(text)
    }

    /// `inlet_` + 32 hex digits: the same for every piece of one split record (and its retries).
    static func batchID(subscription: String, record: KafkaRecord) -> String {
        "inlet_" + digest("\(subscription)\u{0}\(record.topic)\u{1}\(record.partition)\u{1}\(record.offset)")
    }

    /// SHA-256 over in-memory bytes fails only when OpenSSL itself is broken, and then signing fails as well
    /// (the request is never sent), so the empty fallback never reaches a subscriber.
    private static func digest(_ text: String) -> String {
        (try? SHA256.hash(Array(text.utf8))).map { Hex.encode($0.prefix(16)) } ?? ""
    }
}

/// Wall-clock seconds since the Unix epoch (for `webhook-timestamp` and HTTP dates).
enum UnixTime {
    static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
