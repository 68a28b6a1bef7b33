/// Where a replayed or redriven record was first read from: three headers `inlet replay` and `inlet dlq redrive`
/// put beside the replay ID (`ce_inletreplayid`).
///
/// They live here, not in the operator tools, because the stages that consume `inlet.replay.<stage>` read them: the
/// deduplicator picks the unique topic and the persister the table by the original topic. See docs/envelope.md.
public enum ReplayOrigin {
    /// The topic the record was read from.
    public static let topicHeader = "inlet-replay-original-topic"
    /// Its partition, decimal.
    public static let partitionHeader = "inlet-replay-original-partition"
    /// Its offset, decimal.
    public static let offsetHeader = "inlet-replay-original-offset"
}
