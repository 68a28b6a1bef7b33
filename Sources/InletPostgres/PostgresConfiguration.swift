import CLibPQ
import Foundation

/// Settings for a ``PostgresClient``.
///
/// Build it in code, or from the environment with ``init(environment:)``, which reads:
///
/// | key | meaning | default |
/// |---|---|---|
/// | `INLET_POSTGRES_URL` | libpq connection URL (`postgresql://user@host:port/db`) | required |
/// | `INLET_POSTGRES_POOL_SIZE` | connections (one thread each) | `4` |
/// | `INLET_POSTGRES_CONNECT_TIMEOUT_MS` | connect timeout in milliseconds (libpq rounds up to whole seconds, ≥ 2 s) | `10000` |
/// | `INLET_POSTGRES_STATEMENT_TIMEOUT_MS` | server-side `statement_timeout`; `0` = none | `30000` |
/// | `INLET_POSTGRES_APPLICATION_NAME` | `application_name` shown in `pg_stat_activity` | `inlet` |
public struct PostgresConfiguration: Sendable {
    /// The libpq connection URL or `key=value` string. May contain a password; it is never logged or put in errors.
    public var url: String
    /// Number of connections in the pool, each confined to its own serial queue.
    /// Default: 4
    public var poolSize: Int
    /// How long a connection attempt may take. libpq rounds up to whole seconds and uses at least 2 s.
    /// Default: 10 seconds
    public var connectTimeout: Duration
    /// Server-side `statement_timeout` set on every connection; `nil` leaves the server's setting alone.
    /// Default: 30 seconds
    public var statementTimeout: Duration?
    /// `application_name` reported to the server.
    /// Default: "inlet"
    public var applicationName: String

    public init(
        url: String,
        poolSize: Int = 4,
        connectTimeout: Duration = .seconds(10),
        statementTimeout: Duration? = .seconds(30),
        applicationName: String = "inlet"
    ) {
        self.url = url
        self.poolSize = poolSize
        self.connectTimeout = connectTimeout
        self.statementTimeout = statementTimeout
        self.applicationName = applicationName
    }

    /// Every environment key ``init(environment:)`` reads.
    public enum EnvironmentKey {
        public static let url = "INLET_POSTGRES_URL"
        public static let poolSize = "INLET_POSTGRES_POOL_SIZE"
        public static let connectTimeoutMilliseconds = "INLET_POSTGRES_CONNECT_TIMEOUT_MS"
        public static let statementTimeoutMilliseconds = "INLET_POSTGRES_STATEMENT_TIMEOUT_MS"
        public static let applicationName = "INLET_POSTGRES_APPLICATION_NAME"
    }

    /// Reads the configuration from environment variables (see the table above).
    /// - Throws: ``PostgresError`` with code `.invalidConfiguration` whose reason names the bad key
    ///   (the value itself is not repeated, since the URL may hold a password).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws(PostgresError) {
        typealias Key = EnvironmentKey
        guard let url = environment[Key.url], !url.isEmpty else {
            throw Self.invalid(Key.url, "is not set; set it to a URL like postgresql://inlet@127.0.0.1:55432/inlet")
        }
        self.init(url: url)
        try Self.validate(url: url, key: Key.url)
        if let text = environment[Key.poolSize] {
            guard let value = Int(text), (1...256).contains(value) else {
                throw Self.invalid(Key.poolSize, "must be an integer from 1 to 256")
            }
            poolSize = value
        }
        if let text = environment[Key.connectTimeoutMilliseconds] {
            guard let value = Int64(text), value > 0 else {
                throw Self.invalid(Key.connectTimeoutMilliseconds, "must be a positive number of milliseconds")
            }
            connectTimeout = .milliseconds(value)
        }
        if let text = environment[Key.statementTimeoutMilliseconds] {
            guard let value = Int64(text), value >= 0 else {
                throw Self.invalid(Key.statementTimeoutMilliseconds, "must be milliseconds (0 disables the timeout)")
            }
            statementTimeout = value == 0 ? nil : .milliseconds(value)
        }
        if let text = environment[Key.applicationName] {
            guard !text.isEmpty, text.utf8.count < 64, !text.utf8.contains(0) else {
                throw Self.invalid(Key.applicationName, "must be 1 to 63 bytes")
            }
            applicationName = text
        }
    }

    /// Checks that libpq can parse `url`, without connecting.
    static func validate(url: String, key: String) throws(PostgresError) {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(url, &errorMessage) else {
            let detail = errorMessage.map { String(cString: $0) } ?? "unparseable"
            if let errorMessage { PQfreemem(errorMessage) }
            // libpq's message names the offending option, not the password; keep only its first line.
            let firstLine = detail.split(separator: "\n").first.map(String.init) ?? detail
            throw invalid(key, "is not a valid libpq connection URL (\(firstLine))")
        }
        PQconninfoFree(options)
    }

    private static func invalid(_ key: String, _ problem: String) -> PostgresError {
        PostgresError(code: .invalidConfiguration, operation: "configuration", reason: "\(key) \(problem)")
    }

    /// Seconds for libpq's `connect_timeout`, which takes whole seconds and treats values below 2 as 2.
    var connectTimeoutSeconds: Int {
        let (seconds, attoseconds) = connectTimeout.components
        return max(2, Int(seconds) + (attoseconds > 0 ? 1 : 0))
    }

    var statementTimeoutMilliseconds: Int64? {
        statementTimeout.map { duration in
            let (seconds, attoseconds) = duration.components
            return max(1, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
        }
    }
}
