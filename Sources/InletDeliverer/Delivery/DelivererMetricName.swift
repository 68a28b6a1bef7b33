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

    /// Every deliverer metric with its meaning.
    public static let descriptions: [MetricDescription] = [
        MetricDescription(requests, "HTTP attempts to subscribers, retries included, by subscription and outcome (2xx, 3xx, 4xx, 5xx, transport_error)."),
        MetricDescription(requestDuration, "Seconds of one HTTP attempt, request sent to response read, by subscription.",
                          durationBuckets: [.milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
                                            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                                            .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30)]),
        MetricDescription(retries, "HTTP attempts that retried an earlier failed one, by subscription."),
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

    static func recordRetry(subscription: String) {
        Counter(label: retries, dimensions: [(StageMetricName.Label.subscription, subscription)]).increment()
    }
}
