#!/usr/bin/env bash
# The mapper's per-record work in process (issue 5; docs/mapper.md, Performance): MapperBatchProcessor.plan over
# 20,000 GitHub pull_request deliveries, µs of thread CPU per record. No broker needed.
#
#   bash Benchmarks/mapper/run.sh               # the working tree, with a per-step breakdown
#   bash Benchmarks/mapper/run.sh REF [PAIRS]   # the working tree against git REF's Sources/, alternated PAIRS times (4)
#
# The benchmark reaches the internal MapperBatchProcessor, so it is built with -enable-testing in a throw-away package
# (under $TMPDIR) that links the repository's modules; REF's sources come from `git archive` (nothing in the checkout
# changes). Extra arguments for MapperPerfBench: BENCH_ARGS (e.g. "--payload fixture").
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ref=${1:-}
pairs=${2:-4}
work=$(mktemp -d "${TMPDIR:-/tmp}/inlet-mapper-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# package DIR SOURCES: a package at DIR building MapperPerfBench against the modules in SOURCES/Sources.
package() {
  local dir=$1 sources=$2
  mkdir -p "$dir/Sources"
  for module in CRdKafka InletKafka InletCEL InletCore InletStageRuntime InletMapper; do
    ln -s "$sources/Sources/$module" "$dir/Sources/$module"
  done
  # The benchmark itself, and the body generator it shares with `make bench`.
  mkdir -p "$dir/Sources/MapperPerfBench"
  ln -s "$root/Benchmarks/mapper/MapperPerfBench/main.swift" "$dir/Sources/MapperPerfBench/main.swift"
  ln -s "$root/Benchmarks/Sources/PipelineBench/PullRequestBodies.swift" "$dir/Sources/MapperPerfBench/PullRequestBodies.swift"
  if [ -f "$root/Package.resolved" ]; then cp "$root/Package.resolved" "$dir/Package.resolved"; fi
  cat > "$dir/Package.swift" <<'EOF'
// swift-tools-version:6.0
import PackageDescription
let package = Package(name: "MapperPerfBench", platforms: [.macOS(.v15)],
  dependencies: [
    .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
    .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
  ],
  targets: [
    .systemLibrary(name: "CRdKafka", pkgConfig: "rdkafka", providers: [.apt(["librdkafka-dev"])]),
    .target(name: "InletKafka", dependencies: ["CRdKafka", .product(name: "Logging", package: "swift-log"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]),
    .target(name: "InletCEL"),
    .target(name: "InletCore", dependencies: [.product(name: "Logging", package: "swift-log"), .product(name: "Yams", package: "Yams")]),
    .target(name: "InletStageRuntime", dependencies: ["InletCore", "InletKafka", .product(name: "Logging", package: "swift-log"),
        .product(name: "Metrics", package: "swift-metrics"), .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]),
    .target(name: "InletMapper", dependencies: ["InletCore", "InletKafka", "InletStageRuntime", "InletCEL",
        .product(name: "Metrics", package: "swift-metrics"), .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "Logging", package: "swift-log"), .product(name: "Yams", package: "Yams")]),
    .executableTarget(name: "MapperPerfBench", dependencies: ["InletMapper", "InletCEL", "InletCore", "InletKafka",
        "InletStageRuntime", .product(name: "Logging", package: "swift-log")]),
  ],
  swiftLanguageModes: [.v6])
EOF
}

build() { # build DIR [FLAGS...]: prints the binary's path
  local dir=$1
  shift
  swift build -c release -j 2 -Xswiftc -enable-testing "$@" --package-path "$dir" --product MapperPerfBench >&2
  echo "$(swift build -c release --package-path "$dir" --show-bin-path)/MapperPerfBench"
}

package "$work/head" "$root"
head=$(build "$work/head" -Xswiftc -DMAPPER_STEPS)
if [ -z "$ref" ]; then
  "$head" --root "$root" --steps ${BENCH_ARGS:-}
  exit 0
fi

mkdir -p "$work/ref-sources"
git -C "$root" archive "$ref" Sources | tar -x -C "$work/ref-sources"
package "$work/ref" "$work/ref-sources"
base=$(build "$work/ref")
# Alternate the two builds, so that load from other processes on this shared machine hits both alike.
for pair in $(seq 1 "$pairs"); do
  echo "$ref: $("$base" --root "$root" ${BENCH_ARGS:-} | tail -1)"
  echo "working tree: $("$head" --root "$root" ${BENCH_ARGS:-} | tail -1)"
done
