#!/usr/bin/env bash
# `npm start`: provision what is missing, build, migrate, then run gateway and worker in the foreground.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/provision.sh dev
bash scripts/build-if-stale.sh
node dist/apps/worker/apps/worker/src/migrate.js
exec node scripts/run.mjs
