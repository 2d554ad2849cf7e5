#!/usr/bin/env bash
# Builds both apps unless dist/ is newer than every source and build setting.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=dist/.build-stamp
if [ -f "$stamp" ] && [ -z "$(find apps libs tsconfig.json nest-cli.json package-lock.json -newer "$stamp" -print -quit)" ]; then
  exit 0
fi
echo "[build] compiling gateway and worker" >&2
npm run -s build
touch "$stamp"
