#!/usr/bin/env bash
# Stops the local stack started by start.sh. The PostgreSQL data stays in .inlet/pg; the broker keeps nothing.
set -uo pipefail
source "$(dirname "$0")/env.sh"
if [ -f "$INLET_STATE_DIR/tansu.pid" ]; then
  # Tansu ignores SIGTERM and SIGINT; it keeps everything in memory, so SIGKILL loses nothing that would survive.
  pid="$(cat "$INLET_STATE_DIR/tansu.pid")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    log "broker stopped"
  fi
  rm -f "$INLET_STATE_DIR/tansu.pid"
fi
if [ -f "$INLET_PG_DIR/data/PG_VERSION" ]; then
  if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/bash -c "'$INLET_PG_BIN/pg_ctl' -D '$INLET_PG_DIR/data' -m fast stop" >/dev/null 2>&1
  else "$INLET_PG_BIN/pg_ctl" -D "$INLET_PG_DIR/data" -m fast stop >/dev/null 2>&1; fi && log "PostgreSQL stopped"
fi
exit 0
