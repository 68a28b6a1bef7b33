// swift-tools-version:6.0
// libFuzzer target for the CEL parser/compiler/evaluator: a separate package so the sanitizer flags never touch the
// main build. Run with `bash Fuzz/run-cel-fuzz.sh [SECONDS]`.
import PackageDescription

let package = Package(
    name: "InletFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Inlet", path: "../"),
    ],
    targets: [
        .executableTarget(
            name: "CELParserFuzz",
            dependencies: [.product(name: "InletCEL", package: "Inlet")]
        ),
    ]
)
