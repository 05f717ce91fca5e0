#!/usr/bin/env bash
# MCP Cloud's own processes, natively: gateway, five workers (one queue each), Flower.
#   scripts/stack.sh start    start what is not running, wait until each is ready
#   scripts/stack.sh stop     stop them (TERM, then KILL after 20 s)
#   scripts/stack.sh status   one line each; exit 1 if any is down
# Logs in .data/logs/<name>.log (appended to, a marker line per start), pid files in
# .data/run/. Each process gets its own process group, so stop also ends a worker's pool
# children. `start` starts again a process whose pid file is stale: the pid is gone, a
# zombie, or another program (then what is left of its process group is killed first).
# Env: GATEWAY_PORT, FLOWER_PORT, WEB_PORT, WORKER_CONCURRENCY; STACK_DATA (default .data)
# for the pid and log folders; STACK_SERVICES (e.g. "policy k8s") to manage only those.
# The processes read their stores from MCP_* settings (shared/settings.py).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
DATA="${STACK_DATA:-$ROOT/.data}"
RUN="$DATA/run"
LOGS="$DATA/logs"
GATEWAY_PORT="${GATEWAY_PORT:-8000}"
FLOWER_PORT="${FLOWER_PORT:-5555}"
WEB_PORT="${WEB_PORT:-3000}"
CONCURRENCY="${WORKER_CONCURRENCY:-1}"
WORKERS=(rag terraform policy github k8s)
if [ -n "${STACK_SERVICES:-}" ]; then read -r -a SERVICES <<<"$STACK_SERVICES"; else SERVICES=(gateway "${WORKERS[@]}" flower web); fi
mkdir -p "$RUN" "$LOGS"

log() { echo "[stack] $*" >&2; }

venv_for() { [ "$1" = policy ] && echo "$ROOT/.venv-policy" || echo "$ROOT/.venv"; }

command_for() {
  case "$1" in
    gateway) echo "$ROOT/.venv/bin/uvicorn services.gateway.app:app --host 127.0.0.1 --port $GATEWAY_PORT" ;;
    web) echo "$ROOT/.venv/bin/uvicorn services.web.server:app --host 127.0.0.1 --port $WEB_PORT" ;;
    flower) echo "$ROOT/.venv/bin/celery -A deploy.docker.flower_app flower --address=127.0.0.1 --port=$FLOWER_PORT" ;;
    *) echo "$(venv_for "$1")/bin/celery -A services.$1.worker worker -Q $1 -n $1@%h --concurrency=$CONCURRENCY -l INFO" ;;
  esac
}

pattern_for() {
  case "$1" in gateway) echo "services.gateway.app" ;; web) echo "services.web.server" ;; flower) echo "flower" ;;
    *) echo "services.$1.worker" ;; esac
}

# Alive: the pid exists, is not a zombie, and is still our program (a pid can be reused).
alive() {
  local pid state
  [ -s "$RUN/$1.pid" ] || return 1
  pid="$(cat "$RUN/$1.pid")"
  kill -0 "$pid" 2>/dev/null || return 1
  state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || echo X)"
  [ "$state" != Z ] && [ "$state" != X ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$(pattern_for "$1")"
}

# What is left of a dead process's group (a killed worker's pool children) is ended first.
reap_stale() {
  local name="$1" pid
  [ -s "$RUN/$name.pid" ] || return 0
  pid="$(cat "$RUN/$name.pid")"
  if kill -0 -- "-$pid" 2>/dev/null; then
    log "$name: pid $pid is gone or a zombie; killing what is left of its process group"
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$RUN/$name.pid" "$RUN/$name.offset"
}

ready() {
  case "$1" in
    gateway) curl -fsS "http://127.0.0.1:$GATEWAY_PORT/healthz" >/dev/null 2>&1 ;;
    flower) curl -fsS "http://127.0.0.1:$FLOWER_PORT/healthcheck" >/dev/null 2>&1 ;;
    web) curl -fsS "http://127.0.0.1:$WEB_PORT/healthz" >/dev/null 2>&1 ;;
    *) tail -c "+$(( $(cat "$RUN/$1.offset" 2>/dev/null || echo 0) + 1 ))" "$LOGS/$1.log" 2>/dev/null |
         grep -q "$1@.* ready\." ;;
  esac
}

start_one() {
  local name="$1"
  if alive "$name"; then log "$name already running (pid $(cat "$RUN/$name.pid"))"; return; fi
  reap_stale "$name"
  touch "$LOGS/$name.log"
  stat -c %s "$LOGS/$name.log" >"$RUN/$name.offset"  # readiness is read from this start's lines only
  echo "--- stack.sh start $(date -u +%FT%TZ) ---" >>"$LOGS/$name.log"
  # shellcheck disable=SC2046
  setsid nohup $(command_for "$name") >>"$LOGS/$name.log" 2>&1 </dev/null &
  echo $! >"$RUN/$name.pid"
  log "started $name (pid $!)"
}

wait_ready() {
  local name="$1"
  for _ in $(seq 180); do
    ready "$name" && return 0
    alive "$name" || { log "$name exited; last lines of $LOGS/$name.log:"; tail -n 30 "$LOGS/$name.log" >&2; return 1; }
    sleep 1
  done
  log "$name not ready after 180 s; see $LOGS/$name.log"; return 1
}

stop_one() {
  local name="$1" pid
  alive "$name" || { reap_stale "$name"; return 0; }
  pid="$(cat "$RUN/$name.pid")"
  # TERM to the main process only: Celery's warm shutdown lets running tasks finish.
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  kill -KILL -- "-$pid" 2>/dev/null || true
  rm -f "$RUN/$name.pid" "$RUN/$name.offset"
  log "stopped $name"
}

case "${1:-}" in
  start)
    for name in "${SERVICES[@]}"; do start_one "$name"; done
    for name in "${SERVICES[@]}"; do wait_ready "$name"; done
    log "ready: console http://127.0.0.1:$WEB_PORT  gateway http://127.0.0.1:$GATEWAY_PORT  flower http://127.0.0.1:$FLOWER_PORT"
    log "$("$ROOT/.venv/bin/python" -m deploy.docker.flower_auth)"  # where Flower's login is (never the password)
    ;;
  stop)
    for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do stop_one "${SERVICES[i]}"; done
    ;;
  status)
    down=0
    for name in "${SERVICES[@]}"; do
      if alive "$name" && ready "$name"; then echo "$name up (pid $(cat "$RUN/$name.pid"))"; else echo "$name down"; down=1; fi
    done
    exit "$down"
    ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
