# Sourced by the scripts: where the installed tools are, and the environment Trunk needs.
TOOLS_DIR="${SWITCHYARD_TOOLS:-$HOME/.cache/switchyard-tools}"
# wasm-opt from the npm binaryen package must come first: Debian's binaryen is too old.
export PATH="$TOOLS_DIR/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export NODE_PATH="$TOOLS_DIR/node_modules"
# Trunk's update check calls an API this machine cannot reach.
export TRUNK_SKIP_VERSION_CHECK=true
