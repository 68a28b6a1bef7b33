# Sourced by the benchmark scripts: the processes a script starts, stopped when it exits.
# A script appends each process it starts to `pids`; on exit they get SIGTERM, and the script's broker (at
# $INLET_STATE_DIR/tansu-$INLET_KAFKA_PORT.pid) is killed: it holds every record it was sent in memory, and Tansu
# ignores SIGTERM.
pids=()
stop_started_processes() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -f "$INLET_STATE_DIR/tansu-$INLET_KAFKA_PORT.pid" ] && kill -KILL "$(cat "$INLET_STATE_DIR/tansu-$INLET_KAFKA_PORT.pid")" 2>/dev/null || true
}
trap stop_started_processes EXIT
