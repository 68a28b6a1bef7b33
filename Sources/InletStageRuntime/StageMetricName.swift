import InletKafka

/// Names and label keys of the metrics every consuming stage publishes through the shared runtime, in one place.
/// docs/metrics.md describes each.
///
/// Label values are always bounded: a stage name, a topic or partition the stage consumes, or a stable reason code.
/// Never a delivery ID, a key, a URL or anything from a payload.
public enum StageMetricName {
    /// Counter `{stage, topic}`: records taken from an input topic.
    public static let recordsConsumed = "inlet_stage_records_consumed_total"
    /// Counter `{stage, topic}`: consumed records that carry `ce_inletreplayid` (re-produced by `inlet replay` or
    /// `inlet dlq redrive`); they are also counted in ``recordsConsumed``.
    public static let recordsReplayed = "inlet_stage_records_replayed_total"
    /// Counter `{stage}`: records written to the stage's output (topic, table or subscriber).
    public static let recordsForwarded = "inlet_stage_records_forwarded_total"
    /// Counter `{stage, reason}`: records deliberately not forwarded (repeats, filtered entries).
    public static let recordsSkipped = "inlet_stage_records_skipped_total"
    /// Counter `{stage, reason}`: records sent to `inlet.dlq.<stage>`; `reason` is the `inlet-dlq-error-code`.
    public static let recordsDeadLettered = "inlet_stage_records_dead_lettered_total"
    /// Histogram `{stage}`: records per consumed batch.
    public static let batchRecords = "inlet_stage_batch_records"
    /// Histogram `{stage}` (seconds): from receiving a batch until its output is durable, retries included.
    public static let batchDuration = "inlet_stage_batch_duration_seconds"
    /// Histogram `{stage}` (seconds): one offset commit, from request to the broker's answer.
    public static let commitDuration = "inlet_stage_commit_duration_seconds"
    /// Counter `{stage}`: batches whose offsets were committed.
    public static let batchesCommitted = "inlet_stage_batches_committed_total"
    /// Counter `{stage}`: commits that failed (the batch is processed again by the partition's next owner).
    public static let commitFailures = "inlet_stage_commit_failures_total"
    /// Counter `{stage}`: attempts at a batch that failed and are retried (``BatchRetry``); rising while
    /// ``batchesCommitted`` stands still is a stage stuck on one batch.
    public static let batchAttemptsFailed = "inlet_stage_batch_attempts_failed_total"

    /// Gauge `{stage, topic, partition}`: the group's committed offset behind the high watermark, per partition this
    /// instance owns (``KafkaLagProbe``). Under-reports on Tansu while producers are busy.
    public static let consumerLag = "inlet_kafka_consumer_lag_records"
    /// Gauge `{stage}`: partitions assigned to this instance.
    public static let assignedPartitions = "inlet_kafka_consumer_assigned_partitions"
    /// Counter `{stage}`: ``KafkaConsumer/offsetGapsDetected`` (offset jumps healed by seeking back).
    public static let offsetGaps = KafkaMetricName.offsetGaps
    /// Counter `{stage}`: ``KafkaConsumer/offsetGapsAccepted``.
    public static let offsetGapsAccepted = KafkaMetricName.offsetGapsAccepted
    /// Counter `{stage}`: ``KafkaConsumer/duplicateRecordsDropped``.
    public static let duplicateRecordsDropped = KafkaMetricName.duplicateRecordsDropped
    /// Gauge `{stage}`: ``KafkaProducer/outstandingRecords``, records handed to the producer and not yet acknowledged.
    public static let producerOutstandingRecords = KafkaMetricName.producerOutstandingRecords

    /// Label keys, in the order they are attached (the same order everywhere, so one label set is one series).
    public enum Label {
        public static let stage = "stage"
        public static let topic = "topic"
        public static let partition = "partition"
        public static let reason = "reason"
        public static let model = "model"
        public static let definition = "definition"
        public static let subscription = "subscription"
        public static let outcome = "outcome"
        public static let status = "status"
        public static let operation = "operation"
    }
}
