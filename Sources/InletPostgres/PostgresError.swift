import Foundation

/// The one error type of `InletPostgres`.
///
/// `description` never contains SQL parameters, row values or the password of the connection URL. Server messages of
/// SQLSTATE class 22 (data exceptions such as `invalid input syntax for type integer: "…"`) quote the offending value,
/// so for that class the description withholds ``serverMessage``; read the property when you know it is safe to log.
public struct PostgresError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. Extensible: new codes may be added, so `switch` with a `default`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        public let rawValue: String
        init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The connection could not be established (server down, bad credentials, timeout).
        public static let connectionFailed = Code("connectionFailed")
        /// An established connection broke while a statement ran; the statement may or may not have taken effect.
        public static let connectionLost = Code("connectionLost")
        /// The server rejected a statement; see ``PostgresError/sqlState``.
        public static let server = Code("server")
        /// A parameter could not be sent (for example a string containing NUL, or too many parameters).
        public static let invalidParameter = Code("invalidParameter")
        /// A batch statement description was invalid (bad identifier, unknown column, wrong row width).
        public static let invalidStatement = Code("invalidStatement")
        /// A column value could not be read as the requested type, or the column does not exist.
        public static let decoding = Code("decoding")
        /// The configuration is invalid; ``PostgresError/reason`` names the key.
        public static let invalidConfiguration = Code("invalidConfiguration")
        /// The client was closed; no further statements are accepted.
        public static let clientClosed = Code("clientClosed")
        /// A ``PostgresTransaction`` was used after its `withTransaction` closure returned.
        public static let transactionClosed = Code("transactionClosed")
    }

    /// What kind of failure this is.
    public var code: Code
    /// What failed, e.g. `"connect"`, `"query"`, `"upsert into events"`. Never contains SQL parameters.
    public var operation: String
    /// A human explanation that says what to do.
    public var reason: String
    /// The five-character SQLSTATE from the server, if the server reported one (`"23505"`, `"40001"`, …).
    public var sqlState: String?
    /// The server's primary message (`PG_DIAG_MESSAGE_PRIMARY`) or libpq's error text for connection failures.
    /// - Important: for SQLSTATE class 22 this may quote a parameter value; it is left out of ``description``.
    public var serverMessage: String?
    /// The libpq status (`ExecStatusType` or `ConnStatusType` raw value) when libpq reported the failure.
    public var libpqStatus: Int32?
    /// Whether repeating the same work later can succeed: connection loss or failure, serialization failure (40001),
    /// deadlock (40P01), server shutdown or start-up (57P01–57P03), too many connections (53300).
    public var isRetriable: Bool

    init(
        code: Code, operation: String, reason: String, sqlState: String? = nil, serverMessage: String? = nil,
        libpqStatus: Int32? = nil, isRetriable: Bool? = nil
    ) {
        self.code = code
        self.operation = operation
        self.reason = reason
        self.sqlState = sqlState
        self.serverMessage = serverMessage
        self.libpqStatus = libpqStatus
        self.isRetriable = isRetriable ?? Self.defaultRetriable(code: code, sqlState: sqlState)
    }

    static func defaultRetriable(code: Code, sqlState: String?) -> Bool {
        if code == .connectionLost || code == .connectionFailed { return true }
        guard let sqlState else { return false }
        switch sqlState {
        case "40001", "40P01", "57P01", "57P02", "57P03", "53300": return true
        default: return sqlState.hasPrefix("08")  // connection exceptions
        }
    }

    public var description: String {
        var text = "PostgresError(\(code), operation: \(operation)"
        if let sqlState { text += ", sqlState: \(sqlState)" }
        if let serverMessage {
            if sqlState?.hasPrefix("22") == true {
                text += ", message withheld (data exception messages may quote a parameter)"
            } else {
                text += ", message: \(serverMessage.trimmingCharacters(in: .whitespacesAndNewlines))"
            }
        }
        text += ", retriable: \(isRetriable)): \(reason)"
        return text
    }
}
