/// Logging metadata keys used by InletKafka, in one place.
enum KafkaLogKey {
    static let topic = "kafka.topic"
    static let partition = "kafka.partition"
    static let partitions = "kafka.partitions"
    static let expectedOffset = "kafka.expected_offset"
    static let gotOffset = "kafka.got_offset"
    static let attempt = "kafka.attempt"
    static let error = "kafka.error"
    static let reason = "kafka.reason"
    static let records = "kafka.records"
    static let outstanding = "kafka.outstanding"
    static let rdKafkaError = "rdkafka.error"
    static let rdKafkaFacility = "rdkafka.facility"
    static let rdKafkaFatal = "rdkafka.fatal"
}

/// Metric names for the counters and gauges InletKafka exposes as properties (the module itself does not depend on
/// swift-metrics; the stage that owns the client reports them).
public enum KafkaMetricName {
    /// ``KafkaConsumer/offsetGapsDetected``.
    public static let offsetGaps = "inlet_kafka_offset_gaps_total"
    /// ``KafkaConsumer/offsetGapsAccepted``.
    public static let offsetGapsAccepted = "inlet_kafka_offset_gaps_accepted_total"
    /// ``KafkaConsumer/duplicateRecordsDropped``.
    public static let duplicateRecordsDropped = "inlet_kafka_duplicate_records_dropped_total"
    /// ``KafkaProducer/outstandingRecords``.
    public static let producerOutstandingRecords = "inlet_kafka_producer_outstanding_records"
}
