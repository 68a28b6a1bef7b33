#!/usr/bin/env bash
# What each subscription costs the deliverer (docs/deliverer.md, "Cost per subscription").
#
# The deliverer runs one Kafka consumer (group inlet-deliverer.<id>) and one consume → deliver → commit loop per
# subscription. For each N in SCALING_NS this script starts ONE deliverer process serving N subscriptions (all to
# the PullRequest model, each with its own URL `…/inlet?sub=<id>` on one local `inlet sink`) against a fresh Tansu
# broker of its own, and prints one table row:
#
#   start_s       launch until /readyz answers 200 (every subscription's consumer owns its partitions)
#   thr, rss, hwm threads (/proc/PID/status Threads), VmRSS and VmHWM in MB, once ready
#   idle_dlv/tansu CPU of the deliverer and of the broker over IDLE_SECONDS (10) with every consumer joined and
#                 nothing to read, in ms (utime + stime ticks × 10 ms): the price of idle consumers long-polling
#   load_s, rec/s LOAD_RECORDS PullRequest records produced to inlet.model.pull_request, then time until the sink has
#                 counted LOAD_RECORDS × N deliveries; rec/s = deliveries per second over all subscriptions
#   load_cpu      deliverer CPU over that load, ms; then thr/rss/hwm again after the load
#
# Run (from the repository root; it never builds anything):
#   source deploy/local/env.sh
#   BIN=/path/to/release/inlet bash Benchmarks/run-subscription-scaling.sh
# Variables: BIN (default .build/release/inlet), SCALING_NS ("1 10 50 100"), SCALING_RUNS (repetitions, 2),
#   LOAD_RECORDS (5000; 0 skips the load), IDLE_SECONDS (10), SCALING_KAFKA_PORT (39192), SCALING_SINK_PORT (18190),
#   SCALING_ADMIN_PORT (19490).
# The environment passes through: e.g. INLET_KAFKA_CONSUMER_PROPERTIES=fetch.wait.max.ms=1000 measures that setting.
# The deliverer runs without INLET_POSTGRES_URL (gone marks in memory; it logs a warning), so only Kafka and HTTP
# costs are measured. Logs and the generated subscriptions files go to $INLET_STATE_DIR/bench/scaling-<time>/.
set -euo pipefail
cd "$(dirname "$0")/.."
# A broker of the script's own, restarted empty for every N (Tansu keeps groups and records in memory).
export INLET_KAFKA_PORT="${SCALING_KAFKA_PORT:-39192}"
unset INLET_KAFKA_BROKERS
source deploy/local/env.sh
BIN="${BIN:-.build/release/inlet}"
NS="${SCALING_NS:-1 10 50 100}"
RUNS="${SCALING_RUNS:-2}"
LOAD_RECORDS="${LOAD_RECORDS:-5000}"
IDLE_SECONDS="${IDLE_SECONDS:-10}"
SINK_PORT="${SCALING_SINK_PORT:-18190}"
ADMIN_PORT="${SCALING_ADMIN_PORT:-19490}"
TICK_MS=$((1000 / $(getconf CLK_TCK)))
OUT="$INLET_STATE_DIR/bench/scaling-$(date +%Y%m%d-%H%M%S)"; mkdir -p "$OUT"
[ -x "$BIN" ] || die "no inlet binary at $BIN; set BIN"
# Every subscription shares this secret: `inlet sink` verifies one key.
SECRET="whsec_$(printf 'subscription-scaling-benchmark-key!!' | base64 -w0)"

source Benchmarks/processes.sh

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }             # utime + stime of the whole process
status_field() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
mb() { echo $(( ($1 + 512) / 1024 )); }                                   # kB → MB
memory() { echo "$(status_field "$1" Threads) $(mb "$(status_field "$1" VmRSS)") $(mb "$(status_field "$1" VmHWM)")"; }
sink_records() { curl -s "http://127.0.0.1:$SINK_PORT/inlet/stats" | sed 's/.*"records":\([0-9]*\).*/\1/'; }
now_ms() { date +%s%3N; }

subscriptions_file() { # subscriptions_file N PATH
  { echo "subscriptions:"
    for ((i = 1; i <= $1; i++)); do
      printf '  - id: scale-%03d\n    url: http://127.0.0.1:%s/inlet?sub=scale-%03d\n    secret: %s\n    models: [PullRequest]\n' \
        "$i" "$SINK_PORT" "$i" "$SECRET"
    done; } > "$2"
}

# LOAD_RECORDS PullRequest model records as the mapper writes them (CloudEvents binary mode, docs/envelope.md),
# produced by the librdkafka 2.16 Python client of the local venv.
produce_load() {
  "$INLET_VENV/bin/python" - "$INLET_KAFKA_BROKERS" "$LOAD_RECORDS" <<'PY'
import json, sys
from confluent_kafka import Producer
brokers, count = sys.argv[1], int(sys.argv[2])
producer = Producer({"bootstrap.servers": brokers, "linger.ms": 5})
for i in range(count):
    key = f"acme/acme-widgets/{i}"
    value = json.dumps({"integration_id": "acme", "definition": "github", "repository": "acme/widgets",
                        "number": i, "title": f"Pull request {i}: make the widgets faster", "state": "open",
                        "author": "octocat", "base_ref": "main", "head_ref": f"feature-{i}",
                        "head_sha": f"{i:040x}", "draft": False, "merged": False,
                        "created_at": "2026-11-21T21:04:05Z", "updated_at": "2026-11-21T21:04:05Z"},
                       separators=(",", ":"))
    headers = [("ce_specversion", "1.0"), ("ce_id", f"bench-{i}/PullRequest/0"), ("ce_source", "/inlet/github/acme"),
               ("ce_type", "inlet.model.PullRequest"), ("ce_time", "2026-11-21T21:04:05Z"), ("ce_subject", key),
               ("content-type", "application/json"), ("ce_inletdefinition", "github"),
               ("ce_inletevent", "pull_request"), ("ce_inletintegration", "acme"),
               ("ce_inletreceivedat", "2026-11-21T21:04:05.456Z")]
    while True:
        try:
            producer.produce("inlet.model.pull_request", value=value, key=key, headers=headers)
            break
        except BufferError:
            producer.poll(0.05)
    producer.poll(0)
if producer.flush(30) != 0:
    sys.exit("records left unacknowledged")
PY
}

measure() { # measure N RUN: one table row
  local n=$1 run=$2 dir="$OUT/n$1-run$2"; mkdir -p "$dir"
  INLET_FRESH_BROKER=1 bash deploy/local/start.sh >"$dir/start.log" 2>&1
  local tansu; tansu=$(cat "$INLET_STATE_DIR/tansu-$INLET_KAFKA_PORT.pid")
  "$BIN" topics create >/dev/null
  subscriptions_file "$n" "$dir/subscriptions.yaml"

  "$BIN" sink --port "$SINK_PORT" --secret "$SECRET" --quiet >"$dir/sink.log" 2>&1 & local sink=$!; pids+=("$sink")
  for _ in $(seq 1 100); do [ -n "$(sink_records)" ] && break; sleep 0.1; done

  local started; started=$(now_ms)
  env -u INLET_POSTGRES_URL INLET_SUBSCRIPTIONS_FILE="$dir/subscriptions.yaml" INLET_ADMIN_PORT="$ADMIN_PORT" \
    INLET_LOG_LEVEL=warning "$BIN" deliverer >"$dir/deliverer.log" 2>&1 & local dlv=$!; pids+=("$dlv")
  local ready=0
  for _ in $(seq 1 1800); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$ADMIN_PORT/readyz")" = 200 ]; then ready=1; break; fi
    kill -0 "$dlv" 2>/dev/null || die "the deliverer exited; see $dir/deliverer.log"
    sleep 0.1
  done
  [ "$ready" = 1 ] || die "the deliverer with $n subscriptions was not ready within 180 s; see $dir/deliverer.log"
  local startup_ms=$(( $(now_ms) - started ))
  local ready_memory; ready_memory=$(memory "$dlv")
  # Which threads there are, by name (rdk:broker…, rdk:main, inlet-kafka-consumer-poll, …).
  cat /proc/"$dlv"/task/*/comm | sort | uniq -c | sort -rn >"$dir/threads.txt"

  # Idle: every group joined, nothing to read. A short settle first, so the join's own traffic is not counted.
  sleep 3
  local d0 t0; d0=$(cpu_ticks "$dlv"); t0=$(cpu_ticks "$tansu")
  sleep "$IDLE_SECONDS"
  local idle_dlv=$(( ($(cpu_ticks "$dlv") - d0) * TICK_MS )) idle_tansu=$(( ($(cpu_ticks "$tansu") - t0) * TICK_MS ))

  local load="- - -" load_memory="- - -"
  if [ "$LOAD_RECORDS" -gt 0 ]; then
    local expected=$((LOAD_RECORDS * n)) before; before=$(sink_records)
    local l0 c0; l0=$(now_ms); c0=$(cpu_ticks "$dlv")
    produce_load
    local got=0
    for _ in $(seq 1 3000); do
      got=$(( $(sink_records) - before ))
      [ "$got" -ge "$expected" ] && break
      sleep 0.1
    done
    [ "$got" -ge "$expected" ] || die "the sink counted $got of $expected deliveries within 300 s; see $dir"
    local load_ms=$(( $(now_ms) - l0 )) load_cpu=$(( ($(cpu_ticks "$dlv") - c0) * TICK_MS ))
    load="$(awk -v ms="$load_ms" 'BEGIN { printf "%.1f", ms / 1000 }') $(( expected * 1000 / load_ms )) $load_cpu"
    load_memory=$(memory "$dlv")
  fi

  curl -s "http://127.0.0.1:$SINK_PORT/inlet/stats" >"$dir/sink-stats.json"
  kill -TERM "$dlv" "$sink"; wait "$dlv" "$sink" 2>/dev/null || true
  kill -KILL "$tansu"
  pids=()
  printf '%4s %3s %8s %5s %5s %5s %9s %10s %7s %7s %9s %5s %5s %5s\n' "$n" "$run" \
    "$(awk -v ms="$startup_ms" 'BEGIN { printf "%.1f", ms / 1000 }')" $ready_memory "$idle_dlv" "$idle_tansu" \
    $load $load_memory
}

log "deliverer subscription scaling: N in [$NS], $RUNS runs each, load $LOAD_RECORDS records; logs in $OUT"
printf '%4s %3s %8s %5s %5s %5s %9s %10s %7s %7s %9s %5s %5s %5s\n' \
  N run start_s thr rss hwm idle_dlv idle_tansu load_s rec/s load_cpu thr rss hwm
printf '%4s %3s %8s %5s %5s %5s %9s %10s %7s %7s %9s %5s %5s %5s\n' \
  "" "" "" ready MB MB "ms/${IDLE_SECONDS}s" "ms/${IDLE_SECONDS}s" "" "" ms load MB MB
for ((run = 1; run <= RUNS; run++)); do
  for n in $NS; do measure "$n" "$run"; done
done
