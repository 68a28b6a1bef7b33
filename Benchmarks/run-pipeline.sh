#!/usr/bin/env bash
# `make bench`: the pipeline benchmark. Builds release binaries, measures the baselines and the five stages in ONE run
# on this machine, and prints every stage as a ratio to its baseline (the machines are shared and noisy: only ratios
# from the same run mean anything). Figures go to stdout and to .inlet/bench/pipeline-<time>.json.
#
#   BENCH_REQUESTS     webhooks sent (default 20000; 5 % repeats)
#   BENCH_CONCURRENCY  concurrent connections (default 64)
#   BENCH_PARTITIONS   partitions per topic (default 1, as the local stack; see deploy/local/env.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
# A broker of the benchmark's own, restarted empty (Tansu keeps everything in memory), so nothing earlier is counted
# and the broker `make run` uses is left alone.
export INLET_KAFKA_PORT="${BENCH_KAFKA_PORT:-39092}" INLET_FRESH_BROKER=1
export INLET_TOPIC_PARTITIONS="${BENCH_PARTITIONS:-${INLET_TOPIC_PARTITIONS:-1}}"
unset INLET_KAFKA_BROKERS
source deploy/local/env.sh
N="${BENCH_REQUESTS:-20000}"
C="${BENCH_CONCURRENCY:-64}"
OUT="$INLET_STATE_DIR/bench"; mkdir -p "$OUT"
RUN="$OUT/run-$(date +%Y%m%d-%H%M%S)"; mkdir -p "$RUN"
BIN=.build/release/inlet
BENCH=Benchmarks/.build/release/PipelineBench

log "building release binaries (first build takes minutes)"
swift build -c release --product inlet >"$RUN/build.log" 2>&1 || { tail -30 "$RUN/build.log"; die "release build failed"; }
swift build -c release --package-path Benchmarks --product PipelineBench >>"$RUN/build.log" 2>&1 || { tail -30 "$RUN/build.log"; die "benchmark build failed"; }

# The fresh broker, and a PostgreSQL schema of the run's own.
bash deploy/local/start.sh >/dev/null 2>&1
SCHEMA="bench_$(date +%s)"
psql -X -q "$INLET_POSTGRES_URL" -c "CREATE SCHEMA $SCHEMA"
export INLET_POSTGRES_URL="$INLET_POSTGRES_URL?options=-csearch_path%3D$SCHEMA"
export INLET_LOG_LEVEL="${INLET_LOG_LEVEL:-warning}"
$BIN topics create >/dev/null

source Benchmarks/processes.sh
# Any HTTP answer means the server is up (curl prints 000 while nothing listens).
wait_http() { for _ in $(seq 1 300); do [ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" != 000 ] && return 0; sleep 0.1; done; die "$1 did not answer"; }
# 200 from a readiness endpoint (a consumer stage answers 503 until it owns partitions).
wait_ready() { for _ in $(seq 1 600); do [ "$(curl -s -o /dev/null -w '%{http_code}' "$1")" = 200 ] && return 0; sleep 0.1; done; die "$1 did not become ready"; }
peak_rss_mb() { awk '/VmHWM/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo 0; }

# --- baseline 1: a bare Hummingbird server answering 202, same load -----------------------------------------------
$BENCH bare-server --port 18081 & bare=$!; pids+=("$bare")
wait_http "http://127.0.0.1:18081/webhooks/github/x"
log "baseline: bare HTTP server, $N requests at concurrency $C"
# Warmed up like every HTTP row (connections, first allocations); kept running for the receiver-alone rows below,
# which measure it again right before each of theirs.
$BENCH load --url http://127.0.0.1:18081 --requests 500 --concurrency "$C" > /dev/null
$BENCH load --url http://127.0.0.1:18081 --requests "$N" --concurrency "$C" > "$RUN/bare.json"

# --- baseline 2: the broker's produce rate for the same bytes; baseline 3: PostgreSQL's upsert rate ----------------
log "baseline: broker produce rate ($N records)"
$BENCH produce-baseline --requests "$N" --concurrency "$C" --brokers "$INLET_KAFKA_BROKERS" > "$RUN/produce.json"
log "baseline: PostgreSQL multi-row upsert rate ($N rows)"
$BENCH upsert-baseline --rows "$N" --postgres "$INLET_POSTGRES_URL" > "$RUN/upsert.json"

# --- the pipeline: five stage processes and the subscriber sink --------------------------------------------------
declare -A stage_pid
$BIN sink --port 8090 --quiet & stage_pid[sink]=$!; pids+=("${stage_pid[sink]}")
# Admin endpoints on ports of the benchmark's own (five stages on one host cannot all take 9400, and a `make run`
# may hold it), so the load can wait until every consumer group has joined and owns its partitions: the first
# join takes seconds on Tansu, and a stage that is still starting is not what the end-to-end rate should measure.
admin_base="${BENCH_ADMIN_PORT_BASE:-19400}"
admin_index=0
for stage in receiver deduplicator mapper persister deliverer; do
  admin_index=$((admin_index + 1))
  INLET_ADMIN_PORT=$((admin_base + admin_index)) $BIN "$stage" > "$RUN/$stage.log" 2>&1 & stage_pid[$stage]=$!; pids+=("${stage_pid[$stage]}")
done
wait_http "http://127.0.0.1:$INLET_RECEIVER_PORT/readyz"
wait_http "http://127.0.0.1:8090/inlet/stats"
for port in $(seq $((admin_base + 2)) $((admin_base + 5))); do wait_ready "http://127.0.0.1:$port/readyz"; done

log "pipeline: $N signed webhooks at concurrency $C"
$BENCH load --url "http://127.0.0.1:$INLET_RECEIVER_PORT" --requests "$N" --concurrency "$C" > "$RUN/receiver.json"
unique=$(python3 -c "import json,sys; print(json.load(open('$RUN/receiver.json'))['unique'])")
# End to end starts with the first request (the loader prepares and signs every body before that).
started=$(python3 -c "import json,sys; print(json.load(open('$RUN/receiver.json'))['started_unix'])")

stored_rows() { psql -X -tA "$INLET_POSTGRES_URL" -c "SELECT count(*) FROM pull_request" 2>/dev/null || echo 0; }
delivered_records() { curl -sf http://127.0.0.1:8090/inlet/stats | python3 -c "import json,sys; print(json.load(sys.stdin)['records'])" 2>/dev/null || echo 0; }
# Waits until PostgreSQL holds $1 pull requests and the sink has received $1 records (at most 900 s).
wait_stored_and_delivered() {
  local deadline=$(( $(date +%s) + 900 ))
  until [ "$(stored_rows)" -ge "$1" ] && [ "$(delivered_records)" -ge "$1" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { log "gave up after 900 s: rows=$(stored_rows) delivered=$(delivered_records), expected $1"; return; }
    sleep 0.2
  done
}

log "waiting until all $unique unique events are stored and delivered"
wait_stored_and_delivered "$unique"
finished=$(date +%s.%N)
sleep 2  # let late duplicates (if any) show up before counting them
rows=$(psql -X -tA "$INLET_POSTGRES_URL" -c "SELECT count(*) FROM pull_request")
delivered=$(curl -sf http://127.0.0.1:8090/inlet/stats | python3 -c "import json,sys; print(json.load(sys.stdin)['records'])")

rss="{"
for stage in receiver deduplicator mapper persister deliverer; do rss+="\"$stage\": $(peak_rss_mb "${stage_pid[$stage]}"),"; done
rss="${rss%,}}"

# --- memory on a backlog: N more webhooks received while no stage consumes, then drained ---------------------------
# The worst case for a consuming stage's memory is catching up (after an outage, a deploy or a replay): the broker
# then serves fetches faster than the stage works, and its buffers fill to their bounds. The four consuming stages
# stop, the receiver takes N new pull requests, and new stage processes (same groups, so they start at the backlog)
# drain it; their peak RSS is the backlog row.
consuming_stages=(deduplicator mapper persister deliverer)
for stage in "${consuming_stages[@]}"; do kill -TERM "${stage_pid[$stage]}" 2>/dev/null || true; done
for stage in "${consuming_stages[@]}"; do wait "${stage_pid[$stage]}" 2>/dev/null || true; done
log "backlog: $N more webhooks while no stage consumes, then the four consuming stages drain them"
$BENCH load --url "http://127.0.0.1:$INLET_RECEIVER_PORT" --requests "$N" --concurrency "$C" --first-id 1100000000 > "$RUN/backlog-load.json"
backlog_unique=$(python3 -c "import json; print(json.load(open('$RUN/backlog-load.json'))['unique'])")
backlog_target=$((unique + backlog_unique))
admin_index=1
for stage in "${consuming_stages[@]}"; do
  admin_index=$((admin_index + 1))
  INLET_ADMIN_PORT=$((admin_base + admin_index)) $BIN "$stage" > "$RUN/$stage-backlog.log" 2>&1 & stage_pid[$stage]=$!; pids+=("${stage_pid[$stage]}")
done
backlog_started=$(date +%s.%N)
wait_stored_and_delivered "$backlog_target"
backlog_seconds=$(python3 -c "print($(date +%s.%N) - $backlog_started)")
sleep 2  # as above: late duplicates
backlog_rows=$(stored_rows); backlog_delivered=$(delivered_records)
backlog_rss="{"
for stage in "${consuming_stages[@]}"; do backlog_rss+="\"$stage\": $(peak_rss_mb "${stage_pid[$stage]}"),"; done
backlog_rss="${backlog_rss%,}}"

# --- the mapper stage alone against a consume-and-produce loop over the same records (issue 5) --------------------
# On the same broker, after the stages stopped: they then neither take CPU from it nor consume what it produces.
for stage in receiver deduplicator mapper persister deliverer; do kill -TERM "${stage_pid[$stage]}" 2>/dev/null || true; done
for stage in receiver deduplicator mapper persister deliverer; do wait "${stage_pid[$stage]}" 2>/dev/null || true; done
log "mapper alone: $N pull_request records through the mapper, against a plain consume-and-produce loop"
$BENCH mapper-bench --records "$N" --partitions "$INLET_TOPIC_PARTITIONS" --brokers "$INLET_KAFKA_BROKERS" > "$RUN/mapper.json"
# --- replay rate (issue 6): inlet replay with a filter into a replay topic against reading the same ranges ---------
log "replay: $N records replayed with a filter, against reading the same ranges"
$BENCH replay-bench --brokers "$INLET_KAFKA_BROKERS" --records "$N" --rounds 3 --partitions "$INLET_TOPIC_PARTITIONS" \
  --postgres "$INLET_POSTGRES_URL" > "$RUN/replay.json"

# --- provider families at the receiver alone (issue 4): HMAC (Stripe), URL-signing (Twilio), asymmetric (Discord) ---
# Each against two servers measured right before it: the receiver's own server answering 202 with no verification
# and no broker (the issue's baseline: same channel handlers, limits and event loops, from the same INLET_* settings,
# webhooks answered on the event loop as the receiver does) and the bare Hummingbird server above (its router). A short warm-up first (connections, topic metadata)
# is not counted.
INLET_ADMIN_PORT=0 $BIN receiver > "$RUN/receiver-families.log" 2>&1 & families_pid=$!; pids+=("$families_pid")
$BENCH receiver-baseline --port 18082 > "$RUN/receiver-baseline.log" 2>&1 & same_pid=$!; pids+=("$same_pid")
wait_http "http://127.0.0.1:$INLET_RECEIVER_PORT/readyz"
wait_http "http://127.0.0.1:18082/webhooks/github/x"
for family in "hmac-github github - pull_request" \
              "hmac stripe deploy/local/samples/stripe/customer_created.json customer.created" \
              "url-signing twilio deploy/local/samples/twilio/delivered.form delivered" \
              "asymmetric discord deploy/local/samples/discord/application_authorized.json APPLICATION_AUTHORIZED"; do
  read -r name definition sample event <<< "$family"
  log "receiver alone, $name family ($definition): $N requests at concurrency $C"
  args=(--concurrency "$C" --repeat-fraction 0 --definition "$definition" --event "$event")
  # GitHub: the pipeline row's generated ~3 KB pull requests (unique IDs); the others: the definition's sample.
  [ "$sample" = - ] || args+=(--sample "$sample")
  $BENCH load "${args[@]}" --url "http://127.0.0.1:$INLET_RECEIVER_PORT" --requests 500 > /dev/null
  $BENCH load "${args[@]}" --url http://127.0.0.1:18082 --requests 500 > /dev/null
  # Both baselines again just before, with the same body and headers: the ratios compare neighbouring runs, since
  # other load on a shared machine comes and goes within a minute.
  $BENCH load "${args[@]}" --url http://127.0.0.1:18081 --requests "$N" > "$RUN/family-$name-bare.json"
  $BENCH load "${args[@]}" --url http://127.0.0.1:18082 --requests "$N" > "$RUN/family-$name-same.json"
  $BENCH load "${args[@]}" --url "http://127.0.0.1:$INLET_RECEIVER_PORT" --requests "$N" > "$RUN/family-$name.json"
done
kill -TERM "$families_pid" "$same_pid"; wait "$families_pid" "$same_pid" 2>/dev/null || true
stop_started_processes; trap - EXIT
psql -X -q "${INLET_POSTGRES_URL%%\?*}" -c "DROP SCHEMA $SCHEMA CASCADE"

python3 - "$RUN" "$started" "$finished" "$unique" "$rows" "$delivered" "$rss" "$backlog_unique" "$backlog_seconds" "$backlog_rows" "$backlog_delivered" "$backlog_rss" <<'PY'
import json, os, sys
run, started, finished, unique, rows, delivered, rss = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), json.loads(sys.argv[7])
backlog_unique, backlog_seconds, backlog_rows, backlog_delivered, backlog_rss = int(sys.argv[8]), float(sys.argv[9]), int(sys.argv[10]), int(sys.argv[11]), json.loads(sys.argv[12])
load = lambda name: json.load(open(f"{run}/{name}.json"))
bare, receiver, produce, upsert, mapper, replay = load("bare"), load("receiver"), load("produce"), load("upsert"), load("mapper"), load("replay")
e2e = unique / (finished - started)
result = {
  "receiver": {"requests_per_second": receiver["requests_per_second"], "p50_ms": receiver["p50_ms"], "p99_ms": receiver["p99_ms"], "statuses": receiver["statuses"]},
  "bare_server": {"requests_per_second": bare["requests_per_second"], "p50_ms": bare["p50_ms"], "p99_ms": bare["p99_ms"]},
  "broker_produce_per_second": produce["records_per_second"],
  "postgres_upsert_rows_per_second": upsert["rows_per_second"],
  "end_to_end_events_per_second": e2e, "unique_events": unique, "rows": rows, "rows_beyond_unique": rows - unique,
  "delivered_records": delivered, "deliveries_beyond_unique": delivered - unique, "peak_rss_mb": rss,
  "mapper_alone": mapper, "replay": replay,
  "backlog": {"unique_events": backlog_unique, "drain_seconds": backlog_seconds, "events_per_second": backlog_unique / backlog_seconds,
              "rows": backlog_rows - rows, "delivered_records": backlog_delivered - delivered, "peak_rss_mb": backlog_rss},
  "receiver_families": {name: load(f"family-{name}") for name in ("hmac-github", "hmac", "url-signing", "asymmetric")},
  "receiver_families_bare": {name: load(f"family-{name}-bare") for name in ("hmac-github", "hmac", "url-signing", "asymmetric")},
  "receiver_families_same_server": {name: load(f"family-{name}-same") for name in ("hmac-github", "hmac", "url-signing", "asymmetric")},
}
json.dump(result, open(f"{run}/result.json", "w"), indent=2)
def families_report():
    lines = []
    for name, family in result["receiver_families"].items():
        same, bare = result["receiver_families_same_server"][name], result["receiver_families_bare"][name]
        rate = family['requests_per_second']
        lines.append(f"receiver alone, {name:11s} req/s {rate:8.0f}   same server, 202 only {same['requests_per_second']:9.0f}   "
                     f"{rate/same['requests_per_second']:6.2f}  (p50 / p99 {family['p50_ms']:.1f} / {family['p99_ms']:.1f} ms; statuses {family['statuses']})")
        lines.append(f"{'':32s}             bare Hummingbird 202  {bare['requests_per_second']:9.0f}   {rate/bare['requests_per_second']:6.2f}")
    return "\n".join(lines)
print(f"""
Inlet pipeline benchmark: {receiver['requests']} signed GitHub pull_request webhooks (~3 KB, {receiver['repeats']} repeats), concurrency {receiver['concurrency']}, {os.environ.get('INLET_TOPIC_PARTITIONS', '1')} partitions per topic
                                   measured        baseline (same run)          ratio
receiver  verified+acked req/s  {receiver['requests_per_second']:10.0f}   bare Hummingbird 202  {bare['requests_per_second']:9.0f}   {receiver['requests_per_second']/bare['requests_per_second']:6.2f}
receiver  p50 / p99 ms          {receiver['p50_ms']:5.1f} / {receiver['p99_ms']:5.1f}   bare                {bare['p50_ms']:5.1f} / {bare['p99_ms']:5.1f}
end to end events/s             {e2e:10.0f}   broker produce/s      {produce['records_per_second']:9.0f}   {e2e/produce['records_per_second']:6.3f}
                                               PostgreSQL upsert rows/s {upsert['rows_per_second']:6.0f}   {e2e/upsert['rows_per_second']:6.3f}
mapper alone events/s           {mapper['mapper_records_per_second']:10.0f}   consume+produce/s     {mapper['copy_records_per_second']:9.0f}   {mapper['mapper_to_copy_ratio']:6.2f}  (mapping costs {mapper['mapping_cost']:.0%} of the rate, goal < 25 %; CPU/record {mapper['mapper_cpu_us_per_record']:.0f} vs {mapper['copy_cpu_us_per_record']:.0f} µs)
replay records/s (filtered)     {replay['replay_records_per_second']:10.0f}   read same ranges/s    {replay['read_records_per_second']:9.0f}   {replay['replay_to_read_ratio']:6.2f}
{families_report()}
rows stored / unique            {rows} / {unique}  (beyond unique: {rows-unique}, must be 0)
records delivered / unique      {delivered} / {unique}  (beyond unique: {delivered-unique})
receiver statuses               {receiver['statuses']}
peak RSS MB per stage           {rss}
backlog of {backlog_unique} drained         {backlog_unique / backlog_seconds:.0f} events/s; rows / deliveries {backlog_rows - rows} / {backlog_delivered - delivered}; peak RSS MB {backlog_rss}
(details: {run}/result.json)""")
PY
