#!/usr/bin/env bash
# Live conformance: runs seeded scenarios through a real RabbitMQ 3.10.8 (Debian's package) and
# through `switchyard replay --profile rabbitmq-3.10`, and compares the outcomes.
#
# Installs what is missing (idempotent): Debian's rabbitmq-server (no service is started by the
# install) and a Python venv with pika under ~/.cache/switchyard-tools/live-venv. Builds the
# runner, then runs tests/live/run.sh with the arguments given here (e.g. --seed 7 --cases 50).
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS_DIR="${SWITCHYARD_TOOLS:-$HOME/.cache/switchyard-tools}"
VENV="$TOOLS_DIR/live-venv"

install_rabbitmq() {
  if [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ]; then
    return
  fi
  echo "live-conformance: installing Debian's rabbitmq-server" >&2
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  # A policy-rc.d that answers 101 keeps invoke-rc.d from starting the service on install.
  local own_policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
    $sudo chmod +x /usr/sbin/policy-rc.d
    own_policy=1
  fi
  local before
  before="$(pgrep -d ' ' -x 'beam.smp|epmd' || true)"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends rabbitmq-server >/dev/null
  if [ -n "$own_policy" ]; then
    $sudo rm -f /usr/sbin/policy-rc.d
  fi
  # Should anything have started anyway (a service, its epmd), stop exactly those pids.
  local pid
  for pid in $(pgrep -x 'beam.smp|epmd' || true); do
    case " $before " in
      *" $pid "*) ;;
      *) echo "live-conformance: stopping pid $pid started by the install" >&2; $sudo kill "$pid" || true ;;
    esac
  done
}

install_venv() {
  if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c 'import pika' 2>/dev/null; then
    return
  fi
  echo "live-conformance: creating $VENV with pika" >&2
  mkdir -p "$TOOLS_DIR"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check 'pika==1.3.2'
}

install_rabbitmq
install_venv
if [ -f scripts/env.sh ]; then
  # shellcheck source=/dev/null
  source scripts/env.sh
fi
cargo build -p switchyard-cli --release --locked
export SWITCHYARD_BIN="${SWITCHYARD_BIN:-$PWD/target/release/switchyard}"
export LIVE_PYTHON="$VENV/bin/python"
exec tests/live/run.sh "$@"
