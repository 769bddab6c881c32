#!/usr/bin/env bash
# Builds the release bundle into dist/ and prints the sizes a user downloads.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
trunk build --release --locked >/dev/null 2>target/trunk-build.log || { cat target/trunk-build.log; exit 1; }
size() { printf '%8d B raw  %8d B gzip  %s\n' "$(wc -c <"$1")" "$(gzip -9 -c "$1" | wc -c)" "$(basename "$1")"; }
echo "release bundle (dist/):"
for f in dist/*.wasm dist/*.js dist/*.css dist/index.html; do size "$f"; done
total_raw=$(cat dist/*.wasm dist/*.js | wc -c)
total_gz=$(( $(gzip -9 -c dist/*.wasm | wc -c) + $(gzip -9 -c dist/*.js | wc -c) ))
echo "wasm + JS glue: $total_raw B raw, $total_gz B gzip"
