#!/usr/bin/env bash
# Starts the local stack under .inlet/: the Tansu broker and a PostgreSQL 15 cluster.
# Idempotent: a running part is left alone. Logs and pid files live in .inlet/.
set -euo pipefail
here="$(dirname "$0")"
source "$here/env.sh"
bash "$here/install.sh"

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
wait_for() { # wait_for NAME HOST PORT SECONDS
  local i; for ((i = 0; i < $4 * 10; i++)); do port_open "$2" "$3" && return 0; sleep 0.1; done
  die "$1 did not listen on $2:$3 within $4 s; see its log in $INLET_STATE_DIR"
}

# --- broker ---------------------------------------------------------------------------------------
# One broker per port (`make run` uses 9092, `make test` its own), each with its pid file and log.
# INLET_FRESH_BROKER=1 restarts it empty: Tansu keeps everything in memory, and its memory grows with what is produced.
broker_pid="$INLET_STATE_DIR/tansu-$INLET_KAFKA_PORT.pid"
if [ "${INLET_FRESH_BROKER:-0}" = 1 ] && [ -f "$broker_pid" ] && kill -0 "$(cat "$broker_pid")" 2>/dev/null; then
  stale="$(cat "$broker_pid")"
  kill -KILL "$stale"  # Tansu ignores SIGTERM and SIGINT
  while kill -0 "$stale" 2>/dev/null; do sleep 0.1; done
  log "broker on port $INLET_KAFKA_PORT restarted empty"
fi
if [ -f "$broker_pid" ] && kill -0 "$(cat "$broker_pid")" 2>/dev/null; then
  log "broker already running (pid $(cat "$broker_pid"))"
else
  port_open "$INLET_KAFKA_HOST" "$INLET_KAFKA_PORT" && die "port $INLET_KAFKA_PORT is taken by another program; set INLET_KAFKA_PORT"
  log "starting Tansu on $INLET_KAFKA_HOST:$INLET_KAFKA_PORT (memory storage: topics vanish on restart)"
  nohup "$INLET_STATE_DIR/tansu" broker \
    --listener-url "tcp://$INLET_KAFKA_HOST:$INLET_KAFKA_PORT" \
    --advertised-listener-url "tcp://$INLET_KAFKA_HOST:$INLET_KAFKA_PORT" \
    >"$INLET_STATE_DIR/tansu-$INLET_KAFKA_PORT.log" 2>&1 &
  echo $! >"$broker_pid"
  wait_for broker "$INLET_KAFKA_HOST" "$INLET_KAFKA_PORT" 20
fi

# --- PostgreSQL -----------------------------------------------------------------------------------
# initdb and postgres refuse to run as root, so the cluster belongs to the `postgres` user.
# Every parent of the data directory must be traversable by that user.
as_pg() { if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/bash -c "$*"; else bash -c "$*"; fi; }
pg_pid="$INLET_PG_DIR/data/postmaster.pid"
mkdir -p "$INLET_PG_DIR"
if [ "$(id -u)" -eq 0 ]; then
  chown postgres:postgres "$INLET_PG_DIR"
  d="$INLET_PG_DIR"; while [ "$d" != "/" ]; do d="$(dirname "$d")"; chmod o+x "$d" 2>/dev/null || true; done
fi
if [ ! -f "$INLET_PG_DIR/data/PG_VERSION" ]; then
  log "initialising PostgreSQL cluster in $INLET_PG_DIR/data"
  as_pg "'$INLET_PG_BIN/initdb' -D '$INLET_PG_DIR/data' -U postgres --auth=trust -E UTF8 >'$INLET_PG_DIR/initdb.log' 2>&1"
fi
if as_pg "'$INLET_PG_BIN/pg_ctl' -D '$INLET_PG_DIR/data' status" >/dev/null 2>&1; then
  log "PostgreSQL already running on port $INLET_PG_PORT"
else
  log "starting PostgreSQL 15 on 127.0.0.1:$INLET_PG_PORT"
  as_pg "'$INLET_PG_BIN/pg_ctl' -D '$INLET_PG_DIR/data' -l '$INLET_PG_DIR/postgres.log' -w -t 30 \
    -o \"-p $INLET_PG_PORT -k '$INLET_PG_DIR' -c listen_addresses=127.0.0.1 -c max_connections=200\" start" >/dev/null
fi
psql_pg() { as_pg "psql -X -q -h 127.0.0.1 -p $INLET_PG_PORT -U postgres -d postgres -tAc \"$1\""; }
[ "$(psql_pg "SELECT 1 FROM pg_roles WHERE rolname='inlet'")" = "1" ] || psql_pg "CREATE ROLE inlet LOGIN SUPERUSER"
[ "$(psql_pg "SELECT 1 FROM pg_database WHERE datname='inlet'")" = "1" ] || psql_pg "CREATE DATABASE inlet OWNER inlet"
log "stack ready: broker $INLET_KAFKA_BROKERS, PostgreSQL $INLET_POSTGRES_URL"
