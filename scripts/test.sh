#!/usr/bin/env bash
# Runs every DIDTron test: unit and property tests, the services suite on SQLite and on
# PostgreSQL, Redis-backed stores, router tests, and the Playwright journeys in Debian's
# chromium against the real server. Installs and starts what it needs (idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
# A one-off build gains nothing from incremental caches, which would more than double the
# size of target/ (a cold run fills about 30 GB without them).
export CARGO_INCREMENTAL=0
start=$(date +%s)
step() { printf '\n==> %s (%ss)\n' "$*" "$(( $(date +%s) - start ))"; }

step "installing build tools"
scripts/install-tools.sh

step "starting PostgreSQL, Redis and the S3 server (moto) on loopback"
services_env=$(mktemp)
scripts/services-up.sh "$services_env"
# shellcheck disable=SC1090
source "$services_env"
rm -f "$services_env"

step "installing chromium and the end-to-end packages"
if [ ! -x /usr/bin/chromium ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
fi
(cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >/dev/null)

step "bundling CSS modules"
stylance app >/dev/null

step "cargo test (unit, services on SQLite and PostgreSQL, Redis, router)"
# frontend and widget are wasm entries: building them here would turn on leptos' hydrate and
# csr features beside ssr.
cargo test --workspace --exclude frontend --exclude widget --no-fail-fast

step "building the site and the price widget (cargo leptos build, trunk build)"
scripts/build-site.sh

step "end-to-end journeys (Playwright, chromium)"
(cd end2end && mkdir -p test-results && npm test)

step "all tests passed"
