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
    /// Accepted clock difference for every scheme that signs a timestamp, either way, unless an integration sets
    /// `options.tolerance_seconds`. Default: nil, each provider's own default (300 s; Linear 60 s, Paddle 5 s).
    public var timestampToleranceSeconds: Int?
    /// The scheme, host and port providers call, without a trailing slash (`https://hooks.example.com`). URL-signing
    /// schemes (Twilio, HubSpot v3, Square without `notification_url`) and URL handshakes verify against
    /// `publicBaseURL + <path and query as received>`, so behind a proxy or load balancer set it to the public address.
    /// Default: nil, meaning `http://<host>:<port>` (``effectivePublicBaseURL``).
    public var publicBaseURL: String?
    /// How long `/readyz` reports not-ready after a record failed or timed out (unless one succeeded since).
    /// Default: 10 s.
    public var unreadyAfterFailure: Duration = .seconds(10)
    /// Integrations and their secrets, read by ``ReceiverService/init(configuration:producer:registry:logger:runsProducer:)``.
    /// Default: `deploy/local/integrations.yaml`.
    public var integrationsPath = "deploy/local/integrations.yaml"
    /// Requests each integration may send, checked after routing and before the body is read; over it, 429 with
    /// `Retry-After`. nil: no limit. Default: 10,000 per second with bursts of 20,000.
    public var rateLimit: RateLimit? = RateLimit(perSecond: 10_000, burst: 20_000)
    /// Most header fields a webhook request may carry; more get 431. Default: 100.
    public var maximumHeaderCount = 100
    /// Most bytes of header names and values (each field counted as `name: value\r\n`) a webhook request may carry;
    /// more get 431. Default: 32 KiB.
    public var maximumHeaderBytes = 32 * 1024
    /// How long a webhook request may take to send its body once its head arrived; slower ones get 408 and the
    /// connection is closed. Default: 10 s.
    public var bodyTimeout: Duration = .seconds(10)
    /// How long a connection may stay without reading or writing before the server closes it (idle keep-alive
    /// connections, and senders that stall). Default: 60 s.
    public var idleTimeout: Duration = .seconds(60)
    /// Threads serving HTTP (SwiftNIO event loops) and the acknowledgement timers. nil: one per core, the process's
    /// shared group. Default: nil. The local stack sets 1 (deploy/local/env.sh): with the broker, PostgreSQL and all
    /// five stages on two cores, one loop gave 13 % more events/s end to end than two (four alternating pairs of
    /// runs), and the same rate for the receiver alone; a dedicated receiver host keeps the default.
    public var eventLoopThreads: Int?
    /// librdkafka `linger.ms` of the receiver's producer (`INLET_RECEIVER_LINGER_MS`), instead of the shared
    /// `INLET_KAFKA_LINGER_MS`: every request waits for its record's acknowledgement, so the linger is on each
    /// request's path. Default: 1 ms. With 64 connections the receiver alone was faster at 1 ms than at 2 ms in 6 of
    /// 7 alternated pairs (GitHub mean +10 %, Stripe +17 %) at the same CPU per request, and the pipeline the same
    /// within noise; 0 ms cost nearly twice the CPU per request (no batching) and 30 % of the rate (docs/kafka.md).
    public var producerLingerMilliseconds: Double = 1
    /// Nice value (0…19) of the receiver producer's librdkafka broker threads (`INLET_RECEIVER_PRODUCER_THREAD_NICE`),
    /// instead of the shared `INLET_KAFKA_PRODUCER_THREAD_NICE` (19). Every request waits for its record's
    /// acknowledgement, so the broker thread is on each request's path: at 19 it gets little CPU beside four busy
    /// consuming stages. With every stage running, p99 was 27.1–31.2 ms at 10 against 34.9–43.4 ms at 19 at the same
    /// rate in five alternated pairs of one harness, but unchanged in two `make bench` pairs (docs/kafka.md).
    /// Default: 10.
    public var producerBrokerThreadNiceness: Int32 = 10
    /// librdkafka properties of the receiver's producer that `INLET_KAFKA_PRODUCER_PROPERTIES` does not set. Default:
    /// `socket.nagle.disable=true`: every request waits for its acknowledgement, and Nagle's algorithm held a small
    /// produce request back until the previous one was acknowledged by TCP (receiver alone +7–11 %, docs/kafka.md).
    public var producerPropertyDefaults: [String: String] = ["socket.nagle.disable": "true"]

    /// The receiver producer's extra librdkafka properties: `shared` (`INLET_KAFKA_PRODUCER_PROPERTIES`, which wins)
    /// over ``producerPropertyDefaults``.
    public func producerProperties(shared: [String: String]) -> [String: String] {
        producerPropertyDefaults.merging(shared) { _, fromShared in fromShared }
    }

    public init() {}

    /// ``publicBaseURL``, or `http://<host>:<port>` when it is not set.
    public var effectivePublicBaseURL: String {
        if let publicBaseURL { return publicBaseURL }
        let bracketed = host.contains(":") ? "[\(host)]" : host
        return "http://\(bracketed):\(port)"
    }

    /// Checks a public base URL: absolute http(s), no query, fragment or trailing slash.
    /// - Returns: nil when usable, otherwise what is wrong.
    static func problem(withPublicBaseURL url: String) -> String? {
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else { return "must start with http:// or https://" }
        let afterScheme = url.drop { $0 != "/" }.dropFirst(2)
        guard !afterScheme.isEmpty, !afterScheme.hasPrefix("/") else { return "must name a host, e.g. https://hooks.example.com" }
        guard !url.contains("?"), !url.contains("#"), !url.contains(" ") else { return "must not contain a query, a fragment or spaces" }
        guard !url.hasSuffix("/") else { return "must not end with '/': request paths are appended to it" }
        return nil
    }

    /// The variables ``init(environment:)`` reads, with their defaults and meaning.
    public static let variables: [(name: String, defaultValue: String, meaning: String)] = [
        ("INLET_RECEIVER_HOST", "127.0.0.1", "address the receiver listens on"),
        ("INLET_RECEIVER_PORT", "8080", "port the receiver listens on (0: any free port)"),
        ("INLET_RECEIVER_MAX_BODY_BYTES", "10485760", "largest webhook body accepted (413 above)"),
        ("INLET_RECEIVER_ACK_TIMEOUT_MS", "5000", "how long a request waits for the broker's acknowledgement (503 after)"),
        ("INLET_RECEIVER_RETRY_AFTER_SECONDS", "5", "Retry-After sent with 503 answers"),
        ("INLET_RECEIVER_TIMESTAMP_TOLERANCE_SECONDS", "", "accepted clock difference of signed timestamps unless an integration sets options.tolerance_seconds (unset: each provider's default)"),
        ("INLET_RECEIVER_PUBLIC_URL", "http://$INLET_RECEIVER_HOST:$INLET_RECEIVER_PORT", "scheme, host and port providers call; URL-signing schemes (Twilio, HubSpot, Square) verify against it"),
        ("INLET_INTEGRATIONS_FILE", "deploy/local/integrations.yaml", "integrations and their webhook secrets"),
        ("INLET_RECEIVER_RATE_LIMIT_PER_SECOND", "10000", "requests per second each integration may send (429 above; 0: no limit)"),
        ("INLET_RECEIVER_RATE_LIMIT_BURST", "20000", "requests an integration may send at once on top of the rate"),
        ("INLET_RECEIVER_MAX_HEADER_COUNT", "100", "most header fields a webhook request may carry (431 above)"),
        ("INLET_RECEIVER_MAX_HEADER_BYTES", "32768", "most header bytes a webhook request may carry (431 above)"),
        ("INLET_RECEIVER_BODY_TIMEOUT_MS", "10000", "how long a request may take to send its body (408 and the connection closed after)"),
        ("INLET_RECEIVER_IDLE_TIMEOUT_MS", "60000", "how long a connection may stay idle before it is closed"),
        ("INLET_RECEIVER_EVENT_LOOPS", "", "threads serving HTTP (unset: one per core)"),
        ("INLET_RECEIVER_LINGER_MS", "1", "librdkafka linger.ms of the receiver's producer"),
        ("INLET_RECEIVER_PRODUCER_THREAD_NICE", "10", "nice value (0-19) of the receiver producer's librdkafka broker threads"),
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
            if let value = try environment.int("INLET_RECEIVER_TIMESTAMP_TOLERANCE_SECONDS", range: 1...604_800) {
                timestampToleranceSeconds = value
            }
            if let value = environment.string("INLET_INTEGRATIONS_FILE") { integrationsPath = value }
            let perSecond = try environment.int("INLET_RECEIVER_RATE_LIMIT_PER_SECOND", range: 0...10_000_000)
            let burst = try environment.int("INLET_RECEIVER_RATE_LIMIT_BURST", range: 1...10_000_000)
            if perSecond == 0 {
                rateLimit = nil
            } else if perSecond != nil || burst != nil {
                let current = rateLimit ?? RateLimit(perSecond: 10_000, burst: 20_000)
                rateLimit = RateLimit(perSecond: perSecond ?? current.perSecond, burst: burst ?? current.burst)
            }
            if let value = try environment.int("INLET_RECEIVER_MAX_HEADER_COUNT", range: 1...10_000) { maximumHeaderCount = value }
            if let value = try environment.int("INLET_RECEIVER_MAX_HEADER_BYTES", range: 1024...(1 << 20)) { maximumHeaderBytes = value }
            if let value = try environment.int("INLET_RECEIVER_BODY_TIMEOUT_MS", range: 1...3_600_000) { bodyTimeout = .milliseconds(value) }
            if let value = try environment.int("INLET_RECEIVER_IDLE_TIMEOUT_MS", range: 1...3_600_000) { idleTimeout = .milliseconds(value) }
            if let value = try environment.int("INLET_RECEIVER_EVENT_LOOPS", range: 1...256) { eventLoopThreads = value }
            if let value = try environment.int("INLET_RECEIVER_LINGER_MS", range: 0...1000) { producerLingerMilliseconds = Double(value) }
            if let value = try environment.int("INLET_RECEIVER_PRODUCER_THREAD_NICE", range: 0...19) {
                producerBrokerThreadNiceness = Int32(value)
            }
        } catch {
            throw ReceiverError(.invalidConfiguration, error.reason)
        }
        if let value = environment.string("INLET_RECEIVER_PUBLIC_URL") {
            if let problem = Self.problem(withPublicBaseURL: value) {
                throw ReceiverError(.invalidConfiguration, "environment variable INLET_RECEIVER_PUBLIC_URL='\(value.prefix(80))' \(problem)")
            }
            publicBaseURL = value
        }
    }
}
