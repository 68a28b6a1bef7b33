#!/usr/bin/env python3
"""Reference measurement: Google's C++ CEL runtime through the PyPI package `cel-expr-python`.

Times every `*.cel` expression of the workload directory, compiled once, in two modes:
  bound  - the payload converted to CEL values once (one `Activation`), evaluated repeatedly;
  dict   - the payload handed over as a Python dict on every call (`expr.eval(data=...)`),
           so each evaluation converts the dict to CEL values first.
Each result is checked against `expected_<name>.json` (tagged values, cel-conformance FORMAT.md);
a mismatch exits with status 1.

Output: one JSON object per line, {"expr", "mode", "compile_us" (median of 20 compilations), "ns_per_eval" (median of
runs, thread CPU time), "evals_per_s"}.
Usage: cel_cpp_reference.py WORKLOAD_DIR [--runs N] [--seconds S]
"""
import argparse
import base64
import glob
import json
import math
import os
import statistics
import sys
import time

from cel_expr_python import cel
from cel_expr_python.ext import ext_strings


def decode_tagged(v):
    """Tagged value (FORMAT.md) -> plain Python value for comparison."""
    (tag, x), = [(k, v[k]) for k in v if k not in ("wkt", "via_any")]
    if tag == "null":
        return None
    if tag in ("bool", "string"):
        return x
    if tag in ("int", "uint"):
        return int(x)
    if tag == "double":
        return float(x)
    if tag == "bytes_b64":
        return base64.b64decode(x)
    if tag == "list":
        return [decode_tagged(e) for e in x]
    if tag == "map":
        return {decode_tagged(k): decode_tagged(e) for k, e in x}
    raise ValueError(f"unsupported tag {tag}")


def load_expected(path):
    with open(path) as f:
        raw = json.load(f)
    # expected_*.json hold either a tagged value or plain JSON; accept both.
    if isinstance(raw, dict) and len(raw) == 1 and next(iter(raw)) in (
            "null", "bool", "int", "uint", "double", "string", "bytes_b64", "list", "map"):
        return decode_tagged(raw)
    return raw


def same(a, b):
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b or (type(a) is type(b) and a == b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b or (isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return a == b


def time_loop(fn, seconds):
    """Calls fn in batches until `seconds` of this thread's CPU time elapsed; returns CPU ns per call.
    CPU time, not wall time: on a shared, busy machine it measures the work, not the wait for a core."""
    batch, n, start = 64, 0, time.thread_time_ns()
    deadline = start + int(seconds * 1e9)
    while True:
        for _ in range(batch):
            fn()
        n += batch
        now = time.thread_time_ns()
        if now >= deadline:
            return (now - start) / n
        batch = min(batch * 2, 65536)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("workload")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=1.0)
    args = ap.parse_args()

    with open(os.path.join(args.workload, "payload.json"), "rb") as f:
        payload_bytes = f.read()
    payload = json.loads(payload_bytes)
    env = cel.NewEnv(variables={"payload": cel.Type.Map(cel.Type.STRING, cel.Type.DYN)},
                     extensions=[ext_strings.ExtStrings()])
    activation = env.Activation({"payload": payload})

    ok = True
    for path in sorted(glob.glob(os.path.join(args.workload, "*.cel"))):
        name = os.path.basename(path)[:-4]
        with open(path) as f:
            source = f.read()
        compile_times = []
        for _ in range(20):
            t0 = time.thread_time_ns()
            expr = env.compile(source)
            compile_times.append(time.thread_time_ns() - t0)
        compile_us = statistics.median(compile_times) / 1000
        expected = load_expected(os.path.join(args.workload, f"expected_{name}.json"))
        got = expr.eval(activation).plain_value()
        if not same(got, expected):
            print(f"MISMATCH {name}: got {got!r}", file=sys.stderr)
            ok = False
            continue
        modes = {
            "bound": lambda: expr.eval(activation),
            "dict": lambda: expr.eval(data={"payload": payload}),
            "json": lambda: expr.eval(data={"payload": json.loads(payload_bytes)}),
        }
        for mode, fn in modes.items():
            time_loop(fn, 0.2)  # warm-up
            runs = [time_loop(fn, args.seconds) for _ in range(args.runs)]
            ns = statistics.median(runs)
            print(json.dumps({"expr": name, "mode": mode, "compile_us": round(compile_us, 1),
                              "ns_per_eval": round(ns, 1), "evals_per_s": round(1e9 / ns)}), flush=True)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
