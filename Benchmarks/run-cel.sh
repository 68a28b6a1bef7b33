#!/usr/bin/env bash
# CEL benchmark: InletCEL (release build) against Google's C++ CEL runtime (PyPI `cel-expr-python`), same workload,
# same run. Prints one table; exits non-zero when either side produces a wrong result.
#
#   bash Benchmarks/run-cel.sh                 # 5 runs x 1 s per figure (median reported)
#   RUNS=3 SECONDS_PER_RUN=0.5 bash Benchmarks/run-cel.sh
#
# Workload: ${INLET_SHARED_DIR:-<repo>/../shared}/bench/cel. Python: <repo>/.inlet/venv (make install puts
# cel-expr-python==0.1.3 there).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
shared=${INLET_SHARED_DIR:-$root/../shared}
workload=$shared/bench/cel
python=${INLET_PYTHON:-$root/.inlet/venv/bin/python}
runs=${RUNS:-5}
seconds=${SECONDS_PER_RUN:-1}
export PATH=$PATH:/opt/swift/usr/bin

[ -f "$workload/payload.json" ] || { echo "run-cel: workload not found at $workload (set INLET_SHARED_DIR)" >&2; exit 2; }
"$python" -c 'import cel_expr_python' 2>/dev/null || {
  echo "run-cel: $python cannot import cel_expr_python; run: $python -m pip install cel-expr-python==0.1.3" >&2; exit 2; }

if [ -n "${CELBENCH_BIN:-}" ]; then
  bench=$CELBENCH_BIN
else
  echo "building Benchmarks (release)..." >&2
  swift build -c release --package-path "$root/Benchmarks" --product CELBench >&2
  bench=$(swift build -c release --package-path "$root/Benchmarks" --show-bin-path)/CELBench
fi

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# Alternate the two engines run by run, so that load from other processes on this shared machine hits both alike;
# every figure is the median over the runs.
for run in $(seq 1 "$runs"); do
  echo "run $run/$runs: InletCEL, then C++ (cel-expr-python), ${seconds}s CPU per figure..." >&2
  "$bench" "$workload" --runs 1 --seconds "$seconds" >> "$out/inlet.jsonl"
  "$python" "$root/Benchmarks/reference/cel_cpp_reference.py" "$workload" --runs 1 --seconds "$seconds" >> "$out/cpp.jsonl"
done

"$python" - "$out/inlet.jsonl" "$out/cpp.jsonl" <<'PY'
import json, sys
import statistics
def load(path):
    """(expr, mode) -> row whose numeric fields are the medians over all runs."""
    runs = {}
    for line in open(path):
        r = json.loads(line)
        runs.setdefault((r["expr"], r["mode"]), []).append(r)
    rows = {}
    for key, rs in runs.items():
        row = dict(rs[0])
        for field in ("compile_us", "ns_per_eval", "allocs_per_eval", "bytes_per_eval"):
            if field in row:
                row[field] = statistics.median(r[field] for r in rs)
        row["evals_per_s"] = round(1e9 / row["ns_per_eval"])
        rows[key] = row
    return rows
inlet, cpp = load(sys.argv[1]), load(sys.argv[2])
exprs = sorted({e for e, _ in inlet})
def us(ns): return f"{ns / 1000:.2f}"
print("InletCEL vs C++ CEL (cel-expr-python 0.1.3): median thread-CPU time per evaluation over the runs;")
print("'x' = C++ time / Inlet time (>1: Inlet faster). Inlet raw JSON = payload parsed from bytes on every evaluation.")
print()
print("| expression | compile Inlet / C++ (µs) | bound: Inlet µs | C++ µs | x | allocs/eval | raw JSON each eval: Inlet µs | C++ from dict µs | x | C++ json.loads+dict µs | x | allocs/eval |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|")
for e in exprs:
    ib, ij = inlet[(e, "bound")], inlet[(e, "json")]
    cb, cd, cj = cpp[(e, "bound")], cpp[(e, "dict")], cpp[(e, "json")]
    print(f"| {e} | {ib['compile_us']:.0f} / {cb['compile_us']:.0f} | {us(ib['ns_per_eval'])} | {us(cb['ns_per_eval'])} | "
          f"{cb['ns_per_eval'] / ib['ns_per_eval']:.2f} | {ib['allocs_per_eval']:.1f} | "
          f"{us(ij['ns_per_eval'])} | {us(cd['ns_per_eval'])} | {cd['ns_per_eval'] / ij['ns_per_eval']:.2f} | "
          f"{us(cj['ns_per_eval'])} | {cj['ns_per_eval'] / ij['ns_per_eval']:.2f} | {ij['allocs_per_eval']:.1f} |")
print()
print("evaluations/s (Inlet bound, Inlet raw JSON | C++ bound, C++ dict):")
for e in exprs:
    print(f"  {e}: {inlet[(e, 'bound')]['evals_per_s']:,} , {inlet[(e, 'json')]['evals_per_s']:,} | "
          f"{cpp[(e, 'bound')]['evals_per_s']:,} , {cpp[(e, 'dict')]['evals_per_s']:,}")
PY
