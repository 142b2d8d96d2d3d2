#!/usr/bin/env bash
# Installs the build tools DIDTron needs, idempotently, with no download outside the package
# registries (crates.io, Debian, npm). See ../shared/design/stack.md for why each step looks odd.
set -euo pipefail

log() { printf '[install-tools] %s\n' "$*" >&2; }

CARGO_LEPTOS_VERSION=0.3.11
# Trunk builds the embeddable price widget (Trunk.toml). 0.22 needs a newer rustc than 1.95.
TRUNK_VERSION=0.21.14
WASM_BINDGEN_VERSION=0.2.130
export PATH="$HOME/.cargo/bin:$PATH"

# Installs a crate whose published lockfile no longer builds: take the source the failed
# `cargo install` left in the registry, pin one dependency, and install from that path.
install_from_registry_source() {
  local crate=$1 version=$2 dep=$3 dep_version=$4 bin=$5
  if command -v "$bin" >/dev/null 2>&1 && "$bin" --version 2>/dev/null | grep -q "$version"; then
    return 0
  fi
  log "installing $crate $version (pinning $dep $dep_version)"
  local src
  src=$(ls -d "$HOME"/.cargo/registry/src/*/"$crate-$version" 2>/dev/null | head -n1 || true)
  if [ -z "$src" ]; then
    cargo install "$crate" --version "$version" --locked >/dev/null 2>&1 || true
    src=$(ls -d "$HOME"/.cargo/registry/src/*/"$crate-$version" 2>/dev/null | head -n1 || true)
  fi
  if [ -z "$src" ]; then
    local crate_file
    crate_file=$(ls "$HOME"/.cargo/registry/cache/*/"$crate-$version.crate" | head -n1)
    src=$(mktemp -d)/"$crate-$version"
    tar -xzf "$crate_file" -C "$(dirname "$src")"
  fi
  local work
  work=$(mktemp -d)
  cp -r "$src" "$work/"
  (
    cd "$work/$crate-$version"
    cargo update -p "$dep" --precise "$dep_version"
    CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
      cargo install --path . --locked
  )
  rm -rf "$work"
}

rustup target list --installed | grep -q wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

install_from_registry_source wasm-bindgen-cli "$WASM_BINDGEN_VERSION" webpki-roots 1.0.10 wasm-bindgen
install_from_registry_source cargo-leptos "$CARGO_LEPTOS_VERSION" cargo-util-schemas 0.14.1 cargo-leptos

if ! command -v stylance >/dev/null 2>&1 || ! stylance --version 2>/dev/null | grep -q "0.8.4"; then
  log "installing stylance-cli 0.8.4"
  cargo install stylance-cli --version 0.8.4 --locked
fi

if ! command -v trunk >/dev/null 2>&1 || ! trunk --version 2>/dev/null | grep -q "$TRUNK_VERSION"; then
  log "installing trunk $TRUNK_VERSION (several minutes the first time)"
  cargo install trunk --version "$TRUNK_VERSION" --locked
fi
