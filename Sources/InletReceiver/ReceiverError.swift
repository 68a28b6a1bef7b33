/// The one error type of `InletReceiver` (start-up and configuration; HTTP rejections are ``WebhookRejection``s).
///
/// The description says what failed and what to do; it never contains secrets, signatures or payloads.
public struct ReceiverError: Error, Sendable, CustomStringConvertible, Equatable {
    /// What kind of failure this is. Extensible: switch with a `default` branch.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }

        /// A configuration value (environment variable or file) is malformed.
        public static let invalidConfiguration = Code("invalidConfiguration")
        /// An integration's secret cannot be used by its definition's signature scheme.
        public static let invalidSecret = Code("invalidSecret")
        /// An integration names a definition the registry does not know.
        public static let unknownDefinition = Code("unknownDefinition")
        /// `run()` was called twice.
        public static let alreadyRunning = Code("alreadyRunning")
        /// OpenSSL could not set up or compute an HMAC.
        public static let cryptoFailure = Code("cryptoFailure")

        public var description: String { name }
    }

    public var code: Code
    /// A human explanation that says what to do.
    public var reason: String
    /// Whether trying again later can succeed.
    public var isRetriable: Bool
    /// Where the error was raised.
    public var file: String
    public var line: Int

    public init(_ code: Code, _ reason: String, isRetriable: Bool = false, file: String = #fileID, line: Int = #line) {
        self.code = code
        self.reason = reason
        self.isRetriable = isRetriable
        self.file = file
        self.line = line
    }

    public var description: String { "ReceiverError.\(code): \(reason)\(isRetriable ? " (retriable)" : "") at \(file):\(line)" }

    public static func == (lhs: ReceiverError, rhs: ReceiverError) -> Bool {
        lhs.code == rhs.code && lhs.reason == rhs.reason && lhs.isRetriable == rhs.isRetriable
    }
}
