#!/usr/bin/env bash
# How much of the browser bundle the core is: builds scripts/size-core (a module that links the
# core as the app uses it, without Yew or the UI) with the bundle's settings, runs the same
# wasm-opt -Oz, and prints its size raw and gzip beside the whole bundle's.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
dir=scripts/size-core
cp Cargo.lock "$dir/Cargo.lock"   # the workspace's versions (cargo prunes what is unused)
cargo build --offline --release --target wasm32-unknown-unknown \
  --manifest-path "$dir/Cargo.toml" --target-dir target/size-core >/dev/null 2>target/size-core.log \
  || { cat target/size-core.log; exit 1; }
out=target/size-core/core.wasm
wasm-opt target/size-core/wasm32-unknown-unknown/release/switchyard_size_core.wasm -Oz \
  --enable-bulk-memory --enable-reference-types --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-mutable-globals --enable-multivalue --strip-debug \
  --low-memory-unused --zero-filled-memory --converge \
  --one-caller-inline-max-function-size=20 -o "$out"   # as index.html asks of Trunk
printf 'core alone (what the app calls): %8d B raw  %8d B gzip\n' "$(wc -c <"$out")" "$(gzip -9 -c "$out" | wc -c)"
if compgen -G "dist/*.wasm" >/dev/null; then
  printf 'whole bundle (dist/, wasm + JS):  %8d B raw  %8d B gzip\n' \
    "$(cat dist/*.wasm dist/*.js | wc -c)" \
    "$(( $(gzip -9 -c dist/*.wasm | wc -c) + $(gzip -9 -c dist/*.js | wc -c) ))"
fi
