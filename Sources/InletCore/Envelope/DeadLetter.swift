/// Why a record went to a dead-letter topic. Carried as record headers beside the original record's own headers
/// (the original value and CloudEvents headers are kept unchanged, so a redrive can send it back as it was).
public struct DeadLetter: Sendable, Equatable {
    public var stage: Stage
    /// A stable, machine-readable error code (`cel_evaluation`, `invalid_record`, `delivery_exhausted`, …).
    public var errorCode: String
    /// A human explanation; never contains secrets. May quote the failing mapping and position.
    public var errorMessage: String
    public var attempts: Int
    public var originalTopic: String
    public var originalPartition: Int32
    public var originalOffset: Int64

    public init(stage: Stage, errorCode: String, errorMessage: String, attempts: Int = 1,
                originalTopic: String, originalPartition: Int32, originalOffset: Int64) {
        self.stage = stage
        self.errorCode = errorCode
        self.errorMessage = errorMessage
        self.attempts = attempts
        self.originalTopic = originalTopic
        self.originalPartition = originalPartition
        self.originalOffset = originalOffset
    }

    public enum Header {
        public static let stage = "inlet-dlq-stage"
        public static let errorCode = "inlet-dlq-error-code"
        public static let errorMessage = "inlet-dlq-error-message"
        public static let attempts = "inlet-dlq-attempts"
        public static let originalTopic = "inlet-dlq-original-topic"
        public static let originalPartition = "inlet-dlq-original-partition"
        public static let originalOffset = "inlet-dlq-original-offset"
        /// The subscription a deliverer dead letter failed for. The deliverer delivers a record read from
        /// `inlet.replay.deliverer` that carries it to that subscription only, so `inlet dlq redrive` goes back to the
        /// subscription that failed and `inlet replay run --subscription ID` reaches one subscription. Not part of
        /// ``headers``: only the deliverer knows a subscription.
        public static let subscription = "inlet-dlq-subscription"
    }

    public var headers: [(key: String, value: String)] {
        [
            (Header.stage, stage.rawValue), (Header.errorCode, errorCode),
            (Header.errorMessage, String(errorMessage.prefix(4096))), (Header.attempts, String(attempts)),
            (Header.originalTopic, originalTopic), (Header.originalPartition, String(originalPartition)),
            (Header.originalOffset, String(originalOffset)),
        ]
    }

    /// Reads the dead-letter headers of a record; `nil` when the record is not a dead letter.
    public init?(headers: some Sequence<(key: String, value: String)>) {
        var found: [String: String] = [:]
        for (key, value) in headers where key.hasPrefix("inlet-dlq-") { found[key] = value }
        guard let stage = found[Header.stage].flatMap(Stage.init(rawValue:)),
              let code = found[Header.errorCode], let topic = found[Header.originalTopic],
              let partition = found[Header.originalPartition].flatMap({ Int32($0) }),
              let offset = found[Header.originalOffset].flatMap({ Int64($0) })
        else { return nil }
        self.init(stage: stage, errorCode: code, errorMessage: found[Header.errorMessage] ?? "",
                  attempts: found[Header.attempts].flatMap { Int($0) } ?? 1,
                  originalTopic: topic, originalPartition: partition, originalOffset: offset)
    }
}
