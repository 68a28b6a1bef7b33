#!/usr/bin/env bash
# Receiver benchmark: a bare Hummingbird server answering 202, then the real receiver (verify + produce + wait for
# the broker's ack), both under the same wrk load. Run from the repository root with the local stack started
# (deploy/local/start.sh) and deploy/local/env.sh sourced. Needs wrk (apt-get install wrk) and a release build of
# ReceiverBench (see README.md). Environment: BENCH_BIN (path to ReceiverBench), DURATION (20s), CONNECTIONS (64),
# THREADS (2), PORT (8090), INLET_BENCH_LINGER_MS (the receiver's producer linger.ms, default 0).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
BENCH_BIN="${BENCH_BIN:-Benchmarks/.build/release/ReceiverBench}"  # swift build -c release --package-path Benchmarks --product ReceiverBench
DURATION="${DURATION:-20s}"; CONNECTIONS="${CONNECTIONS:-64}"; THREADS="${THREADS:-2}"; PORT="${PORT:-8090}"
TOPIC="inlet.receiverbench.pull_request.received"
TANSU="${INLET_STATE_DIR:-.inlet}/tansu"
export INLET_BENCH_SECRET="bench-github-secret"
export INLET_BENCH_BODY="$here/pull_request.json"
export INLET_BENCH_SIGNATURE="sha256=$(openssl dgst -sha256 -hmac "$INLET_BENCH_SECRET" -r "$INLET_BENCH_BODY" | cut -d' ' -f1)"
export INLET_RECEIVER_PORT="$PORT"
url="http://127.0.0.1:$PORT/webhooks/receiverbench/bench-github"

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
wait_port() { for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && return 0; sleep 0.1; done; echo "server did not listen" >&2; exit 1; }

server=""
trap '[ -n "$server" ] && kill -TERM "$server" 2>/dev/null || true' EXIT
run() { # run MODE
  "$BENCH_BIN" "$1" & server=$!
  local pid=$server
  wait_port
  # Warm-up (connections, producer metadata), then the measured run.
  wrk -t"$THREADS" -c"$CONNECTIONS" -d3s -s "$here/wrk-github.lua" "$url" >/dev/null
  echo "== $1: wrk -t$THREADS -c$CONNECTIONS -d$DURATION"
  local before; before=$(cpu_ticks "$pid")
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$here/wrk-github.lua" "$url" | tee /tmp/inlet-receiver-bench.$$
  local ticks=$(( $(cpu_ticks "$pid") - before ))
  local requests; requests=$(awk '/requests in/ {print $1}' /tmp/inlet-receiver-bench.$$)
  # Server CPU per request is far less sensitive to the other load on a shared box than req/s.
  awk -v t="$ticks" -v hz="$(getconf CLK_TCK)" -v n="$requests" 'BEGIN { printf "server CPU: %.1f s, %.1f us per request\n", t / hz, t / hz / n * 1e6 }'
  rm -f /tmp/inlet-receiver-bench.$$
  kill -TERM "$pid"; wait "$pid" || true
  server=""
}

"$TANSU" topic delete "$TOPIC" --broker "tcp://$INLET_KAFKA_BROKERS" >/dev/null 2>&1 || true
"$TANSU" topic create "$TOPIC" --partitions 4 --broker "tcp://$INLET_KAFKA_BROKERS" >/dev/null 2>&1
export INLET_BENCH_LINGER_MS="${INLET_BENCH_LINGER_MS:-0}"
run bare
run receiver
echo "== produce (no HTTP): the broker's ceiling for 64 waiting senders, linger.ms=$INLET_BENCH_LINGER_MS"
INLET_BENCH_CONCURRENCY="$CONNECTIONS" INLET_BENCH_SECONDS="${DURATION%s}" "$BENCH_BIN" produce
# Tansu keeps everything in memory: drop the benchmark's records.
"$TANSU" topic delete "$TOPIC" --broker "tcp://$INLET_KAFKA_BROKERS" >/dev/null 2>&1 || true
