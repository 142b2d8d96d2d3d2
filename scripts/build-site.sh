#!/usr/bin/env bash
# Builds the server and the hydrating wasm with cargo-leptos (debug profile) into target/site
# and target/debug/didtron, and the embeddable price widget with Trunk into target/widget. The CSS
# modules are bundled by stylance first.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
stylance app >/dev/null
cargo leptos build
# Trunk.toml: release profile, no download (the installed wasm-bindgen CLI, no wasm-opt).
TRUNK_SKIP_VERSION_CHECK=true trunk build
