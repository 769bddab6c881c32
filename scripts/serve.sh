#!/usr/bin/env bash
# Installs what is missing, then serves Switchyard at http://127.0.0.1:8080 with live reload.
# Extra arguments go to `trunk serve` (for example --release or --port 9000).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-tools.sh app
source scripts/env.sh
cargo fetch --locked >/dev/null
exec trunk serve "$@"
