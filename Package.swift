// swift-tools-version:6.0
// Inlet: a webhook ingest pipeline. See README.md for the architecture.
import PackageDescription

let package = Package(
    name: "Inlet",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "inlet", targets: ["InletCLI"]),
        .library(name: "InletCEL", targets: ["InletCEL"]),
        // For the separate Benchmarks/ package (load generator and baselines), not a stable API.
        .library(name: "InletBenchmarkSupport", targets: [
            "InletCore", "InletKafka", "InletPostgres", "InletHTTPClient", "InletReceiver", "InletPersister", "InletSink",
            "InletMapper", "InletStageRuntime", "InletOperations", "InletCrypto",
        ]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        // Both already in the graph through Hummingbird; named for the receiver's own channel handler (NIOHTTPTypes'
        // request and response parts), its event loops (NIOPosix) and its tests (NIOEmbedded).
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        // MARK: C libraries (module map + shim header only; the Swift wrappers below are their only importers)
        .systemLibrary(name: "CRdKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),

        // MARK: One Swift wrapper per C library
        .target(name: "InletKafka", dependencies: [
            "CRdKafka",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .target(name: "InletPostgres", dependencies: [
            "CLibPQ",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "InletHTTPClient", dependencies: [
            "CCurl",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .target(name: "InletCrypto", dependencies: ["COpenSSL"]),

        // MARK: The CEL language, no dependency on the rest of Inlet
        .target(name: "InletCEL"),

        // MARK: Shared vocabulary: envelope, topic naming, definitions, models, configuration
        .target(name: "InletCore", dependencies: [
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Yams", package: "Yams"),
        ]),

        // MARK: What every consuming stage shares: envelope <-> Kafka headers, dead letters, counters
        .target(name: "InletStageRuntime", dependencies: [
            "InletCore", "InletKafka",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),

        // MARK: Prometheus exposition and the admin endpoint (/healthz, /readyz, /metrics) every stage serves
        .target(name: "InletMetrics", dependencies: [
            "InletCore", "InletStageRuntime",
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // MARK: Integrations and their sealed secrets in PostgreSQL; the receivers' reloading catalog
        .target(name: "InletIntegrations", dependencies: [
            "InletCore", "InletCrypto", "InletPostgres",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Yams", package: "Yams"),
        ]),

        // MARK: Webhook signature schemes (signing and verifying), the one home of every scheme
        .target(name: "InletSignatures", dependencies: ["InletCore", "InletCrypto"]),

        // MARK: The five stages, one library each
        .target(name: "InletReceiver", dependencies: [
            "InletCore", "InletKafka", "InletStageRuntime", "InletCrypto", "InletSignatures", "InletMetrics",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
        ]),
        .target(name: "InletDeduplicator", dependencies: [
            "InletCore", "InletKafka", "InletStageRuntime", "InletPostgres",
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .target(name: "InletMapper", dependencies: [
            "InletCore", "InletKafka", "InletStageRuntime", "InletCEL",
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Yams", package: "Yams"),
        ]),
        .target(name: "InletPersister", dependencies: [
            "InletCore", "InletKafka", "InletStageRuntime", "InletPostgres",
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .target(name: "InletDeliverer", dependencies: [
            "InletCore", "InletKafka", "InletStageRuntime", "InletHTTPClient", "InletCrypto", "InletSignatures",
            // Subscriptions that answered 410 Gone are remembered in PostgreSQL across restarts.
            "InletPostgres",
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),

        // MARK: A subscriber sink that verifies and records what the deliverer sends (local runs, tests, benchmarks)
        .target(name: "InletSink", dependencies: [
            "InletCore", "InletCrypto", "InletSignatures", "InletDeliverer",
            .product(name: "Hummingbird", package: "hummingbird"),
        ]),

        // MARK: Operator tools: replay, dead-letter redrive, tail, status (inlet replay|dlq|tail|status)
        .target(name: "InletOperations", dependencies: [
            "InletCore", "InletKafka", "InletPostgres", "InletCEL", "InletStageRuntime",
            .product(name: "Logging", package: "swift-log"),
        ]),

        // MARK: The `inlet` executable: parse arguments, build services, run one ServiceGroup
        .executableTarget(name: "InletCLI", dependencies: [
            "InletCore", "InletCEL", "InletKafka", "InletPostgres", "InletHTTPClient", "InletCrypto",
            "InletReceiver", "InletDeduplicator", "InletMapper", "InletPersister", "InletDeliverer", "InletSink",
            "InletOperations", "InletMetrics", "InletStageRuntime", "InletIntegrations", "InletSignatures",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        // MARK: Tests
        .testTarget(name: "InletCELTests", dependencies: ["InletCEL"]),
        .testTarget(name: "InletKafkaTests", dependencies: ["InletKafka"]),
        .testTarget(name: "InletPostgresTests", dependencies: ["InletPostgres"]),
        .testTarget(name: "InletHTTPClientTests", dependencies: ["InletHTTPClient"]),
        .testTarget(name: "InletCryptoTests", dependencies: ["InletCrypto"]),
        .testTarget(name: "InletCoreTests", dependencies: ["InletCore"]),
        .testTarget(name: "InletSignaturesTests", dependencies: ["InletSignatures"]),
        .testTarget(name: "InletStagesTests", dependencies: [
            "InletReceiver", "InletDeduplicator", "InletMapper", "InletPersister", "InletDeliverer", "InletSink",
            "InletSignatures", "InletPostgres",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "NIOEmbedded", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
        ]),
        .testTarget(name: "InletMetricsTests", dependencies: [
            "InletMetrics", "InletStageRuntime", "InletKafka", "InletCore", "InletDeduplicator", "InletMapper",
            "InletPersister", "InletDeliverer", "InletPostgres", "InletReceiver", "InletHTTPClient",
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        .testTarget(name: "InletIntegrationsTests", dependencies: [
            "InletIntegrations", "InletCore", "InletCrypto", "InletPostgres",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .testTarget(name: "InletOperationsTests", dependencies: [
            "InletOperations", "InletCore", "InletKafka", "InletPostgres", "InletStageRuntime",
        ]),
        .testTarget(name: "EndToEndTests", dependencies: [
            "InletCore", "InletKafka", "InletPostgres", "InletHTTPClient", "InletCrypto",
            "InletReceiver", "InletDeduplicator", "InletMapper", "InletPersister", "InletDeliverer", "InletSink",
            "InletOperations",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
    ]
)
