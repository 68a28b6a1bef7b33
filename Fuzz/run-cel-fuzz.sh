#!/usr/bin/env bash
# Fuzzes the CEL compiler and evaluator with libFuzzer for SECONDS (default 600), niced, on one core.
# Seeds: every expression of the conformance suite and the benchmark workload. Crashes are written to
# .inlet/fuzz-cel/crash-* (reproduce: Fuzz/.build/debug/CELParserFuzz <file>).
#
#   bash Fuzz/run-cel-fuzz.sh 600
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shared=${INLET_SHARED_DIR:-$root/../shared}
seconds=${1:-600}
work=$root/.inlet/fuzz-cel
export PATH=$PATH:/opt/swift/usr/bin
mkdir -p "$work/corpus" "$work/seeds"

echo "building the fuzz target (libFuzzer + address sanitizer)..." >&2
swift build --package-path "$root/Fuzz" --product CELParserFuzz \
  -Xswiftc -sanitize=fuzzer,address >&2
fuzzer=$(swift build --package-path "$root/Fuzz" --show-bin-path)/CELParserFuzz

# One seed file per distinct expression.
python3 - "$shared" "$work/seeds" <<'PY'
import glob, hashlib, json, os, sys
shared, out = sys.argv[1], sys.argv[2]
exprs = set()
for path in glob.glob(os.path.join(shared, "cel-conformance", "*.jsonl")):
    for line in open(path, encoding="utf-8"):
        if line.strip():
            exprs.add(json.loads(line)["expr"])
for path in glob.glob(os.path.join(shared, "bench", "cel", "*.cel")):
    exprs.add(open(path, encoding="utf-8").read())
for e in exprs:
    data = e.encode("utf-8")
    with open(os.path.join(out, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)
print(f"{len(exprs)} seed expressions", file=sys.stderr)
PY

cd "$work"
start=$(date +%s)
set +e
# detect_leaks=0: the only "leaks" are the library's never-freed static globals, reported at exit.
ASAN_OPTIONS=detect_leaks=0 nice -n 10 "$fuzzer" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=4096 -detect_leaks=0 \
  -artifact_prefix="$work/" -print_final_stats=1 corpus seeds 2>&1 | tail -n 25
status=${PIPESTATUS[0]}
set -e
echo "fuzzed for $(( $(date +%s) - start )) s, exit status $status (0 = no crash); artifacts in $work" >&2
exit "$status"
