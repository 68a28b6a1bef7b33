/// The one error type of `InletPersister`'s own checks (PostgreSQL and Kafka failures keep their modules' types).
///
/// `description` names the table and says what to do; it never contains row values.
public struct PersisterError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. Extensible: new codes may be added, so `switch` with a `default`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A model's table cannot be brought up to date without losing or inventing data (a type change, a new
        /// key, a required field that stored rows lack). The persister refuses to start; ``PersisterError/reason``
        /// lists every problem.
        public static let incompatibleTable = Code("incompatibleTable")
        /// A migration statement failed (a lock not granted in time, a concurrent writer breaking a new constraint).
        public static let migrationFailed = Code("migrationFailed")
    }

    public var code: Code
    /// The table concerned.
    public var table: String
    /// What failed and what to do.
    public var reason: String
    /// The PostgreSQL error behind a ``Code/migrationFailed``.
    public var underlying: (any Error)?
    /// Whether starting again later can succeed without anyone changing the table or the declaration.
    public var isRetriable: Bool

    public init(_ code: Code, table: String, reason: String, underlying: (any Error)? = nil, isRetriable: Bool = false) {
        self.code = code
        self.table = table
        self.reason = reason
        self.underlying = underlying
        self.isRetriable = isRetriable
    }

    public var description: String {
        var text = "PersisterError(\(code), table: \(table), retriable: \(isRetriable)): \(reason)"
        if let underlying { text += " [\(underlying)]" }
        return text
    }
}
