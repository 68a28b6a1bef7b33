import InletStageRuntime
import Metrics

/// The deduplicator's own metrics (beside the shared ``StageMetricName`` ones), in one place; docs/metrics.md
/// describes each.
public enum DeduplicatorMetricName {
    /// Histogram `{operation}` (seconds): one seen-store round trip per batch; `operation` is `lookup` (which
    /// delivery IDs were seen) or `remember` (store the first deliveries).
    public static let seenStoreDuration = "inlet_deduplicator_seen_store_duration_seconds"

    /// Every deduplicator metric with its meaning.
    public static let descriptions: [MetricDescription] = [
        MetricDescription(seenStoreDuration, "Seconds of one seen-store round trip per batch, by operation (lookup, remember).",
                          durationBuckets: [.microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
                                            .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
                                            .milliseconds(500), .seconds(1), .seconds(5)]),
    ]

    /// The seen-store operations timed in ``seenStoreDuration``.
    public enum StoreOperation: String, Sendable {
        case lookup, remember
    }

    static func recordStore(_ operation: StoreOperation, _ duration: Duration) {
        Timer(label: seenStoreDuration, dimensions: [(StageMetricName.Label.operation, operation.rawValue)])
            .recordNanoseconds(duration.nanosecondsClamped)
    }
}
