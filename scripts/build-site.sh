#!/usr/bin/env bash
# Builds the server and the hydrating wasm with cargo-leptos (debug profile) into target/site
# and target/debug/didtron, and the embeddable price widget with Trunk into target/widget. The CSS
# modules are bundled by stylance first. Also builds the provider fakes the end-to-end journeys
# pay against (target/debug/fake-providers).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
stylance app >/dev/null
cargo leptos build
cargo build -p fakes --bin fake-providers
# Trunk.toml: release profile, no download (the installed wasm-bindgen CLI, no wasm-opt).
TRUNK_SKIP_VERSION_CHECK=true trunk build
