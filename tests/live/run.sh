#!/usr/bin/env bash
# Live conformance harness: starts a private RabbitMQ 3.10.8 (Debian's package) on 127.0.0.1
# with all of its state in a temporary directory, runs tests/live/oracle.py against it and
# against `switchyard replay --profile rabbitmq-3.10`, then stops the broker and the epmd it
# started, by pid, whatever happened.
#
# Usage: tests/live/run.sh [--seed N] [--cases K] [--only hand|random] [--verbose] ...
#   (all arguments go to oracle.py; see `oracle.py --help`)
# Environment: SWITCHYARD_BIN (default target/release/switchyard), LIVE_PYTHON (a python with
# pika; default ~/.cache/switchyard-tools/live-venv/bin/python), LIVE_KEEP_TMP=1 keeps the
# temporary directory (logs) for inspection.
# scripts/live-conformance.sh installs the prerequisites and builds the runner first.
set -uo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
RMQ_SBIN=/usr/lib/rabbitmq/bin
PY="${LIVE_PYTHON:-$HOME/.cache/switchyard-tools/live-venv/bin/python}"
BIN="${SWITCHYARD_BIN:-$ROOT/target/release/switchyard}"

die() { echo "live conformance: harness error: $*" >&2; echo "live conformance: 0 passed, 1 failed"; exit 2; }
[ -x "$RMQ_SBIN/rabbitmq-server" ] || die "$RMQ_SBIN/rabbitmq-server is missing (run scripts/live-conformance.sh)"
[ -x "$PY" ] && "$PY" -c 'import pika' 2>/dev/null || die "no python with pika at $PY (run scripts/live-conformance.sh)"
[ -x "$BIN" ] || die "no runner at $BIN (cargo build -p switchyard-cli --release)"

TMP="$(mktemp -d /tmp/switchyard-live.XXXXXX)"
SERVER_PID=""
EPMD_PID=""
ORACLE_PID=""

# Stops exactly what this script started: the broker (pid from its pid file, then the wrapper
# shell), then epmd.
cleanup() {
  local pid="" i
  if [ -n "${ORACLE_PID:-}" ] && kill -0 "$ORACLE_PID" 2>/dev/null; then
    kill -TERM "$ORACLE_PID" 2>/dev/null || true
    wait "$ORACLE_PID" 2>/dev/null || true
  fi
  if [ -s "$TMP/rabbit.pid" ]; then
    pid="$(cat "$TMP/rabbit.pid")"
  fi
  for p in $pid $SERVER_PID; do
    if kill -0 "$p" 2>/dev/null; then
      kill -TERM "$p" 2>/dev/null || true
    fi
  done
  for p in $pid $SERVER_PID; do
    for i in $(seq 1 100); do
      kill -0 "$p" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$p" 2>/dev/null; then
      kill -KILL "$p" 2>/dev/null || true
    fi
  done
  if [ -n "$EPMD_PID" ] && kill -0 "$EPMD_PID" 2>/dev/null; then
    kill -TERM "$EPMD_PID" 2>/dev/null || true
    sleep 0.2
    kill -0 "$EPMD_PID" 2>/dev/null && kill -KILL "$EPMD_PID" 2>/dev/null
  fi
  if [ "${LIVE_KEEP_TMP:-0}" = 1 ]; then
    echo "live conformance: kept $TMP" >&2
  else
    rm -rf "$TMP"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Free TCP ports on 127.0.0.1 for AMQP (5672 when free), epmd and Erlang distribution.
read -r AMQP_PORT EPMD_PORT DIST_PORT < <("$PY" - <<'EOF'
import socket
def free(preferred=0):
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", preferred))
    except OSError:
        s.close()
        return free(0)
    port = s.getsockname()[1]
    s.close()
    return port
ports = []
for pref in (5672, 0, 0):
    p = free(pref)
    while p in ports:
        p = free(0)
    ports.append(p)
print(*ports)
EOF
)
[ -n "${DIST_PORT:-}" ] || die "could not find free ports"

mkdir -p "$TMP/home" "$TMP/mnesia" "$TMP/log" "$TMP/etc"
echo '[].' >"$TMP/etc/enabled_plugins"
: >"$TMP/etc/rabbitmq.conf"
export HOME="$TMP/home"
export RABBITMQ_NODENAME=rabbit@localhost
export RABBITMQ_MNESIA_BASE="$TMP/mnesia"
export RABBITMQ_LOG_BASE="$TMP/log"
export RABBITMQ_PID_FILE="$TMP/rabbit.pid"
export RABBITMQ_ENABLED_PLUGINS_FILE="$TMP/etc/enabled_plugins"
export RABBITMQ_CONFIG_FILE="$TMP/etc/rabbitmq"
export RABBITMQ_ADVANCED_CONFIG_FILE="$TMP/etc/advanced.config"
export RABBITMQ_CONF_ENV_FILE="$TMP/etc/rabbitmq-env.conf"
: >"$RABBITMQ_CONF_ENV_FILE"
export RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
export RABBITMQ_NODE_PORT="$AMQP_PORT"
export RABBITMQ_DIST_PORT="$DIST_PORT"
export ERL_EPMD_ADDRESS=127.0.0.1
export ERL_EPMD_PORT="$EPMD_PORT"
export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
export RABBITMQ_CTL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"

START_NS=$(date +%s%N)
# Our own epmd (foreground, so its pid is known); the node registers with it.
epmd -port "$EPMD_PORT" -address 127.0.0.1 >"$TMP/log/epmd.out" 2>&1 &
EPMD_PID=$!
for i in $(seq 1 50); do
  epmd -port "$EPMD_PORT" -names >/dev/null 2>&1 && break
  sleep 0.1
done

"$RMQ_SBIN/rabbitmq-server" </dev/null >"$TMP/log/server.out" 2>&1 &
SERVER_PID=$!

for i in $(seq 1 100); do
  [ -s "$RABBITMQ_PID_FILE" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || break
  sleep 0.1
done
if ! timeout 120 "$RMQ_SBIN/rabbitmqctl" wait --timeout 110 "$RABBITMQ_PID_FILE" >"$TMP/log/wait.out" 2>&1; then
  echo "--- server output" >&2; tail -30 "$TMP/log/server.out" >&2
  echo "--- rabbitmqctl wait" >&2; tail -30 "$TMP/log/wait.out" >&2
  die "RabbitMQ did not start"
fi
echo "live conformance: RabbitMQ up on 127.0.0.1:$AMQP_PORT in $(( ($(date +%s%N) - START_NS) / 1000000 )) ms" >&2

# The definitions every shipped scenario exports, imported into this broker and read back
# (tests/live/imports.py); LIVE_SKIP_IMPORTS=1 leaves it out.
imports=0
if [ "${LIVE_SKIP_IMPORTS:-0}" != 1 ]; then
  mkdir -p "$TMP/imports"
  RABBITMQCTL="$RMQ_SBIN/rabbitmqctl" TMPDIR="$TMP/imports" \
    "$PY" "$HERE/imports.py" --switchyard "$BIN" --scenarios "$ROOT/scenarios" \
    --scenarios "$HERE/scenarios" || imports=1
fi

# In the background and waited for, so a TERM/INT reaches the traps at once; the oracle's
# scratch files go under $TMP.
mkdir -p "$TMP/oracle"
TMPDIR="$TMP/oracle" "$PY" "$HERE/oracle.py" --port "$AMQP_PORT" --switchyard "$BIN" "$@" &
ORACLE_PID=$!
wait "$ORACLE_PID"
status=$?
ORACLE_PID=""
[ "$status" = 0 ] && status=$imports
exit "$status"
