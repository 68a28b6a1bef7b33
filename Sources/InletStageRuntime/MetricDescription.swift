/// What a metric means, for the `# HELP` line of the Prometheus exposition and for histogram buckets that differ
/// from the backend's defaults. Each module lists its metrics next to their names (``StageMetricName/descriptions``,
/// …); the `inlet` executable hands them all to `InletMetricsSystem.bootstrap`.
public struct MetricDescription: Sendable, Equatable {
    /// The metric (family) name as exported, e.g. `inlet_stage_records_consumed_total`.
    public var name: String
    /// One line: what is counted or measured, and its labels.
    public var help: String
    /// Upper bounds of a duration histogram's buckets (a swift-metrics `Timer`); nil: the backend's defaults
    /// (5 ms … 10 s).
    public var durationBuckets: [Duration]?
    /// Upper bounds of a value histogram's buckets (a swift-metrics aggregating `Recorder`); nil: the backend's
    /// defaults (5 … 10,000).
    public var valueBuckets: [Double]?

    public init(_ name: String, _ help: String, durationBuckets: [Duration]? = nil, valueBuckets: [Double]? = nil) {
        self.name = name
        self.help = help
        self.durationBuckets = durationBuckets
        self.valueBuckets = valueBuckets
    }
}

extension StageMetricName {
    /// Every shared stage metric with its meaning.
    public static let descriptions: [MetricDescription] = [
        MetricDescription(recordsConsumed, "Records taken from an input topic, by stage and topic."),
        MetricDescription(recordsReplayed, "Consumed records carrying ce_inletreplayid (inlet replay, inlet dlq redrive), by stage and topic; also counted as consumed."),
        MetricDescription(recordsForwarded, "Records written to the stage's output (topic, table or subscriber), by stage."),
        MetricDescription(recordsSkipped, "Records deliberately not forwarded (repeats, filtered entries), by stage and reason."),
        MetricDescription(recordsDeadLettered, "Records sent to inlet.dlq.<stage>, by stage and reason (the inlet-dlq-error-code)."),
        MetricDescription(batchRecords, "Records per consumed batch, by stage.",
                          valueBuckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000]),
        MetricDescription(batchDuration, "Seconds from receiving a batch until its output was durable (retries included), by stage.",
                          durationBuckets: [.milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
                                            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
                                            .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30), .seconds(60)]),
        MetricDescription(commitDuration, "Seconds one offset commit took, request to broker answer, by stage.",
                          durationBuckets: [.microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
                                            .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
                                            .milliseconds(500), .seconds(1), .seconds(5)]),
        MetricDescription(batchesCommitted, "Batches whose offsets were committed, by stage."),
        MetricDescription(commitFailures, "Offset commits that failed (the batch is processed again), by stage."),
        MetricDescription(batchAttemptsFailed, "Attempts at a batch that failed and are retried (the database or the broker away), by stage."),
        MetricDescription(consumerLag, "Records the group has not consumed yet (high watermark minus committed offset), per partition this instance owns; reads low on Tansu while producers are busy."),
        MetricDescription(assignedPartitions, "Partitions assigned to this instance, by stage."),
        MetricDescription(offsetGaps, "Offset jumps the consumer healed by seeking back and re-reading (Tansu defect), by stage."),
        MetricDescription(offsetGapsAccepted, "Offset gaps accepted as genuine after the retry budget (records may be missing), by stage."),
        MetricDescription(duplicateRecordsDropped, "Records dropped because an overlapping re-read had delivered them already, by stage."),
        MetricDescription(producerOutstandingRecords, "Records handed to the stage's producer and not yet acknowledged, by stage."),
    ]
}
