# Shared settings for the local stack scripts. Sourced, never run.
# Every value can be overridden from the environment; the defaults are documented in README.md.
INLET_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
INLET_STATE_DIR="${INLET_STATE_DIR:-$INLET_ROOT/.inlet}"
INLET_VENV="${INLET_VENV:-$INLET_STATE_DIR/venv}"
INLET_KAFKA_HOST="${INLET_KAFKA_HOST:-127.0.0.1}"
INLET_KAFKA_PORT="${INLET_KAFKA_PORT:-9092}"
INLET_PG_PORT="${INLET_PG_PORT:-55432}"
INLET_PG_DIR="${INLET_PG_DIR:-$INLET_STATE_DIR/pg}"
INLET_RECEIVER_PORT="${INLET_RECEIVER_PORT:-8080}"
# One partition per topic on the local stack (production default: 4). Tansu's cost grows with partitions x fetches:
# with the 348 topics of the built-in definitions, 4 partitions each cost Tansu 2.3x the CPU and the receiver p99
# 24.7 ms instead of 14.8 ms in the same receiver-only run (README, "Benchmark results").
INLET_TOPIC_PARTITIONS="${INLET_TOPIC_PARTITIONS:-1}"
# One HTTP event loop for the receiver (default: one per core). With the broker, PostgreSQL and all five stages on
# one small machine, a second loop only adds thread switches: one gave 13 % more events/s end to end (README).
INLET_RECEIVER_EVENT_LOOPS="${INLET_RECEIVER_EVENT_LOOPS:-1}"
INLET_PG_BIN="${INLET_PG_BIN:-/usr/lib/postgresql/15/bin}"
# The directory holding a librdkafka.so.1 link to the wheel's librdkafka 2.16 (see README: Tansu needs it).
INLET_RDKAFKA_LIB_DIR="$INLET_STATE_DIR/lib"
export INLET_ROOT INLET_STATE_DIR INLET_VENV INLET_KAFKA_HOST INLET_KAFKA_PORT INLET_PG_PORT INLET_PG_DIR INLET_TOPIC_PARTITIONS \
  INLET_RECEIVER_PORT INLET_RECEIVER_EVENT_LOOPS INLET_PG_BIN INLET_RDKAFKA_LIB_DIR
export INLET_KAFKA_BROKERS="${INLET_KAFKA_BROKERS:-$INLET_KAFKA_HOST:$INLET_KAFKA_PORT}"
export INLET_POSTGRES_URL="${INLET_POSTGRES_URL:-postgresql://inlet@127.0.0.1:$INLET_PG_PORT/inlet}"
export LD_LIBRARY_PATH="$INLET_RDKAFKA_LIB_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

log() { printf '[inlet-local] %s\n' "$*" >&2; }
die() { printf '[inlet-local] error: %s\n' "$*" >&2; exit 1; }
