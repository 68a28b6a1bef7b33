#!/usr/bin/env bash
# Stops the local stack started by start.sh. The PostgreSQL data stays in .inlet/pg; the broker keeps nothing.
set -uo pipefail
source "$(dirname "$0")/env.sh"
for pid_file in "$INLET_STATE_DIR"/tansu-*.pid; do
  [ -f "$pid_file" ] || continue
  # Tansu ignores SIGTERM and SIGINT; it keeps everything in memory, so SIGKILL loses nothing that would survive.
  pid="$(cat "$pid_file")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid" 2>/dev/null
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    log "broker stopped ($(basename "$pid_file" .pid))"
  fi
  rm -f "$pid_file"
done
if [ -f "$INLET_PG_DIR/data/PG_VERSION" ]; then
  if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/bash -c "'$INLET_PG_BIN/pg_ctl' -D '$INLET_PG_DIR/data' -m fast stop" >/dev/null 2>&1
  else "$INLET_PG_BIN/pg_ctl" -D "$INLET_PG_DIR/data" -m fast stop >/dev/null 2>&1; fi && log "PostgreSQL stopped"
fi
exit 0
