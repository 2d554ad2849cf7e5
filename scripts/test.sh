#!/usr/bin/env bash
# `npm test`: the same provisioning as `npm start` (plus a fresh test database), the static checks,
# then every test tier. Safe to run repeatedly: each run uses its own database, queue prefix and
# storage directory and removes them.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s)
step() { printf '\n\033[1;36m==> %s\033[0m (%ss)\n' "$*" "$(( $(date +%s) - started ))" >&2; }

step "provisioning (OS packages, services, npm dependencies, test database)"
bash scripts/provision.sh test

export STRATA_TEST_RUN_ID="$$"
export NODE_ENV=test
export DATABASE_URL=${TEST_DATABASE_URL:-postgres://strata:strata@127.0.0.1:5432/strata_test}
export QUEUE_PREFIX="strata-test-$STRATA_TEST_RUN_ID"
export STRATA_TEST_STORAGE=".tmp/test-storage-$STRATA_TEST_RUN_ID"
export STORAGE_LOCAL_ROOT="$STRATA_TEST_STORAGE"
export LOG_LEVEL=${LOG_LEVEL:-warn}

# The S3 driver's tests run against OpenStack Swift's S3 API (it verifies signatures, part sizes and
# ETags). It starts in the background while the static checks and the build run.
# Its account, region and default port: test/services/swift/account.env.
. test/services/swift/account.env
SWIFT_DIR=.tmp/swift
SWIFT_PORT=${STRATA_TEST_SWIFT_PORT:-$SWIFT_S3_PORT}
export S3_TEST_ENDPOINT="http://127.0.0.1:$SWIFT_PORT"
export S3_TEST_ACCESS_KEY_ID="$SWIFT_S3_ACCOUNT:$SWIFT_S3_USER"
export S3_TEST_SECRET_ACCESS_KEY="$SWIFT_S3_SECRET"
export S3_TEST_REGION="$SWIFT_S3_REGION"
# A Swift this workdir already runs (started by hand) is left running; one started here is stopped.
swift_stop=1
if [ -f "$SWIFT_DIR/run/proxy.pid" ] && kill -0 "$(cat "$SWIFT_DIR/run/proxy.pid")" 2>/dev/null; then swift_stop=0; fi
bash test/services/swift/start.sh "$SWIFT_DIR" "$SWIFT_PORT" &
swift_start=$!
cleanup() {
  wait "$swift_start" 2>/dev/null || true
  if [ "$swift_stop" = 1 ]; then bash test/services/swift/stop.sh "$SWIFT_DIR" || true; fi
  rm -rf "$STRATA_TEST_STORAGE"
}
trap cleanup EXIT

step "static checks: types, lint, formatting"
npm run -s typecheck
npm run -s lint
npm run -s format:check

step "build"
npm run -s build
touch dist/.build-stamp

step "migrations, and entity/migration drift"
node dist/apps/worker/apps/worker/src/migrate.js --check-drift

step "openapi.json and the typed client are current"
node dist/apps/gateway/apps/gateway/src/openapi.js --check
node scripts/generate-client.mjs --check

step "waiting for the test S3 server (Swift)"
wait "$swift_start" || { echo "Swift did not start (logs: $SWIFT_DIR/log)" >&2; exit 1; }

step "tests: unit, integration, end-to-end"
npx vitest run "$@"

step "all green in $(( $(date +%s) - started ))s"
