// swift-tools-version:6.0
// libFuzzer targets for what the receiver parses from strangers: signature headers, the bounded JSON parser, Twilio
// form parameters, Linear's webhookTimestamp reader, the batch splitter and the delivery attribute reader. A separate
// package (the sanitizer flags never touch the main build) whose module targets are symlinks to ../../Sources, since
// InletCore and InletSignatures are not products of the main package. Run with `bash Fuzz/run-receiver-fuzz.sh`.
import PackageDescription

let package = Package(
    name: "InletReceiverFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto"),
        .target(name: "InletCrypto", dependencies: ["COpenSSL"]),
        .target(name: "InletCore", dependencies: [
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Yams", package: "Yams"),
        ]),
        .target(name: "InletSignatures", dependencies: ["InletCore", "InletCrypto"]),
        // One executable, one libFuzzer entry point; INLET_FUZZ_TARGET picks the parser family (see main.swift).
        .executableTarget(name: "ReceiverFuzz", dependencies: ["InletCore", "InletCrypto", "InletSignatures"]),
    ],
    swiftLanguageModes: [.v6]
)
