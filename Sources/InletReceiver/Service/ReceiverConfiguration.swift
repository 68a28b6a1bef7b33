import InletCore

/// Settings of the receiver's HTTP edge.
///
/// ``init(environment:)`` lists every environment variable it reads; ``variables`` documents them.
public struct ReceiverConfiguration: Sendable, Equatable {
    /// Address to listen on. Default: `127.0.0.1` (put a reverse proxy or load balancer in front).
    public var host = "127.0.0.1"
    /// Port to listen on; 0 picks a free port (see ``ReceiverService/listeningPort``). Default: 8080.
    public var port = 8080
    /// Largest request body accepted; larger ones get 413 before the rest is read. Default: 10 MiB.
    public var maximumBodySize = 10 * 1024 * 1024
    /// How long a request waits for the broker's acknowledgement before it is answered 503. The record may still be
    /// stored later; the sender retries and the deduplicator drops the copy. Default: 5 s.
    public var acknowledgementTimeout: Duration = .seconds(5)
    /// `Retry-After` seconds sent with every 503. Default: 5.
    public var retryAfterSeconds = 5
    /// Accepted clock difference for schemes that sign a timestamp (Standard Webhooks), either way. Default: 300 s.
    public var timestampToleranceSeconds = 300
    /// How long `/readyz` reports not-ready after a record failed or timed out (unless one succeeded since).
    /// Default: 10 s.
    public var unreadyAfterFailure: Duration = .seconds(10)
    /// Integrations and their secrets, read by ``ReceiverService/init(configuration:producer:registry:logger:runsProducer:)``.
    /// Default: `deploy/local/integrations.yaml`.
    public var integrationsPath = "deploy/local/integrations.yaml"

    public init() {}

    /// The variables ``init(environment:)`` reads, with their defaults and meaning.
    public static let variables: [(name: String, defaultValue: String, meaning: String)] = [
        ("INLET_RECEIVER_HOST", "127.0.0.1", "address the receiver listens on"),
        ("INLET_RECEIVER_PORT", "8080", "port the receiver listens on (0: any free port)"),
        ("INLET_RECEIVER_MAX_BODY_BYTES", "10485760", "largest webhook body accepted (413 above)"),
        ("INLET_RECEIVER_ACK_TIMEOUT_MS", "5000", "how long a request waits for the broker's acknowledgement (503 after)"),
        ("INLET_RECEIVER_RETRY_AFTER_SECONDS", "5", "Retry-After sent with 503 answers"),
        ("INLET_RECEIVER_TIMESTAMP_TOLERANCE_SECONDS", "300", "accepted clock difference of signed timestamps"),
        ("INLET_INTEGRATIONS_FILE", "deploy/local/integrations.yaml", "integrations and their webhook secrets"),
    ]

    /// Reads every variable in ``variables``; absent ones keep their defaults.
    /// - Throws: ``ReceiverError`` `.invalidConfiguration` naming the first malformed variable.
    public init(environment: EnvironmentReader) throws(ReceiverError) {
        self.init()
        do {
            if let value = environment.string("INLET_RECEIVER_HOST") { host = value }
            if let value = try environment.int("INLET_RECEIVER_PORT", range: 0...65535) { port = value }
            if let value = try environment.int("INLET_RECEIVER_MAX_BODY_BYTES", range: 1...(1 << 30)) { maximumBodySize = value }
            if let value = try environment.int("INLET_RECEIVER_ACK_TIMEOUT_MS", range: 1...600_000) {
                acknowledgementTimeout = .milliseconds(value)
            }
            if let value = try environment.int("INLET_RECEIVER_RETRY_AFTER_SECONDS", range: 0...86_400) { retryAfterSeconds = value }
            if let value = try environment.int("INLET_RECEIVER_TIMESTAMP_TOLERANCE_SECONDS", range: 1...86_400) {
                timestampToleranceSeconds = value
            }
            if let value = environment.string("INLET_INTEGRATIONS_FILE") { integrationsPath = value }
        } catch {
            throw ReceiverError(.invalidConfiguration, error.reason)
        }
    }
}
