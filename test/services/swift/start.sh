#!/usr/bin/env bash
# Starts a one-node OpenStack Swift with the S3 API (s3api + tempauth) for the storage tests.
# Usage: test/services/swift/start.sh <workdir> <port>
#   <port>       the S3 endpoint (proxy), e.g. 8083: http://127.0.0.1:<port>, path-style, region us-east-1
#   <port>+10001 account server, <port>+10002 container server, <port>+10003 object server (loopback only)
# Credentials and region: test/services/swift/account.env (access key `strata:tester`, secret `testing`;
# tempauth; test use only).
# Idempotent: when the proxy on <port> already answers /healthcheck, it does nothing. Otherwise it stops
# whatever this workdir started before, lays out fresh rings and data, and starts the four daemons in
# the background (PIDs in <workdir>/run/*.pid; test/services/swift/stop.sh <workdir> ends them).
# Needs root (Swift writes /etc/swift/swift.conf's hash prefix/suffix) and the Debian swift packages.
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 <workdir> <port>" >&2; exit 2; }
[[ "$2" =~ ^[0-9]+$ ]] && [ "$2" -ge 1024 ] && [ "$2" -le 55000 ] || { echo "port must be 1024-55000" >&2; exit 2; }
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=account.env
. "$HERE/account.env"
mkdir -p "$1"
W=$(cd "$1" && pwd)
PORT=$2
ACCOUNT_PORT=$((PORT + 10001))
CONTAINER_PORT=$((PORT + 10002))
OBJECT_PORT=$((PORT + 10003))

# Swift's own interpreter (a python3 earlier on PATH, e.g. pyenv's, cannot import it).
PY=$(sed -n '1s/^#! *//p' "$(command -v swift-ring-builder 2>/dev/null || echo /dev/null)")
PY=${PY:-/usr/bin/python3}

log() { printf '[swift] %s\n' "$*" >&2; }
die() { printf '[swift] %s\n' "$*" >&2; exit 1; }

healthy() {
  "$PY" - "$1" <<'EOF' 2>/dev/null
import sys, urllib.request
try:
    with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/healthcheck", timeout=1) as r:
        sys.exit(0 if r.read().strip() == b"OK" else 1)
except Exception:
    sys.exit(1)
EOF
}

# Any HTTP answer at all (backend servers have no /healthcheck) means the port is served.
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if healthy "$PORT"; then
  log "already running on 127.0.0.1:$PORT"
  exit 0
fi

for bin in swift-ring-builder swift-proxy-server swift-account-server swift-container-server swift-object-server; do
  command -v "$bin" >/dev/null || die "$bin not found: install the Debian packages swift swift-proxy swift-account swift-container swift-object"
done
for p in "$PORT" "$ACCOUNT_PORT" "$CONTAINER_PORT" "$OBJECT_PORT"; do
  if listening "$p" && ! ls "$W"/run/*.pid >/dev/null 2>&1; then die "port $p is taken by another process"; fi
done

started=$(date +%s%N)
bash "$HERE/stop.sh" "$W"

# Swift reads its hash prefix/suffix from this fixed path. Debian ships it with `changeme`; only a
# missing or placeholder file is (re)written, never a real one.
if [ ! -f /etc/swift/swift.conf ] || grep -q '^swift_hash_path_\(prefix\|suffix\) *= *changeme' /etc/swift/swift.conf; then
  log "writing /etc/swift/swift.conf (hash prefix/suffix for this machine)"
  mkdir -p /etc/swift
  cat >/etc/swift/swift.conf <<EOF
[swift-hash]
swift_hash_path_prefix = $(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
swift_hash_path_suffix = $(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')

[storage-policy:0]
name = Policy-0
default = yes
EOF
fi

rm -rf "$W/etc" "$W/srv" "$W/run" "$W/log"
mkdir -p "$W/etc" "$W/srv/d1" "$W/run" "$W/log"

# One device, one replica, 16 partitions: enough for a test node. One Python process builds all three
# rings (the ring-builder CLI would take nine interpreter start-ups).
"$PY" - "$W/etc" "$ACCOUNT_PORT" "$CONTAINER_PORT" "$OBJECT_PORT" <<'EOF'
import sys
from swift.common.ring import RingBuilder

etc = sys.argv[1]
for name, port in zip(("account", "container", "object"), sys.argv[2:5]):
    builder = RingBuilder(4, 1, 0)
    builder.add_dev({"region": 1, "zone": 1, "ip": "127.0.0.1", "port": int(port), "device": "d1", "weight": 100})
    builder.rebalance()
    builder.save(f"{etc}/{name}.builder")
    builder.get_ring().save(f"{etc}/{name}.ring.gz")
EOF

common() {
  cat <<EOF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $1
workers = 1
user = root
swift_dir = $W/etc
devices = $W/srv
mount_check = false
log_name = $2
EOF
}

for server in account container object; do
  case $server in
    account) port=$ACCOUNT_PORT ;;
    container) port=$CONTAINER_PORT ;;
    object) port=$OBJECT_PORT ;;
  esac
  {
    common "$port" "$server-server"
    cat <<EOF

[pipeline:main]
pipeline = $server-server

[app:$server-server]
use = egg:swift#$server
EOF
  } >"$W/etc/$server-server.conf"
done

# s3api turns S3 requests into Swift ones and verifies SigV4 through tempauth; slo backs multipart
# uploads, copy backs CopyObject/UploadPartCopy. `cache` is required by tempauth even without memcached.
{
  common "$PORT" proxy-server
  cat <<EOF

[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy slo dlo proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
allow_account_management = true

[filter:s3api]
use = egg:swift#s3api
location = $SWIFT_S3_REGION
# As on AWS S3 (Swift's default is 1000).
max_upload_part_num = 10000

[filter:tempauth]
use = egg:swift#tempauth
user_${SWIFT_S3_ACCOUNT}_${SWIFT_S3_USER} = $SWIFT_S3_SECRET .admin

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:gatekeeper]
use = egg:swift#gatekeeper

[filter:healthcheck]
use = egg:swift#healthcheck

[filter:proxy-logging]
use = egg:swift#proxy_logging

[filter:cache]
use = egg:swift#memcache

[filter:listing_formats]
use = egg:swift#listing_formats

[filter:copy]
use = egg:swift#copy

[filter:slo]
use = egg:swift#slo

[filter:dlo]
use = egg:swift#dlo
EOF
} >"$W/etc/proxy-server.conf"

for server in account container object proxy; do
  nohup "swift-$server-server" "$W/etc/$server-server.conf" -v >"$W/log/$server.log" 2>&1 </dev/null &
  echo $! >"$W/run/$server.pid"
done

ready=false
for _ in $(seq 1 150); do
  if healthy "$PORT" && listening "$ACCOUNT_PORT" && listening "$CONTAINER_PORT" && listening "$OBJECT_PORT"; then
    ready=true
    break
  fi
  for server in account container object proxy; do
    kill -0 "$(cat "$W/run/$server.pid")" 2>/dev/null || {
      tail -n 20 "$W/log/$server.log" >&2
      bash "$HERE/stop.sh" "$W"
      die "swift-$server-server exited during start-up (log: $W/log/$server.log)"
    }
  done
  sleep 0.2
done
if [ "$ready" != true ]; then
  bash "$HERE/stop.sh" "$W"
  die "Swift did not become ready on 127.0.0.1:$PORT within 30 s (logs: $W/log)"
fi
log "ready on http://127.0.0.1:$PORT in $(( ($(date +%s%N) - started) / 1000000 )) ms"
