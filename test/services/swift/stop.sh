#!/usr/bin/env bash
# Stops the Swift daemons test/services/swift/start.sh started in <workdir>, by their PID files.
# A PID is only signalled while its command line still names this workdir's config (PIDs get reused).
# Usage: test/services/swift/stop.sh <workdir>
set -euo pipefail

[ $# -eq 1 ] || { echo "usage: $0 <workdir>" >&2; exit 2; }
[ -d "$1/run" ] || exit 0
W=$(cd "$1" && pwd)

ours() { [ -r "/proc/$1/cmdline" ] && tr '\0' ' ' <"/proc/$1/cmdline" | grep -qF "$W/etc/"; }

pids=()
for file in "$W"/run/*.pid; do
  [ -f "$file" ] || continue
  pid=$(cat "$file")
  rm -f "$file"
  [[ "$pid" =~ ^[0-9]+$ ]] && ours "$pid" || continue
  # With workers = 1 each server is a parent plus one forked worker; the parent normally takes its
  # worker down with it, the worker is remembered in case it does not.
  pids+=("$pid")
  for child in $(pgrep -P "$pid" || true); do ours "$child" && pids+=("$child"); done
done
[ ${#pids[@]} -gt 0 ] || exit 0

kill -TERM "${pids[@]}" 2>/dev/null || true
for _ in $(seq 1 50); do
  alive=()
  for pid in "${pids[@]}"; do ours "$pid" && alive+=("$pid"); done
  [ ${#alive[@]} -eq 0 ] && exit 0
  sleep 0.1
done
kill -KILL "${alive[@]}" 2>/dev/null || true
