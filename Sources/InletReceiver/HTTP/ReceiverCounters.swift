import InletStageRuntime
import Metrics
import Synchronization

/// Counts accepted deliveries and rejections by ``RejectionCode`` in memory (tests, logs), and exports them with
/// verification and acknowledgement latencies as metrics (``MetricName``; docs/metrics.md).
///
/// Accepted deliveries (the hot path) use one relaxed atomic and one lookup under a small lock; rejections share
/// that lock. Metric handles are made once per label set and kept, so a request creates none.
///
/// Label values are bounded: `definition` is one of the declared definitions given to ``init(definitions:)``
/// (anything else, such as a made-up name in a URL, is exported as `unknown`; without that list at most
/// ``maximumDefinitionLabels`` distinct names, then `other`), `status` an HTTP status, `reason` a rejection code or
/// `accepted`. Never an integration ID, a delivery ID or anything from the body.
public final class ReceiverCounters: Sendable {
    /// Metric names of the receiver, in one place.
    public enum MetricName {
        /// Counter `{definition, status, reason}`: webhook requests answered.
        public static let requests = "inlet_receiver_requests_total"
        /// Histogram `{definition}` (seconds): signature verification of one request.
        public static let verificationDuration = "inlet_receiver_verification_duration_seconds"
        /// Histogram `{outcome}` (seconds): from handing the record to the producer until the broker acknowledged it
        /// (`acknowledged`), failed (`failed`) or the deadline passed (`timed_out`).
        public static let brokerAckDuration = "inlet_receiver_broker_ack_duration_seconds"
        /// Gauge: verified requests waiting for the broker's acknowledgement right now.
        public static let requestsInFlight = "inlet_receiver_requests_in_flight"

        /// Every receiver metric with its meaning and buckets.
        public static let descriptions: [MetricDescription] = [
            MetricDescription(requests, "Webhook requests answered, by definition (unknown before routing), HTTP status and reason (accepted or the rejection code)."),
            MetricDescription(verificationDuration, "Seconds spent verifying one request's signature, by definition.",
                              durationBuckets: [.microseconds(5), .microseconds(10), .microseconds(25), .microseconds(50),
                                                .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1),
                                                .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(50)]),
            MetricDescription(brokerAckDuration, "Seconds from producing a verified delivery until the broker answered or the deadline passed, by outcome (acknowledged, failed, timed_out).",
                              durationBuckets: [.microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2),
                                                .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                                                .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                                                .milliseconds(2500), .seconds(5), .seconds(10)]),
            MetricDescription(requestsInFlight, "Verified requests waiting for the broker's acknowledgement."),
        ]
    }

    /// How a broker send ended, as the `outcome` label of ``MetricName/brokerAckDuration``.
    public enum AcknowledgementOutcome: String, Sendable {
        case acknowledged
        case failed
        case timedOut = "timed_out"
    }

    /// At most this many distinct `definition` label values; later ones are exported as `other`.
    public static let maximumDefinitionLabels = 256
    /// The `definition` label of a request that was rejected before its definition was known.
    public static let unknownDefinition = "unknown"

    private let accepted = Atomic<Int>(0)
    private let inFlight = Atomic<Int>(0)
    private let state = Mutex(State())
    private let inFlightGauge: Meter

    private struct Key: Hashable {
        var definition: String
        var reasonIndex: Int  // RejectionCode.index, or -1 for accepted
    }

    private struct State {
        var rejected = [Int](repeating: 0, count: RejectionCode.allCases.count)
        var requestCounters: [Key: Counter] = [:]
        var verificationTimers: [String: Timer] = [:]
        var definitions: Set<String> = []
        /// The declared definitions, when known: any other name is exported as `unknown`.
        var declared: Set<String>?

        /// `definition` when it is declared (or, without a declared list, while there is room), otherwise `unknown`
        /// or `other`.
        mutating func label(_ definition: String) -> String {
            if let declared { return declared.contains(definition) ? definition : ReceiverCounters.unknownDefinition }
            if definitions.contains(definition) { return definition }
            guard definitions.count < ReceiverCounters.maximumDefinitionLabels else { return "other" }
            definitions.insert(definition)
            return definition
        }
    }

    /// - Important: Metric handles are made here and kept: bootstrap the metrics backend before creating counters.
    public init() {
        inFlightGauge = Meter(label: MetricName.requestsInFlight)
    }

    /// With the declared definitions' names, so that any `definition` label outside them (a made-up name in a
    /// request URL) is exported as `unknown`.
    public convenience init(definitions: some Sequence<String>) {
        self.init()
        let declared = Set(definitions)
        state.withLock { $0.declared = declared }
    }

    /// Deliveries the broker acknowledged and that were answered 202.
    public var acceptedCount: Int { accepted.load(ordering: .relaxed) }

    /// Verified deliveries waiting for the broker's acknowledgement right now (a gauge).
    public var inFlightCount: Int { inFlight.load(ordering: .relaxed) }

    /// How many requests were refused with `code`.
    public func rejections(_ code: RejectionCode) -> Int { state.withLock { $0.rejected[code.index] } }

    /// Every rejection count by stable code (`signature_mismatch` → 3), zeros included.
    public var rejectionsByCode: [String: Int] {
        let counts = state.withLock { $0.rejected }
        return Dictionary(uniqueKeysWithValues: RejectionCode.allCases.map { ($0.rawValue, counts[$0.index]) })
    }

    // MARK: Recording (called by the request path)

    /// A delivery of `definition` was acknowledged and answered 202.
    func recordAccepted(definition: String) {
        accepted.add(1, ordering: .relaxed)
        requestCounter(definition: definition, reasonIndex: -1) { definition in
            Counter(label: MetricName.requests, dimensions: Self.requestLabels(definition: definition, status: 202, reason: "accepted"))
        }.increment()
    }

    /// A request was refused with `code`; `definition` is the URL's definition (checked against the declared list
    /// given to ``init(definitions:)``), nil when the request had none (unknown route).
    func recordRejection(_ code: RejectionCode, definition: String?) {
        requestCounter(definition: definition ?? Self.unknownDefinition, reasonIndex: code.index, count: true) { definition in
            Counter(label: MetricName.requests,
                    dimensions: Self.requestLabels(definition: definition, status: Int(code.status.code), reason: code.rawValue))
        }.increment()
    }

    /// Verifying one request of `definition` took `duration`.
    func recordVerification(definition: String, duration: Duration) {
        let timer = state.withLock { state -> Timer in
            let label = state.label(definition)
            if let timer = state.verificationTimers[label] { return timer }
            let timer = Timer(label: MetricName.verificationDuration, dimensions: [(StageMetricName.Label.definition, label)])
            state.verificationTimers[label] = timer
            return timer
        }
        timer.recordNanoseconds(duration.nanosecondsClamped)
    }

    /// The broker answered a send (or its deadline passed) `duration` after it started.
    func recordAcknowledgement(_ outcome: AcknowledgementOutcome, duration: Duration) {
        acknowledgementTimers[outcome]?.recordNanoseconds(duration.nanosecondsClamped)
    }

    func beginSend() {
        inFlight.add(1, ordering: .relaxed)
        inFlightGauge.increment()
    }

    func endSend() {
        inFlight.subtract(1, ordering: .relaxed)
        inFlightGauge.decrement()
    }

    // MARK: Handles

    private let acknowledgementTimers: [AcknowledgementOutcome: Timer] = Dictionary(uniqueKeysWithValues: [
        AcknowledgementOutcome.acknowledged, .failed, .timedOut,
    ].map { outcome in
        (outcome, Timer(label: MetricName.brokerAckDuration, dimensions: [(StageMetricName.Label.outcome, outcome.rawValue)]))
    })

    /// The cached counter for a label set, made on first use; with `count`, also counts the rejection in memory.
    private func requestCounter(definition: String, reasonIndex: Int, count: Bool = false,
                                make: (String) -> Counter) -> Counter {
        state.withLock { state in
            if count { state.rejected[reasonIndex] += 1 }
            let label = state.label(definition)
            let key = Key(definition: label, reasonIndex: reasonIndex)
            if let counter = state.requestCounters[key] { return counter }
            let counter = make(label)
            state.requestCounters[key] = counter
            return counter
        }
    }

    /// `definition`, `status`, `reason`: one fixed order.
    private static func requestLabels(definition: String, status: Int, reason: String) -> [(String, String)] {
        [(StageMetricName.Label.definition, definition), (StageMetricName.Label.status, String(status)),
         (StageMetricName.Label.reason, reason)]
    }
}
