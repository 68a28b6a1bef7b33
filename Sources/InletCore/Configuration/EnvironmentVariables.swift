/// One environment variable Inlet reads: its name, default, meaning, and which stages and commands read it.
public struct EnvironmentVariable: Sendable, Equatable {
    /// A process that reads variables: a stage, a command, or the local-stack scripts.
    ///
    /// `inlet dev` runs all five stages in one process and reads everything they read.
    public enum Reader: String, Sendable, CaseIterable, Comparable {
        case receiver, deduplicator, mapper, persister, deliverer
        case topics = "inlet topics"
        case send = "inlet send"
        case sink = "inlet sink"
        case map = "inlet map"
        case integrations = "inlet integrations"
        case localStack = "deploy/local"

        /// The stages and the commands, not the scripts: what `INLET_LOG_LEVEL` applies to.
        public static let everyCommand = allCases.filter { $0 != .localStack }

        public static func < (lhs: Self, rhs: Self) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    /// Where the variable appears in `docs/configuration.md`.
    public enum Section: String, Sendable, CaseIterable {
        case shared = "Every stage"
        case postgres = "PostgreSQL (deduplicator, persister)"
        case receiver = "Receiver"
        case integrations = "Integrations in PostgreSQL (receiver, inlet integrations)"
        case deduplicator = "Deduplicator"
        case mapper = "Mapper"
        case persister = "Persister"
        case deliverer = "Deliverer"
        case localStack = "Local stack (deploy/local scripts, make)"
    }

    public let name: String
    /// The value used when the variable is unset or empty; nil when there is none.
    public let defaultValue: String?
    /// What it sets, with its unit and accepted range.
    public let meaning: String
    public let readers: [Reader]
    public let section: Section

    public init(_ name: String, default defaultValue: String?, _ meaning: String, readers: [Reader], section: Section) {
        self.name = name
        self.defaultValue = defaultValue
        self.meaning = meaning
        self.readers = readers
        self.section = section
    }
}

/// Every environment variable Inlet reads, in one list: `docs/configuration.md` is rendered from it by
/// ``referenceMarkdown()``, and tests fail when a stage reads an `INLET_` variable this list lacks, when a default
/// here differs from the configuration type's, or when the committed document is stale.
///
/// Each configuration type still reads its own variables (`ReceiverConfiguration.init(environment:)`, …); this list
/// is what operators look things up in.
public enum EnvironmentVariables {
    private typealias Variable = EnvironmentVariable
    private static let stages: [Variable.Reader] = [.receiver, .deduplicator, .mapper, .persister, .deliverer]
    private static let consumingStages: [Variable.Reader] = [.deduplicator, .mapper, .persister, .deliverer]

    public static let all: [EnvironmentVariable] = shared + postgres + receiver + integrations + deduplicator + mapper
        + persister + deliverer + localStack

    /// The variable called `name`, if Inlet reads it.
    public static func named(_ name: String) -> EnvironmentVariable? { all.first { $0.name == name } }

    private static let shared: [Variable] = [
        Variable("INLET_KAFKA_BROKERS", default: "127.0.0.1:9092", "Kafka bootstrap servers, comma-separated",
                 readers: stages + [.topics, .localStack], section: .shared),
        Variable("INLET_POSTGRES_URL", default: "postgresql://inlet@127.0.0.1:55432/inlet",
                 "PostgreSQL connection URL (libpq syntax); may hold a password, so pass it as a secret. "
                    + "The deduplicator and persister refuse to start when it is unset; the deliverer then keeps "
                    + "subscriptions that answered 410 Gone in memory only",
                 readers: [.deduplicator, .persister, .deliverer, .localStack], section: .shared),
        Variable("INLET_INTEGRATIONS_FILE", default: "deploy/local/integrations.yaml",
                 "YAML file of integrations and their webhook secrets (the mapper reads their `filter`s)",
                 readers: [.receiver, .mapper, .send], section: .shared),
        Variable("INLET_SUBSCRIPTIONS_FILE", default: "deploy/local/subscriptions.yaml",
                 "YAML file of the HTTP subscribers and their signing secrets", readers: [.deliverer, .sink], section: .shared),
        Variable("INLET_MAPPINGS_DIR", default: "mappings", "directory of mapping files `<definition>/<event>.yaml`",
                 readers: [.mapper, .map], section: .shared),
        Variable("INLET_TOPIC_PARTITIONS", default: "4",
                 "partitions of every topic Inlet creates or exports (1…1024); bounds each consuming stage's parallelism; the local stack sets 1 (deploy/local/env.sh) because Tansu's cost grows with partitions",
                 readers: [.topics, .localStack], section: .shared),
        Variable("INLET_KAFKA_LINGER_MS", default: "2",
                 "librdkafka `linger.ms` of every producer but the receiver's, the mapper's and the deduplicator's (0…1000): how long a record waits for its "
                    + "batch to fill; longer batches cost the broker and the client less CPU per record, a lone record "
                    + "pays the wait. The mapper produces with 0, since it awaits each version of a record before the "
                    + "next (docs/mapper.md); the deduplicator with `INLET_DEDUP_LINGER_MS`, the receiver with "
                    + "`INLET_RECEIVER_LINGER_MS`. `inlet dev`, whose stages share one producer, uses this one",
                 readers: [.receiver, .persister, .deliverer], section: .shared),
        Variable("INLET_KAFKA_PRODUCER_PROPERTIES", default: "",
                 "extra librdkafka producer properties, `key=value,key=value` (e.g. `compression.type=zstd`; every "
                    + "producer compresses with LZ4 unless this sets `compression.type`, docs/kafka.md); "
                    + "`acks` and `enable.idempotence` cannot be changed",
                 readers: [.receiver, .deduplicator, .mapper, .persister, .deliverer], section: .shared),
        Variable("INLET_KAFKA_PRODUCER_THREAD_NICE", default: "19",
                 "nice value (0…19) of every producer's librdkafka broker threads: while an idempotent producer's "
                    + "five requests in flight await the broker, librdkafka busy-waits on them, and at a low priority "
                    + "that wait yields to the threads doing work (docs/kafka.md); 0 leaves them at the process's priority. "
                    + "The receiver's producer uses `INLET_RECEIVER_PRODUCER_THREAD_NICE`",
                 readers: [.receiver, .deduplicator, .mapper, .persister, .deliverer], section: .shared),
        Variable("INLET_KAFKA_CONSUMER_PROPERTIES", default: "",
                 "extra librdkafka consumer properties of every stage, `key=value,key=value` (e.g. "
                    + "`fetch.wait.max.ms=100`); `group.id`, the session and heartbeat times, `auto.offset.reset` and "
                    + "the commit settings cannot be changed",
                 readers: [.deduplicator, .mapper, .persister, .deliverer], section: .shared),
        Variable("INLET_LOG_LEVEL", default: "info",
                 "`trace`, `debug`, `info`, `notice`, `warning`, `error` or `critical` (another value is ignored); "
                    + "logs go to standard error",
                 readers: Variable.Reader.everyCommand, section: .shared),
        Variable("INLET_ADMIN_PORT", default: "9400",
                 "port of a consuming stage's admin HTTP endpoint: `/healthz`, `/readyz`, `/metrics`",
                 readers: consumingStages, section: .shared),
    ]

    private static let postgres: [Variable] = [
        Variable("INLET_POSTGRES_POOL_SIZE", default: "4", "connections in the pool, one thread each (1…256)",
                 readers: [.deduplicator, .persister], section: .postgres),
        Variable("INLET_POSTGRES_CONNECT_TIMEOUT_MS", default: "10000",
                 "connect timeout, milliseconds (libpq rounds up to whole seconds, at least 2 s)",
                 readers: [.deduplicator, .persister], section: .postgres),
        Variable("INLET_POSTGRES_STATEMENT_TIMEOUT_MS", default: "30000",
                 "server-side `statement_timeout`, milliseconds; 0 disables it", readers: [.deduplicator, .persister],
                 section: .postgres),
        Variable("INLET_POSTGRES_APPLICATION_NAME", default: "inlet", "`application_name` shown in `pg_stat_activity`",
                 readers: [.deduplicator, .persister], section: .postgres),
    ]

    private static let receiver: [Variable] = [
        Variable("INLET_RECEIVER_HOST", default: "127.0.0.1",
                 "address the receiver listens on (`0.0.0.0` in a container)", readers: [.receiver], section: .receiver),
        Variable("INLET_RECEIVER_PORT", default: "8080", "port the receiver listens on (0…65535; 0 picks a free port)",
                 readers: [.receiver, .localStack], section: .receiver),
        Variable("INLET_RECEIVER_MAX_BODY_BYTES", default: "10485760",
                 "largest webhook body accepted, bytes; larger ones get 413", readers: [.receiver], section: .receiver),
        Variable("INLET_RECEIVER_ACK_TIMEOUT_MS", default: "5000",
                 "how long a request waits for the broker's acknowledgement before it is answered 503, milliseconds",
                 readers: [.receiver], section: .receiver),
        Variable("INLET_RECEIVER_RETRY_AFTER_SECONDS", default: "5", "`Retry-After` sent with every 503, seconds",
                 readers: [.receiver], section: .receiver),
        Variable("INLET_RECEIVER_TIMESTAMP_TOLERANCE_SECONDS", default: "",
                 "accepted clock difference of signed timestamps, seconds either way, unless an integration sets "
                    + "`options.tolerance_seconds`; unset: each provider's documented default (Stripe 300, Paddle 5, …)",
                 readers: [.receiver], section: .receiver),
        Variable("INLET_RECEIVER_PUBLIC_URL", default: "http://$INLET_RECEIVER_HOST:$INLET_RECEIVER_PORT",
                 "scheme, host and port providers call the receiver at (behind a proxy: the public URL); "
                    + "URL-signing schemes (Twilio, HubSpot, Square) verify against it",
                 readers: [.receiver, .send], section: .receiver),
        Variable("INLET_RECEIVER_RATE_LIMIT_PER_SECOND", default: "10000",
                 "requests per second each integration may send, checked before the body is read; above it 429 with "
                    + "`Retry-After`; 0 turns the limit off",
                 readers: [.receiver], section: .receiver),
        Variable("INLET_RECEIVER_RATE_LIMIT_BURST", default: "20000",
                 "requests an integration may send at once after a quiet spell (the token bucket's size)",
                 readers: [.receiver], section: .receiver),
        Variable("INLET_RECEIVER_MAX_HEADER_COUNT", default: "100",
                 "most header fields a webhook request may carry; more get 431", readers: [.receiver], section: .receiver),
        Variable("INLET_RECEIVER_MAX_HEADER_BYTES", default: "32768",
                 "most bytes of header names and values a webhook request may carry; more get 431",
                 readers: [.receiver], section: .receiver),
        Variable("INLET_RECEIVER_BODY_TIMEOUT_MS", default: "10000",
                 "how long a webhook request may take to send its body, milliseconds; slower ones get 408 and the "
                    + "connection is closed",
                 readers: [.receiver], section: .receiver),
        Variable("INLET_RECEIVER_IDLE_TIMEOUT_MS", default: "60000",
                 "how long a connection may go without reading or writing before the receiver closes it, milliseconds",
                 readers: [.receiver], section: .receiver),
        Variable("INLET_RECEIVER_EVENT_LOOPS", default: "",
                 "threads serving HTTP (SwiftNIO event loops, 1…256); unset: one per core. The local stack sets 1 "
                    + "(deploy/local/env.sh): with every stage and the broker on two cores, one loop gave 13 % more "
                    + "events/s end to end",
                 readers: [.receiver, .localStack], section: .receiver),
        Variable("INLET_RECEIVER_LINGER_MS", default: "1",
                 "librdkafka `linger.ms` of the receiver's producer (0…1000), instead of `INLET_KAFKA_LINGER_MS`: each "
                    + "request waits for its record's acknowledgement, so the linger is on its path; alone, 1 ms gave 10–17 % "
                    + "more requests/s than 2 ms at the same CPU, 0 ms cost twice the CPU per request (docs/kafka.md)",
                 readers: [.receiver], section: .receiver),
        Variable("INLET_RECEIVER_PRODUCER_THREAD_NICE", default: "10",
                 "nice value (0…19) of the receiver producer's librdkafka broker threads, instead of "
                    + "`INLET_KAFKA_PRODUCER_THREAD_NICE`: each request waits for its acknowledgement, so the broker thread "
                    + "is on its path; beside four busy stages, 10 gave a p99 of 27–31 ms against 35–43 ms at 19 at the "
                    + "same rate in one harness, no change in `make bench` (docs/kafka.md)",
                 readers: [.receiver], section: .receiver),
    ]

    private static let integrations: [Variable] = [
        Variable("INLET_INTEGRATIONS_SOURCE", default: "file",
                 "where the receiver reads integrations: `file` (`INLET_INTEGRATIONS_FILE`, read at start) or `postgres` "
                    + "(the `inlet_integrations` tables, changes picked up while running; docs/integrations.md)",
                 readers: [.receiver], section: .integrations),
        Variable("INLET_INTEGRATIONS_POLL_SECONDS", default: "2",
                 "how often a receiver reading integrations from PostgreSQL checks them for changes, seconds (0.1…3600)",
                 readers: [.receiver], section: .integrations),
        Variable("INLET_SECRET_KEY", default: nil,
                 "master key sealing integration secrets in PostgreSQL: base64 of 32 random bytes (`openssl rand -base64 32`), "
                    + "or `id:base64`; a secret itself, pass it from a secret store",
                 readers: [.receiver, .integrations], section: .integrations),
        Variable("INLET_SECRET_KEY_FILE", default: nil,
                 "instead of `INLET_SECRET_KEY`: a file of master keys, one `id:base64` per line, the current key first",
                 readers: [.receiver, .integrations], section: .integrations),
        Variable("INLET_SECRET_KEY_PREVIOUS", default: nil,
                 "earlier master keys, comma-separated `id:base64`, that only open secrets sealed before a key rotation",
                 readers: [.receiver, .integrations], section: .integrations),
    ]

    private static let deduplicator: [Variable] = [
        Variable("INLET_DEDUP_WINDOW_SECONDS", default: "604800",
                 "how long a delivery ID is remembered, seconds (60…31536000; default 7 days)",
                 readers: [.deduplicator], section: .deduplicator),
        Variable("INLET_DEDUP_PRUNE_INTERVAL_SECONDS", default: "3600",
                 "how often expired delivery IDs are deleted, seconds (1…86400)", readers: [.deduplicator],
                 section: .deduplicator),
        Variable("INLET_DEDUP_BATCH_SIZE", default: "1000", "most records per consumed batch (1…100000)",
                 readers: [.deduplicator], section: .deduplicator),
        Variable("INLET_DEDUP_LINGER_MS", default: "10",
                 "librdkafka `linger.ms` of the deduplicator's producer (0…1000), instead of `INLET_KAFKA_LINGER_MS`: "
                    + "it produces a whole batch and then awaits every acknowledgement, so a longer linger sends the batch "
                    + "in one request (docs/deduplicator.md)",
                 readers: [.deduplicator], section: .deduplicator),
    ]

    private static let mapper: [Variable] = [
        Variable("INLET_MAPPER_BATCH_SIZE", default: "1000",
                 "most records the mapper processes and commits together (1…100000)", readers: [.mapper], section: .mapper),
        Variable("INLET_MAPPER_PRODUCE_ATTEMPTS", default: "10",
                 "produce attempts per batch before the mapper stops without committing (1…1000)", readers: [.mapper],
                 section: .mapper),
        Variable("INLET_MAPPER_RETRY_MAX_BACKOFF_MS", default: "5000",
                 "longest back-off between produce attempts, milliseconds (1…600000)", readers: [.mapper], section: .mapper),
        Variable("INLET_MAPPER_SESSION_TIMEOUT_MS", default: "6000",
                 "consumer group session timeout, milliseconds (1000…300000)", readers: [.mapper], section: .mapper),
    ]

    private static let persister: [Variable] = [
        Variable("INLET_PERSISTER_BATCH_SIZE", default: "1000",
                 "most records per consumed batch, and so per transaction (1…100000)", readers: [.persister],
                 section: .persister),
        Variable("INLET_PERSISTER_MIGRATION_LOCK_TIMEOUT_MS", default: "10000",
                 "how long a table migration at start-up may wait for a lock (`lock_timeout`), milliseconds (1…3600000)",
                 readers: [.persister], section: .persister),
    ]

    private static let deliverer: [Variable] = [
        Variable("INLET_DELIVERER_MAX_BODY_BYTES", default: "300000", "largest request body, bytes (16…300000)",
                 readers: [.deliverer], section: .deliverer),
        Variable("INLET_DELIVERER_MAX_RECORDS_PER_BODY", default: "1000", "most records in one batch body (1…1000000)",
                 readers: [.deliverer], section: .deliverer),
        Variable("INLET_DELIVERER_RETRY_BASE_MS", default: "500",
                 "back-off ceiling after the first failed attempt, milliseconds", readers: [.deliverer], section: .deliverer),
        Variable("INLET_DELIVERER_RETRY_MAX_MS", default: "30000", "largest back-off ceiling, milliseconds",
                 readers: [.deliverer], section: .deliverer),
        Variable("INLET_DELIVERER_MAX_ATTEMPTS", default: "8",
                 "attempts per request before its records are dead-lettered (1…1000)", readers: [.deliverer],
                 section: .deliverer),
        Variable("INLET_DELIVERER_MAX_RETRY_AFTER_S", default: "60", "longest `Retry-After` honoured, seconds",
                 readers: [.deliverer], section: .deliverer),
        Variable("INLET_DELIVERER_REQUEST_TIMEOUT_MS", default: "10000",
                 "time allowed for one HTTP exchange, connect included, milliseconds", readers: [.deliverer],
                 section: .deliverer),
        Variable("INLET_DELIVERER_SHUTDOWN_GRACE_MS", default: "10000",
                 "after SIGTERM, how long the batch in flight may keep retrying before it is left uncommitted, "
                    + "milliseconds",
                 readers: [.deliverer], section: .deliverer),
        Variable("INLET_DELIVERER_MAX_BATCH_RECORDS", default: "1000", "most records fetched per batch (one commit)",
                 readers: [.deliverer], section: .deliverer),
        Variable("INLET_DELIVERER_GONE_REFRESH_MS", default: "10000",
                 "how often gone marks (410 Gone) are read again from PostgreSQL, milliseconds (at least 100): a mark "
                    + "another replica stored, or one `inlet subscriptions enable` deleted, applies within it",
                 readers: [.deliverer], section: .deliverer),
        Variable("INLET_DELIVERER_SUBSCRIPTIONS", default: "",
                 "IDs of the subscriptions this process serves, comma-separated; empty: every subscription in the "
                    + "file. Each served subscription runs its own consumer group `inlet-deliverer.<id>` "
                    + "(docs/deliverer.md)",
                 readers: [.deliverer], section: .deliverer),
        Variable("INLET_DELIVERER_EXCLUDED_SUBSCRIPTIONS", default: "",
                 "IDs of subscriptions this process leaves to another one (e.g. a big subscriber in a deployment of "
                    + "its own), comma-separated",
                 readers: [.deliverer], section: .deliverer),
    ]

    private static let localStack: [Variable] = [
        Variable("INLET_ROOT", default: nil, "the checkout's root; computed by `deploy/local/env.sh`, not read",
                 readers: [.localStack], section: .localStack),
        Variable("INLET_STATE_DIR", default: "$INLET_ROOT/.inlet",
                 "where the local stack keeps its venv, broker and database state, logs and pid files",
                 readers: [.localStack], section: .localStack),
        Variable("INLET_VENV", default: "$INLET_STATE_DIR/venv",
                 "Python venv holding the Tansu broker and the librdkafka 2.16 wheel", readers: [.localStack],
                 section: .localStack),
        Variable("INLET_KAFKA_HOST", default: "127.0.0.1", "address of the local broker", readers: [.localStack],
                 section: .localStack),
        Variable("INLET_KAFKA_PORT", default: "9092", "port of the local broker (`make test` uses its own, 19092)",
                 readers: [.localStack], section: .localStack),
        Variable("INLET_FRESH_BROKER", default: "0", "1 restarts the local broker empty (`make test` sets it)",
                 readers: [.localStack], section: .localStack),
        Variable("INLET_PG_PORT", default: "55432", "port of the local PostgreSQL cluster", readers: [.localStack],
                 section: .localStack),
        Variable("INLET_PG_DIR", default: "$INLET_STATE_DIR/pg", "data directory of the local PostgreSQL cluster",
                 readers: [.localStack], section: .localStack),
        Variable("INLET_PG_BIN", default: "/usr/lib/postgresql/15/bin", "PostgreSQL server binaries (`initdb`, `pg_ctl`)",
                 readers: [.localStack], section: .localStack),
        Variable("INLET_RDKAFKA_LIB_DIR", default: "$INLET_STATE_DIR/lib",
                 "directory with the `librdkafka.so.1` link put first on `LD_LIBRARY_PATH`; computed, not read",
                 readers: [.localStack], section: .localStack),
    ]
}

extension EnvironmentVariables {
    /// `docs/configuration.md`: every variable by section, deterministic so it can be committed and compared.
    public static func referenceMarkdown() -> String {
        var out = """
            <!-- Generated from Sources/InletCore/Configuration/EnvironmentVariables.swift; do not edit. -->
            <!-- Tests/InletCoreTests/ConfigurationReferenceTests.swift fails when this file is stale and says how to regenerate it. -->
            # Configuration reference

            Every stage reads its settings from `INLET_*` environment variables; an unset or empty variable keeps its
            default, and a malformed value stops the stage at start-up with an error naming the variable. `inlet dev`
            runs all five stages in one process and reads everything they read. Secrets never go in these variables
            except `INLET_POSTGRES_URL`, which may hold a password: pass it from a secret store (Kubernetes `Secret`,
            systemd `EnvironmentFile` readable by the service only). Webhook and subscriber secrets live in the files
            `INLET_INTEGRATIONS_FILE` and `INLET_SUBSCRIPTIONS_FILE` name.

            Deployment examples: `deploy/kubernetes/`, `deploy/systemd/inlet.env.example`; operations: `docs/operations.md`.

            """
        for section in EnvironmentVariable.Section.allCases {
            let variables = all.filter { $0.section == section }
            guard !variables.isEmpty else { continue }
            out += "\n## \(section.rawValue)\n\n"
            out += "| variable | default | read by | meaning |\n"
            out += "|---|---|---|---|\n"
            for variable in variables {
                let defaultText = variable.defaultValue.map { "`\($0)`" } ?? "none"
                let readers = variable.readers.sorted().map(\.rawValue).joined(separator: ", ")
                out += "| `\(variable.name)` | \(cell(defaultText)) | \(cell(readers)) | \(cell(variable.meaning)) |\n"
            }
        }
        return out
    }

    /// A table cell: a `|` would end the cell early.
    private static func cell(_ text: String) -> String {
        text.replacing("|", with: "\\|")
    }
}
