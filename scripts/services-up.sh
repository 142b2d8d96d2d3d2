#!/usr/bin/env bash
# Starts the servers the tests use, on loopback, reusing any that already answer:
# PostgreSQL on 127.0.0.1:5432 (role didtron/didtron) and Redis on 127.0.0.1:6379, installed
# from Debian's packages when missing, and an S3-compatible server (moto, from PyPI into a
# virtualenv under ~/.cache) on 127.0.0.1:9000.
# Writes the environment variables the test suites read, as `export` lines, to the file named
# by its first argument (the caller sources it). It prints only log lines, on stderr.
#
# The servers it starts must not inherit this script's stdout or stderr: a daemon that holds
# the caller's pipe open keeps `$(...)` or a CI log reader waiting forever. Their output goes
# to $LOG instead.
set -euo pipefail
env_file=${1:?usage: services-up.sh ENV_FILE}
exec 1>&2
LOG=${TMPDIR:-/tmp}/didtron-services.log
log() { printf '[services-up] %s\n' "$*" >&2; }

PG_URL=postgres://didtron:didtron@127.0.0.1:5432/postgres
REDIS_URL=redis://127.0.0.1:6379
S3_URL=http://127.0.0.1:9000
MOTO_VENV=${DIDTRON_MOTO_VENV:-$HOME/.cache/didtron-moto}

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

# PostgreSQL
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  apt_install postgresql postgresql-client
  version=$(ls /usr/lib/postgresql | sort -n | tail -n1)
  if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -q "^$version main$"; then
    pg_createcluster "$version" main >/dev/null
  fi
  log "starting PostgreSQL $version"
  pg_ctlcluster "$version" main start </dev/null >>"$LOG" 2>&1 || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  pg_isready -q -h 127.0.0.1 -p 5432 || { log "PostgreSQL did not start: see $LOG and /var/log/postgresql/"; exit 1; }
fi
if ! PGPASSWORD=didtron psql -q -h 127.0.0.1 -U didtron -d postgres -c 'select 1' >/dev/null 2>&1; then
  log "creating the didtron role"
  runuser -u postgres -- psql -q -c "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='didtron') THEN CREATE ROLE didtron LOGIN SUPERUSER PASSWORD 'didtron'; ELSE ALTER ROLE didtron LOGIN SUPERUSER PASSWORD 'didtron'; END IF; END\$\$;" >/dev/null
fi
# Drop databases left by earlier test runs (each test creates its own).
PGPASSWORD=didtron psql -q -h 127.0.0.1 -U didtron -d postgres -At \
  -c "select datname from pg_database where datname like 'didtron_test_%'" 2>/dev/null |
  while read -r db; do PGPASSWORD=didtron psql -q -h 127.0.0.1 -U didtron -d postgres -c "drop database if exists $db" >/dev/null 2>&1 || true; done

# Redis
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  apt_install redis-server
  log "starting Redis"
  redis-server --bind 127.0.0.1 --port 6379 --save '' --appendonly no --daemonize yes \
    </dev/null >>"$LOG" 2>&1
  for _ in $(seq 1 20); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.5; done
  redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || { log "Redis did not start: see $LOG"; exit 1; }
fi

# S3 (moto's server mode: https://docs.getmoto.org/en/latest/docs/server_mode.html)
if ! answers 9000; then
  if [ ! -x "$MOTO_VENV/bin/moto_server" ]; then
    apt_install python3-venv
    log "installing moto[server] into $MOTO_VENV"
    python3 -m venv "$MOTO_VENV"
    "$MOTO_VENV/bin/pip" install -q 'moto[server]' >>"$LOG" 2>&1 ||
      { log "installing moto failed: see $LOG"; exit 1; }
  fi
  log "starting the S3 server (moto) on 127.0.0.1:9000"
  setsid "$MOTO_VENV/bin/moto_server" -H 127.0.0.1 -p 9000 </dev/null >>"$LOG" 2>&1 &
  for _ in $(seq 1 40); do answers 9000 && break; sleep 0.25; done
  answers 9000 || { log "the S3 server did not start: see $LOG"; exit 1; }
fi

{
  echo "export DIDTRON_TEST_S3_URL=$S3_URL"
  echo "export DIDTRON_TEST_POSTGRES_URL=$PG_URL"
  echo "export DIDTRON_TEST_REDIS_URL=$REDIS_URL"
} >"$env_file"
