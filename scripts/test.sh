#!/usr/bin/env bash
# Installs what is missing, then runs every test of the project: formatting, lints, native tests
# (core, runner, app), browser tests in headless Chromium, the end-to-end test on the release
# bundle, and the live conformance run against a private RabbitMQ 3.10.8. Exits non-zero on the
# first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-tools.sh test
source scripts/env.sh

step() {
  local name="$1"; shift
  printf '\n\033[1;34m== %s\033[0m\n' "$name"
  "$@"
}

step "fetch dependencies" cargo fetch --locked
step "format" cargo fmt --all --check
step "clippy (native)" cargo clippy --workspace --all-targets --locked -- -D warnings
step "clippy (wasm)" cargo clippy -p switchyard-app --target wasm32-unknown-unknown --all-targets --locked -- -D warnings
step "docs (links resolve)" env RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked
step "native tests" cargo test --workspace --locked
step "browser tests" cargo test -p switchyard-app --target wasm32-unknown-unknown --locked
step "release bundle" scripts/build-release.sh
step "end-to-end" node --test tests/e2e/
step "live RabbitMQ conformance" scripts/live-conformance.sh
