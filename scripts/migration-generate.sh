#!/usr/bin/env bash
# Builds, then generates a migration against the development database (see scripts/generate-migration.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."
npx nest build worker >/dev/null
node scripts/generate-migration.mjs "$@"
npx prettier --log-level warn --write libs/jobs/src/migrations/
