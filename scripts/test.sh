#!/usr/bin/env bash
# Installs and runs every test of Backstage NHI: the licences of the plugins'
# production dependencies, type check, the API reports, unused dependencies,
# lint, formatting,
# unit and integration tests (SQLite and the local PostgreSQL), and the
# end-to-end suite in Chromium against the real portal. Prints one results line
# and exits non-zero when anything failed. Safe to run again.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
LOGS="$ROOT/e2e-results/test-logs"
mkdir -p "$LOGS"
started=$(date +%s)

. scripts/toolchain.sh || { echo "RESULT: FAILED (toolchain)"; exit 1; }

# Chromium from Debian for the end-to-end suite (never a Playwright download).
CHROMIUM_PATH="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM_PATH" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "test: installing Chromium from Debian" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >"$LOGS/apt.log" 2>&1 ||
      { tail -20 "$LOGS/apt.log"; echo "RESULT: FAILED (chromium install)"; exit 1; }
  else
    echo "RESULT: FAILED (no Chromium at $CHROMIUM_PATH; install Debian's chromium or set CHROMIUM_PATH)"
    exit 1
  fi
fi
export CHROMIUM_PATH

# The local PostgreSQL that the database tests use (TestDatabases creates a
# fresh logical database per test on it), started if it is not running.
# NHI_REQUIRE_POSTGRES makes a database test fail rather than skip PostgreSQL.
export BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING="${BACKSTAGE_TEST_DATABASE_POSTGRES15_CONNECTION_STRING:-postgresql://postgres@127.0.0.1:5432}"
export BACKSTAGE_TEST_DISABLE_DOCKER=1
export NHI_REQUIRE_POSTGRES=1
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  if command -v pg_ctlcluster >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "test: starting PostgreSQL" >&2
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  fi
  pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null ||
    { echo "RESULT: FAILED (PostgreSQL is not reachable at 127.0.0.1:5432)"; exit 1; }
fi

yarn install --immutable >"$LOGS/install.log" 2>&1 ||
  { tail -40 "$LOGS/install.log"; echo "RESULT: FAILED (yarn install --immutable)"; exit 1; }

declare -a summary=()
failed=0
step() {
  local name="$1"
  shift
  local t0=$(date +%s)
  echo "::: $name: $*"
  "$@" 2>&1 | tee "$LOGS/$name.log"
  local rc=${PIPESTATUS[0]}
  local secs=$(($(date +%s) - t0))
  if [ "$rc" = 0 ]; then
    summary+=("$name ok (${secs}s)")
  else
    summary+=("$name FAILED (${secs}s)")
    failed=1
  fi
}

step licenses yarn licenses:check
step tsc yarn tsc
# the plugins' public API against their checked-in reports (from tsc's
# declarations), and each package's unused dependencies against its knip report
step api-reports yarn api-reports:check
step unused-deps yarn knip-reports:check
step lint yarn lint:all
step prettier yarn prettier:check
step unit env CI=true yarn test --watchAll=false
step e2e yarn test:e2e

unit_counts=$(grep -E '^Tests:' "$LOGS/unit.log" | tail -1 | sed 's/^Tests: *//')
e2e_counts=$(grep -E '^\s+[0-9]+ (passed|failed|flaky|skipped)' "$LOGS/e2e.log" | tr -s ' ' | tr '\n' ',' | sed 's/,$//')
echo
echo "unit tests: ${unit_counts:-no count}"
echo "e2e tests: ${e2e_counts:-no count}"
total=$(($(date +%s) - started))
if [ "$failed" = 0 ]; then
  echo "RESULT: PASSED in ${total}s — $(IFS='; '; echo "${summary[*]}")"
else
  echo "RESULT: FAILED in ${total}s — $(IFS='; '; echo "${summary[*]}")"
fi
exit "$failed"
