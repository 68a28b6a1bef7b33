import InletStageRuntime
import Metrics

/// The deliverer's own metrics (beside the shared ``StageMetricName`` ones), in one place; docs/metrics.md
/// describes each. Labels are subscription IDs from the subscriptions file (never URLs, which may carry tokens) and
/// a status class.
public enum DelivererMetricName {
    /// Counter `{subscription, outcome}`: HTTP attempts, retries included; `outcome` is `2xx`, `3xx`, `4xx`, `5xx`
    /// (by status class) or `transport_error` (no response: connection refused, timeout, TLS).
    public static let requests = "inlet_deliverer_requests_total"
    /// Histogram `{subscription}` (seconds): one HTTP attempt, request sent to response read (or failure).
    public static let requestDuration = "inlet_deliverer_request_duration_seconds"
    /// Counter `{subscription}`: attempts that were retries of an earlier one.
    public static let retries = "inlet_deliverer_retries_total"
    /// Counter `{subscription}`: records delivered (answered 2xx) to the subscription.
    public static let recordsDelivered = "inlet_deliverer_records_delivered_total"
    /// Counter `{subscription, reason}`: records of the subscription stored on `inlet.dlq.deliverer`; `reason` is the
    /// `inlet-dlq-error-code`.
    public static let recordsDeadLettered = "inlet_deliverer_records_dead_lettered_total"
    /// Histogram `{subscription}` (seconds): from receiving a batch in the subscription's group until it may be
    /// committed (every request answered 2xx or dead-lettered), retries included.
    public static let batchDuration = "inlet_deliverer_batch_duration_seconds"
    /// Gauge `{subscription}`: 1 while the subscription is marked gone (it answered 410 and is sent nothing), else 0.
    public static let subscriptionGone = "inlet_deliverer_subscription_gone"

    /// Every deliverer metric with its meaning.
    public static let descriptions: [MetricDescription] = [
        MetricDescription(requests, "HTTP attempts to subscribers, retries included, by subscription and outcome (2xx, 3xx, 4xx, 5xx, transport_error)."),
        MetricDescription(requestDuration, "Seconds of one HTTP attempt, request sent to response read, by subscription.",
                          durationBuckets: [.milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                                            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                                            .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30)]),
        MetricDescription(retries, "HTTP attempts that retried an earlier failed one, by subscription."),
        MetricDescription(recordsDelivered, "Records delivered (answered 2xx), by subscription."),
        MetricDescription(recordsDeadLettered, "Records of a subscription stored on inlet.dlq.deliverer, by subscription and error code."),
        MetricDescription(batchDuration, "Seconds from receiving a batch in a subscription's consumer group until it may be committed, by subscription.",
                          durationBuckets: [.milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                                            .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30), .seconds(60),
                                            .seconds(120), .seconds(300)]),
        MetricDescription(subscriptionGone, "1 while the subscription is marked gone (it answered 410 Gone and is sent nothing), else 0."),
    ]

    /// The `outcome` label of one attempt.
    static func outcome(_ attempt: RetryPolicy.AttemptOutcome) -> String {
        switch attempt {
        case .response(let status, _): (100...599).contains(status) ? "\(status / 100)xx" : "invalid_status"
        case .transportFailure: "transport_error"
        }
    }

    static func recordRequest(subscription: String, outcome attempt: RetryPolicy.AttemptOutcome, duration: Duration) {
        let subscriptionLabel = (StageMetricName.Label.subscription, subscription)
        Counter(label: requests, dimensions: [subscriptionLabel, (StageMetricName.Label.outcome, outcome(attempt))]).increment()
        Timer(label: requestDuration, dimensions: [subscriptionLabel]).recordNanoseconds(duration.nanosecondsClamped)
    }

    static func recordDelivered(subscription: String, records: Int) {
        guard records > 0 else { return }
        Counter(label: recordsDelivered, dimensions: [(StageMetricName.Label.subscription, subscription)]).increment(by: records)
    }

    static func recordDeadLettered(subscription: String, byReason counts: [String: Int]) {
        for (reason, count) in counts where count > 0 {
            Counter(label: recordsDeadLettered, dimensions: [(StageMetricName.Label.subscription, subscription),
                                                             (StageMetricName.Label.reason, reason)]).increment(by: count)
        }
    }

    static func recordBatch(subscription: String, duration: Duration) {
        Timer(label: batchDuration, dimensions: [(StageMetricName.Label.subscription, subscription)])
            .recordNanoseconds(duration.nanosecondsClamped)
    }

    static func recordGone(subscription: String, isGone: Bool) {
        Gauge(label: subscriptionGone, dimensions: [(StageMetricName.Label.subscription, subscription)]).record(isGone ? 1 : 0)
    }

    static func recordRetry(subscription: String) {
        Counter(label: retries, dimensions: [(StageMetricName.Label.subscription, subscription)]).increment()
    }
}
