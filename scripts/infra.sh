#!/usr/bin/env bash
# Local infrastructure for MCP Cloud: Postgres, Redis and Neo4j on 127.0.0.1, data under .data/.
#   scripts/infra.sh install   apt-get what is missing, build the Neo4j runner (deploy/neo4j)
#   scripts/infra.sh start     install if needed, start what is not answering, wait until all answer
#   scripts/infra.sh stop      stop what this script started (pid files under .data/)
#   scripts/infra.sh status    print up/down for each; exit 1 if any is down
# Env: PGPORT (5432), REDIS_PORT (6379), NEO4J_BOLT_ADDRESS (127.0.0.1:7687), NEO4J_JAVA_OPTS,
#      NEO4J_HTTP_ADDRESS (127.0.0.1:7474: Neo4j's HTTP connector, serving the Neo4j Browser at
#      /browser/; `off` for none).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="$ROOT/.data"
PGPORT="${PGPORT:-5432}"
REDIS_PORT="${REDIS_PORT:-6379}"
NEO4J_BOLT_ADDRESS="${NEO4J_BOLT_ADDRESS:-127.0.0.1:7687}"
NEO4J_HTTP_ADDRESS="${NEO4J_HTTP_ADDRESS:-127.0.0.1:7474}"
NEO4J_JAVA_OPTS="${NEO4J_JAVA_OPTS:--Xms256m -Xmx1g -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError}"
NEO4J_DIR="$ROOT/deploy/neo4j"
NEO4J_CLASS="$NEO4J_DIR/target/classes/io/mcpcloud/neo4j/LocalNeo4j.class"

log() { echo "[infra] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

pg_bindir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1; }

# Postgres refuses to run as root: as root, run its tools as the `postgres` OS user.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

port_open() { timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }

pid_alive() { # pidfile [cmdline-pattern]
  local pid
  [ -s "$1" ] && pid="$(head -n1 "$1")" && kill -0 "$pid" 2>/dev/null || return 1
  [ -z "${2:-}" ] || tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$2"
}

wait_for() { # seconds description command...
  local secs="$1" what="$2"; shift 2
  for _ in $(seq "$secs"); do "$@" && return 0; sleep 1; done
  log "$what: gave up after ${secs}s"; return 1
}

# ---------------------------------------------------------------- install
cmd_install() {
  local pkgs=()
  [ -n "$(pg_bindir)" ] || pkgs+=(postgresql)
  command -v redis-server >/dev/null || pkgs+=(redis-server)
  command -v java >/dev/null || pkgs+=(openjdk-17-jdk-headless)
  command -v mvn >/dev/null || pkgs+=(maven)
  if [ "${#pkgs[@]}" -gt 0 ]; then
    [ "$(id -u)" = 0 ] || die "missing ${pkgs[*]}; run install as root"
    log "apt-get install ${pkgs[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${pkgs[@]}" >/dev/null
  fi
  if [ ! -f "$NEO4J_CLASS" ] || ! ls "$NEO4J_DIR"/target/lib/neo4j-harness-*.jar >/dev/null 2>&1 ||
     [ -n "$(find "$NEO4J_DIR/pom.xml" "$NEO4J_DIR/src" -newer "$NEO4J_CLASS" -type f)" ]; then
    log "building Neo4j runner (first build downloads ~150 MB from Maven Central)"
    mvn -q -B -Dstyle.color=never -f "$NEO4J_DIR/pom.xml" package >&2
  fi
}

# ---------------------------------------------------------------- postgres
pg_paths() {
  local base="$DATA" id; id="$(printf %s "$ROOT" | cksum | cut -d' ' -f1)"
  # The postgres OS user must reach the cluster; a checkout under /root (mode 700) is not reachable,
  # so then the cluster lives in postgres's home instead, one per checkout.
  if [ "$(id -u)" = 0 ] && id postgres >/dev/null 2>&1 && ! runuser -u postgres -- test -x "$DATA"; then
    base="/var/lib/postgresql/mcpcloud-$id"
    log "postgres: $DATA not reachable by the postgres user; using $base"
  fi
  PGDATA_DIR="$base/postgres" PGLOG="$base/postgres.log" PGSOCK="$base/pgsock"
  [ "${#PGSOCK}" -le 80 ] || PGSOCK="/tmp/mcpcloud-pgsock-$id" # unix socket paths are limited to ~107 bytes
}
pg_running() { pid_alive "$PGDATA_DIR/postmaster.pid" postgres; }
pg_ours() { pg_running && [ "$(sed -n 4p "$PGDATA_DIR/postmaster.pid")" = "$PGPORT" ]; }
pg_up() { "$(pg_bindir)/pg_isready" -q -h 127.0.0.1 -p "$PGPORT"; }

pg_provision() { # psql args to connect as superuser
  "$@" -v ON_ERROR_STOP=1 -q -d postgres >/dev/null <<'SQL'
DO $$BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'mcpcloud') THEN
    CREATE ROLE mcpcloud LOGIN CREATEDB PASSWORD 'mcpcloud';
  END IF;
END$$;
SELECT 'CREATE DATABASE mcpcloud OWNER mcpcloud' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'mcpcloud')\gexec
SELECT 'CREATE DATABASE mcpcloud_test OWNER mcpcloud' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'mcpcloud_test')\gexec
SQL
}

pg_start() {
  local bin; bin="$(pg_bindir)"
  pg_paths
  if pg_up && ! pg_ours; then
    # Something else (typically Debian's postgresql@15-main service) already serves this port.
    # Clients only know 127.0.0.1:$PGPORT + mcpcloud/mcpcloud, so the robust choice is to use that
    # server and create our role/databases in it rather than fail or move to another port.
    # `stop` leaves such a server alone. To run ours instead, stop it or set PGPORT.
    log "postgres: port $PGPORT is served by a server not started here; provisioning it"
    # Another checkout's server (its socket is not in the default folder) already has our role:
    # it creates the databases itself (CREATEDB) over TCP. Otherwise the postgres superuser must.
    if PGPASSWORD=mcpcloud "$bin/psql" -h 127.0.0.1 -p "$PGPORT" -U mcpcloud -d postgres -qtAc 'SELECT 1' >/dev/null 2>&1; then
      PGPASSWORD=mcpcloud pg_provision "$bin/psql" -h 127.0.0.1 -p "$PGPORT" -U mcpcloud
      return
    fi
    [ "$(id -u)" = 0 ] || die "need root (su postgres) to create role/databases in the existing server"
    pg_provision runuser -u postgres -- "$bin/psql" -p "$PGPORT"
    return
  fi
  mkdir -p "$PGDATA_DIR" "$PGSOCK"
  touch "$PGLOG"
  [ "$(id -u)" = 0 ] && chown postgres: "$PGDATA_DIR" "$PGSOCK" "$PGLOG"
  chmod 700 "$PGDATA_DIR"
  if [ ! -s "$PGDATA_DIR/PG_VERSION" ]; then
    log "postgres: initdb $PGDATA_DIR"
    as_pg "$bin/initdb" -D "$PGDATA_DIR" -U postgres -E UTF8 --no-locale \
      --auth-local=trust --auth-host=scram-sha-256 >/dev/null
    cat >>"$PGDATA_DIR/postgresql.conf" <<EOF
# added by scripts/infra.sh
listen_addresses = '127.0.0.1'
max_connections = 200
EOF
  fi
  pg_running && ! pg_ours && die "our postgres runs on another port than $PGPORT; run stop first"
  if ! pg_ours; then
    log "postgres: starting on 127.0.0.1:$PGPORT"
    as_pg "$bin/pg_ctl" -D "$PGDATA_DIR" -l "$PGLOG" -o "-p $PGPORT -k '$PGSOCK'" -w -t 60 start >/dev/null ||
      { tail -n 20 "$PGLOG" >&2; die "postgres failed to start"; }
  fi
  wait_for 30 postgres pg_up
  pg_provision "$bin/psql" -h "$PGSOCK" -p "$PGPORT" -U postgres
}

pg_stop() {
  pg_paths
  pg_running || return 0
  log "postgres: stopping"
  as_pg "$(pg_bindir)/pg_ctl" -D "$PGDATA_DIR" -m fast -w -t 60 stop >/dev/null
}

# ---------------------------------------------------------------- redis
redis_up() { [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; }

redis_start() {
  if redis_up; then
    pid_alive "$DATA/redis.pid" redis-server || log "redis: port $REDIS_PORT served by a redis not started here; using it"
    return
  fi
  log "redis: starting on 127.0.0.1:$REDIS_PORT"
  mkdir -p "$DATA/redis"
  # appendonly: queued Celery messages survive a restart.
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes --databases 64 --dir "$DATA/redis" \
    --pidfile "$DATA/redis.pid" --logfile "$DATA/redis.log" --save "" --appendonly yes
  wait_for 30 redis redis_up || { tail -n 20 "$DATA/redis.log" >&2; die "redis failed to start"; }
}

redis_stop() {
  pid_alive "$DATA/redis.pid" redis-server || return 0
  log "redis: stopping"
  local pid; pid="$(head -n1 "$DATA/redis.pid")"
  kill -TERM "$pid"
  wait_for 30 "redis shutdown" bash -c "! kill -0 $pid 2>/dev/null"
  rm -f "$DATA/redis.pid"
}

# ---------------------------------------------------------------- neo4j
neo4j_up() { port_open "${NEO4J_BOLT_ADDRESS%:*}" "${NEO4J_BOLT_ADDRESS##*:}"; }
neo4j_ours() { pid_alive "$DATA/neo4j.pid" io.mcpcloud.neo4j.LocalNeo4j; }
neo4j_http() { [ "$NEO4J_HTTP_ADDRESS" != off ]; }
browser_up() { neo4j_http && port_open "${NEO4J_HTTP_ADDRESS%:*}" "${NEO4J_HTTP_ADDRESS##*:}"; }

neo4j_start() {
  if neo4j_up; then
    neo4j_ours || log "neo4j: $NEO4J_BOLT_ADDRESS served by a process not started here; using it"
    neo4j_http && ! browser_up &&
      log "neo4j: nothing serves http://$NEO4J_HTTP_ADDRESS/browser/ (started before the HTTP connector was on? stop, then start)"
    return 0
  fi
  neo4j_ours && die "neo4j runner (pid $(cat "$DATA/neo4j.pid")) is alive but Bolt does not answer; run stop"
  log "neo4j: starting on bolt://$NEO4J_BOLT_ADDRESS$(neo4j_http && echo ", Neo4j Browser on http://$NEO4J_HTTP_ADDRESS/browser/")"
  mkdir -p "$DATA/neo4j"
  touch "$DATA/neo4j.log"
  local from=$(($(wc -l <"$DATA/neo4j.log") + 1)) http=""
  neo4j_http && http="$NEO4J_HTTP_ADDRESS"
  # Own session (setsid): Neo4j outlives the shell or job that started it, like the other daemons.
  # shellcheck disable=SC2086
  NEO4J_HTTP_ADDRESS="$http" setsid nohup java $NEO4J_JAVA_OPTS -cp "$NEO4J_DIR/target/classes:$NEO4J_DIR/target/lib/*" \
    io.mcpcloud.neo4j.LocalNeo4j "$NEO4J_BOLT_ADDRESS" "$DATA/neo4j" >>"$DATA/neo4j.log" 2>&1 </dev/null &
  echo $! >"$DATA/neo4j.pid"
  local ready=0
  for _ in $(seq 120); do
    # Alive, not "ours": until the forked shell has exec'd setsid/java, its command line is
    # still this script's, and the pattern check would end the wait at once.
    pid_alive "$DATA/neo4j.pid" || break
    if tail -n "+$from" "$DATA/neo4j.log" | grep -q '^neo4j ready' && neo4j_up; then ready=1; break; fi
    sleep 1
  done
  if [ "$ready" != 1 ]; then
    tail -n 30 "$DATA/neo4j.log" >&2
    neo4j_stop
    die "neo4j failed to start (log: $DATA/neo4j.log, $DATA/neo4j/logs/debug.log)"
  fi
}

neo4j_stop() {
  neo4j_ours || { rm -f "$DATA/neo4j.pid"; return 0; }
  log "neo4j: stopping"
  local pid; pid="$(head -n1 "$DATA/neo4j.pid")"
  kill -TERM "$pid"
  wait_for 60 "neo4j shutdown" bash -c "! kill -0 $pid 2>/dev/null" || kill -KILL "$pid"
  rm -f "$DATA/neo4j.pid"
}

# ---------------------------------------------------------------- main
cmd_start() {
  cmd_install
  pg_start
  redis_start
  neo4j_start
  cmd_status
}

cmd_stop() { neo4j_stop; redis_stop; pg_stop; }

cmd_status() {
  local rc=0 state
  state=down; [ -n "$(pg_bindir)" ] && pg_up && state=up || rc=1
  echo "postgres $state 127.0.0.1:$PGPORT"
  state=down; command -v redis-cli >/dev/null && redis_up && state=up || rc=1
  echo "redis    $state 127.0.0.1:$REDIS_PORT"
  state=down; neo4j_up && state=up || rc=1
  echo "neo4j    $state bolt://$NEO4J_BOLT_ADDRESS"
  if neo4j_http; then
    state=down; browser_up && state=up
    echo "browser  $state http://$NEO4J_HTTP_ADDRESS/browser/"
  fi
  return "$rc"
}

mkdir -p "$DATA"
case "${1:-}" in
  install) cmd_install ;;
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: $0 install|start|stop|status" >&2; exit 2 ;;
esac
