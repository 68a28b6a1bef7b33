/// The one error type of `InletDeliverer`.
///
/// The description says what failed and what to do; it never contains record payloads, request bodies or secrets.
public struct DelivererError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What kind of failure this is. Extensible: switch with a `default` branch.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// A configuration value is out of range or malformed (the reason names the key).
        public static let invalidConfiguration = Code("invalidConfiguration")
        /// A subscription's secret is not a usable Standard Webhooks secret (`whsec_` + base64).
        public static let invalidSecret = Code("invalidSecret")
        /// A chunk of a split record is malformed or inconsistent with the other chunks of its batch ID.
        public static let invalidChunk = Code("invalidChunk")
        /// Signing failed in OpenSSL.
        public static let signing = Code("signing")
        /// Dead letters could not be written to the dead-letter topic; the batch was not committed.
        public static let deadLetterProduce = Code("deadLetterProduce")
        /// The HTTP request could not be made or got no response (connection refused, timeout, TLS, …).
        public static let transport = Code("transport")
        /// The Kafka consumer failed (fetch or commit).
        public static let consumer = Code("consumer")
    }

    public var code: Code
    /// A human explanation that says what to do.
    public var reason: String
    /// An underlying library code when there is one (`CURLcode`, `rd_kafka_resp_err_t` raw value).
    public var underlyingCode: Int?
    /// Whether retrying the same operation later can succeed.
    public var isRetriable: Bool

    public init(_ code: Code, _ reason: String, underlyingCode: Int? = nil, isRetriable: Bool = false) {
        self.code = code
        self.reason = reason
        self.underlyingCode = underlyingCode
        self.isRetriable = isRetriable
    }

    public var description: String {
        var text = "DelivererError.\(code): \(reason)"
        if let underlyingCode { text += " [code \(underlyingCode)]" }
        if isRetriable { text += " (retriable)" }
        return text
    }
}
