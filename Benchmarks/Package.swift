// swift-tools-version:6.0
// CEL benchmarks: a separate package so they never slow the main build. Run with `bash Benchmarks/run-cel.sh`.
import PackageDescription

let package = Package(
    name: "InletBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Inlet", path: "../"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    ],
    targets: [
        // Counts calls into the C allocator (malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign) by
        // defining those symbols in the executable, which the dynamic linker binds ahead of glibc's for every library.
        .target(name: "CMallocCounter"),
        .executableTarget(
            name: "CELBench",
            dependencies: [
                "CMallocCounter",
                .product(name: "InletCEL", package: "Inlet"),
            ]
        ),
        // The receiver alone under wrk (Benchmarks/receiver/run.sh): receiver, bare server and producer-only modes.
        .executableTarget(
            name: "ReceiverBench",
            dependencies: [
                .product(name: "InletBenchmarkSupport", package: "Inlet"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "receiver/ReceiverBench"
        ),
        // The pipeline benchmark's load generator and baselines; driven by run-pipeline.sh (`make bench`).
        .executableTarget(
            name: "PipelineBench",
            dependencies: [
                .product(name: "InletBenchmarkSupport", package: "Inlet"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                // The event loops of the receiver-baseline server (sized as the receiver's own).
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
    ]
)