#!/usr/bin/env bash
# Builds DIDTron and runs it on its embedded defaults: SQLite in ./data, sessions in the
# database, in-process limits. Seeds demo users on the first start and prints their sign-ins.
# Installs what the build needs first (idempotent). Extra arguments go to the server.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
scripts/install-tools.sh
scripts/build-site.sh
exec target/debug/didtron "$@"
