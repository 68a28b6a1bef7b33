/// The one error type of `InletOperations`: what an operator command could not do, and what to do about it.
///
/// The description never contains payloads, header values or secrets; it may name topics, partitions, offsets,
/// consumer groups and replay IDs.
public struct OperationsError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. Extensible: switch with a `default` branch.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A command-line value could not be understood (time, offset, stage, ID).
        public static let invalidArgument = Code("invalid_argument")
        /// The consumer group has live members; altering its offsets now would be overwritten by them.
        public static let groupActive = Code("group_active")
        /// A CEL filter did not compile, or did not evaluate to a bool.
        public static let invalidFilter = Code("invalid_filter")
        /// A replay or dead letter named by ID does not exist.
        public static let notFound = Code("not_found")
        /// The thing asked for cannot be done in its current state (a finished replay resumed, a receiver redrive).
        public static let invalidState = Code("invalid_state")
        /// The broker or the database failed underneath; `underlying` says how.
        public static let backend = Code("backend")
    }

    public var code: Code
    /// A human explanation that says what to do.
    public var reason: String
    /// The error that caused this one (a ``KafkaError``, ``PostgresError`` or ``CELError``), when there is one.
    public var underlying: (any Error & Sendable)?

    public init(_ code: Code, _ reason: String, underlying: (any Error & Sendable)? = nil) {
        self.code = code
        self.reason = reason
        self.underlying = underlying
    }

    public var description: String {
        var text = "\(reason)"
        if let underlying { text += " (\(underlying))" }
        return text
    }
}
