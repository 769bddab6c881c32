#!/usr/bin/env bash
# Installs what Switchyard's build and tests need, skipping whatever is already present at the
# right version, so a second run takes seconds. Versions and pitfalls: ../shared/docs/toolchain.md.
#
#   scripts/install-tools.sh app     trunk, wasm-bindgen-cli, wasm-opt, terser, the wasm32 target
#   scripts/install-tools.sh test    all of the above, plus Chromium, chromedriver, playwright-core
set -euo pipefail

TRUNK_VERSION=0.21.14
WASM_BINDGEN_VERSION=0.2.130
BINARYEN_VERSION=132.0.0
PLAYWRIGHT_VERSION=1.65.1
TERSER_VERSION=5.51.2
TOOLS_DIR="${SWITCHYARD_TOOLS:-$HOME/.cache/switchyard-tools}"

say() { printf '\033[1m[install]\033[0m %s\n' "$*" >&2; }

# Cargo installs of tools do not need fat LTO; this makes trunk build in ~6 min instead of ~17.
fast_cargo_install() {
  CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 cargo install "$@"
}

have_version() { # have_version CMD EXPECTED_SUBSTRING
  command -v "$1" >/dev/null 2>&1 && "$1" --version 2>/dev/null | grep -qF "$2"
}

install_wasm_target() {
  if rustup target list --installed | grep -qx wasm32-unknown-unknown; then return; fi
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
}

install_trunk() {
  if have_version trunk "$TRUNK_VERSION"; then return; fi
  say "installing trunk $TRUNK_VERSION (about 6 minutes on 2 cores)"
  fast_cargo_install trunk --version "$TRUNK_VERSION" --locked
}

install_wasm_bindgen() {
  if have_version wasm-bindgen "$WASM_BINDGEN_VERSION" &&
     have_version wasm-bindgen-test-runner "$WASM_BINDGEN_VERSION"; then return; fi
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 2 minutes)"
  # --locked fails for this version: its lockfile names a crate version the registry lacks.
  fast_cargo_install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
}

install_npm_tools() {
  local want="binaryen@$BINARYEN_VERSION terser@$TERSER_VERSION"
  [ "${1:-}" = test ] && want="$want playwright-core@$PLAYWRIGHT_VERSION"
  mkdir -p "$TOOLS_DIR"
  local missing=""
  for pkg in $want; do
    local name="${pkg%@*}" version="${pkg##*@}"
    local manifest="$TOOLS_DIR/node_modules/$name/package.json"
    if [ ! -f "$manifest" ] || ! grep -q "\"version\": \"$version\"" "$manifest"; then
      missing="$missing $pkg"
    fi
  done
  [ -z "$missing" ] && return
  say "installing from npm:$missing"
  (cd "$TOOLS_DIR" && [ -f package.json ] || echo '{"private":true}' >"$TOOLS_DIR/package.json")
  (cd "$TOOLS_DIR" && npm install --no-audit --no-fund --silent $missing)
}

install_chromium() {
  if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then return; fi
  say "installing Debian's chromium and chromium-driver"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
    chromium chromium-driver >/dev/null
}

main() {
  local what="${1:-app}"
  install_wasm_target
  install_trunk
  install_wasm_bindgen
  install_npm_tools "$what"
  if [ "$what" = test ]; then install_chromium; fi
}

main "$@"
