import InletPostgres

/// The one error type of `InletIntegrations`.
///
/// The description says what failed and what to do. It never contains a webhook secret, a master key or a
/// ciphertext: only integration ids, secret ids, key ids (which are not secret) and variable names.
public struct IntegrationsError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. Extensible: new codes may be added, so `switch` with a `default`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// No master key is configured (`INLET_SECRET_KEY` / `INLET_SECRET_KEY_FILE`).
        public static let missingMasterKey = Code("missingMasterKey")
        /// A master key is configured but malformed (not base64 of 32 bytes, bad id, listed twice, unreadable file).
        public static let invalidMasterKey = Code("invalidMasterKey")
        /// A secret was sealed under a key id that is not configured.
        public static let unknownMasterKey = Code("unknownMasterKey")
        /// A sealed secret did not authenticate: a different key under the same id, an altered row, or a row moved
        /// to another integration or secret id.
        public static let secretDoesNotDecrypt = Code("secretDoesNotDecrypt")
        /// No integration with that id.
        public static let integrationNotFound = Code("integrationNotFound")
        /// An integration with that id exists already.
        public static let integrationExists = Code("integrationExists")
        /// An id, definition, settings document, filter or option is not acceptable.
        public static let invalidIntegration = Code("invalidIntegration")
        /// A webhook secret could not be read, is empty, or cannot be generated for the definition.
        public static let invalidSecret = Code("invalidSecret")
        /// An environment variable has a malformed value; the reason names it.
        public static let invalidConfiguration = Code("invalidConfiguration")
        /// A time or duration option is malformed.
        public static let invalidTime = Code("invalidTime")
        /// The tables were created by a newer Inlet than this one.
        public static let schemaTooNew = Code("schemaTooNew")
        /// PostgreSQL failed; see ``IntegrationsError/sqlState`` and ``IntegrationsError/isRetriable``.
        public static let database = Code("database")
        /// OpenSSL failed in a way that is not about the key or the data (allocation, random generator).
        public static let cryptoFailure = Code("cryptoFailure")
    }

    public var code: Code
    /// What failed and what to do about it.
    public var reason: String
    /// What was being done, e.g. `"rotate secret of github-main"`.
    public var operation: String
    /// The SQLSTATE when PostgreSQL failed.
    public var sqlState: String?
    /// Whether running the same command again later can succeed (connection loss, serialization failure, …).
    public var isRetriable: Bool

    public init(_ code: Code, _ reason: String, operation: String, sqlState: String? = nil, isRetriable: Bool = false) {
        self.code = code
        self.reason = reason
        self.operation = operation
        self.sqlState = sqlState
        self.isRetriable = isRetriable
    }

    /// Wraps a database failure. `PostgresError.description` never holds statement parameters, so sealed secrets
    /// passed as parameters cannot leak through it.
    static func database(_ error: PostgresError, operation: String) -> IntegrationsError {
        IntegrationsError(.database, error.description, operation: operation, sqlState: error.sqlState,
                          isRetriable: error.isRetriable)
    }

    public var description: String {
        var text = "IntegrationsError(\(code)) in \(operation)"
        if let sqlState { text += " [SQLSTATE \(sqlState)]" }
        return text + ": " + reason
    }
}

extension IntegrationsError {
    /// Runs `body`, turning `PostgresError` into ``IntegrationsError`` `.database`; other errors pass through.
    static func mappingDatabaseErrors<R>(
        _ operation: String, isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> R
    ) async throws -> R {
        do {
            return try await body()
        } catch let error as PostgresError {
            throw IntegrationsError.database(error, operation: operation)
        }
    }
}
