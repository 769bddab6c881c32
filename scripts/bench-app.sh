#!/usr/bin/env bash
# The animation benchmark in headless Chromium on the release bundle (not a timed test): frames
# per second and script time per frame with 2,000 messages in flight, and first paint on
# loopback. Builds the bundle first unless BENCH_NO_BUILD=1.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
if [ "${BENCH_NO_BUILD:-0}" != 1 ]; then scripts/build-release.sh; fi
node scripts/bench-app.cjs
