import CRdKafka

/// The one error type of `InletKafka`.
///
/// The description names what failed, where, and what to do; it never contains payloads, keys or header values.
public struct KafkaError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. Extensible: switch with a `default` branch.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case unsupportedLibrary
            case configuration
            case clientCreation
            case produce
            case delivery
            case queueFull
            case commit
            case subscription
            case admin
            case metadata
            case shutDown
            case fatal
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The librdkafka loaded at run time is too old (Debian's 2.0.2 hangs against Tansu).
        public static let unsupportedLibrary = Code(.unsupportedLibrary)
        /// librdkafka rejected a configuration property.
        public static let configuration = Code(.configuration)
        /// `rd_kafka_new` failed.
        public static let clientCreation = Code(.clientCreation)
        /// librdkafka refused to enqueue a message (unknown topic, message too large, …).
        public static let produce = Code(.produce)
        /// The broker or librdkafka reported that a message was not delivered.
        public static let delivery = Code(.delivery)
        /// The local producer queue stayed full for longer than the configured back-off allowance.
        public static let queueFull = Code(.queueFull)
        /// An offset commit failed.
        public static let commit = Code(.commit)
        /// Subscribing, assigning, seeking or pausing failed.
        public static let subscription = Code(.subscription)
        /// An admin request (create topics) failed.
        public static let admin = Code(.admin)
        /// A metadata or offsets query failed.
        public static let metadata = Code(.metadata)
        /// The client is shutting down or has shut down and accepts no more work.
        public static let shutDown = Code(.shutDown)
        /// librdkafka raised a fatal error; the client must be recreated.
        public static let fatal = Code(.fatal)

        public var description: String { base.rawValue }
    }

    /// What kind of failure this is.
    public var code: Code
    /// A human explanation that says what to do.
    public var reason: String
    /// The librdkafka error code, when librdkafka produced one.
    public var rdKafkaCode: rd_kafka_resp_err_t?
    /// Whether retrying the same operation later can succeed.
    public var isRetriable: Bool
    /// Where the error was raised.
    public var file: String
    public var line: Int

    public init(
        code: Code,
        reason: String,
        rdKafkaCode: rd_kafka_resp_err_t? = nil,
        isRetriable: Bool? = nil,
        file: String = #fileID,
        line: Int = #line
    ) {
        self.code = code
        self.reason = reason
        self.rdKafkaCode = rdKafkaCode
        self.isRetriable = isRetriable ?? rdKafkaCode.map(Self.isRetriable(_:)) ?? false
        self.file = file
        self.line = line
    }

    /// The librdkafka name of `rdKafkaCode` (for example `_QUEUE_FULL`), if any.
    public var rdKafkaCodeName: String? {
        rdKafkaCode.map { String(cString: rd_kafka_err2name($0)) }
    }

    public var description: String {
        var text = "KafkaError.\(code): \(reason)"
        if let rdKafkaCode {
            text += " [\(String(cString: rd_kafka_err2name(rdKafkaCode))) (\(rdKafkaCode.rawValue))]"
        }
        text += isRetriable ? " (retriable)" : ""
        text += " at \(file):\(line)"
        return text
    }

    /// Builds an error from a librdkafka code, with librdkafka's own explanation appended to `context`.
    static func rdKafka(
        _ code: Code,
        _ err: rd_kafka_resp_err_t,
        _ context: String,
        file: String = #fileID,
        line: Int = #line
    ) -> KafkaError {
        let text = String(cString: rd_kafka_err2str(err))
        return KafkaError(code: code, reason: "\(context): \(text)", rdKafkaCode: err, file: file, line: line)
    }

    /// Transient conditions: broker unreachable, leader moving, timeouts, local queue full.
    static func isRetriable(_ err: rd_kafka_resp_err_t) -> Bool {
        switch err {
        case RD_KAFKA_RESP_ERR__QUEUE_FULL, RD_KAFKA_RESP_ERR__TIMED_OUT, RD_KAFKA_RESP_ERR__MSG_TIMED_OUT,
            RD_KAFKA_RESP_ERR__TRANSPORT, RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN, RD_KAFKA_RESP_ERR__TIMED_OUT_QUEUE,
            RD_KAFKA_RESP_ERR__WAIT_COORD, RD_KAFKA_RESP_ERR__PURGE_QUEUE, RD_KAFKA_RESP_ERR__PURGE_INFLIGHT,
            RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION, RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC,
            RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT, RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
            RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
            RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND, RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION,
            RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS, RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE,
            RD_KAFKA_RESP_ERR_NOT_COORDINATOR, RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
            RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS, RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR,
            RD_KAFKA_RESP_ERR_OFFSET_NOT_AVAILABLE, RD_KAFKA_RESP_ERR_FETCH_SESSION_ID_NOT_FOUND,
            RD_KAFKA_RESP_ERR_THROTTLING_QUOTA_EXCEEDED:
            return true
        default:
            return false
        }
    }
}
