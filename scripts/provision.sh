#!/usr/bin/env bash
# Idempotent set-up shared by `npm start` and `npm test` on Debian/Ubuntu (root or sudo):
# OS packages (PostgreSQL+PostGIS, Redis, GDAL; Swift, MapServer and Chromium for tests) when missing,
# services started when down, npm dependencies (gdal-async compiled against the system GDAL), the database
# with its extensions.
# Usage: scripts/provision.sh [dev|test]   (test: also recreates the test database from scratch)
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:-dev}

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[setup]\033[0m %s\n' "$*" >&2; exit 1; }

if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi
as_postgres() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }

# --- Node -------------------------------------------------------------------------------------------
# The range is package.json's `engines.node` (what every runtime dependency supports; README, "Node.js").
node scripts/check-node.cjs || die "Install a supported Node.js (README, \"Node.js\") and run this again."

# --- OS packages ------------------------------------------------------------------------------------
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
pg_major() { ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1; }

missing=()
[ -n "$(pg_major)" ] && [ -x "/usr/lib/postgresql/$(pg_major)/bin/postgres" ] || missing+=(postgresql)
for p in redis-server gdal-bin libgdal-dev g++ make python3; do installed "$p" || missing+=("$p"); done
# Tests also need OpenStack Swift: its s3api is the S3 server the storage tests run against; and
# MapServer (mapserv) as the local WFS 1.1/2.0 and OGC API Features server of the remote-service tests;
# and Chromium, which puppeteer-core drives headless in the queue dashboard's browser test.
if [ "$MODE" = test ]; then
  for p in swift swift-proxy swift-account swift-container swift-object mapserver-bin chromium; do installed "$p" || missing+=("$p"); done
fi
# Another provisioning run (a second checkout, a parallel test run) may hold the dpkg lock: wait for it.
if [ ${#missing[@]} -gt 0 ]; then
  log "installing OS packages: ${missing[*]}"
  "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
PG=$(pg_major)
if ! installed "postgresql-$PG-postgis-3"; then
  log "installing PostGIS for PostgreSQL $PG"
  "${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=600 update -qq
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "postgresql-$PG-postgis-3" >/dev/null
fi

# --- Configuration (same defaults as libs/config) -------------------------------------------------
if [ -f .env ]; then set -a; . ./.env; set +a; fi
if [ "$MODE" = test ]; then
  DATABASE_URL=${TEST_DATABASE_URL:-postgres://strata:strata@127.0.0.1:5432/strata_test}
else
  DATABASE_URL=${DATABASE_URL:-postgres://strata:strata@127.0.0.1:5432/strata}
fi
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379}
read -r DB_HOST DB_PORT DB_USER DB_PASS DB_NAME < <(node -e '
  const u = new URL(process.argv[1]);
  console.log([u.hostname || "127.0.0.1", u.port || "5432", decodeURIComponent(u.username || "strata"),
    decodeURIComponent(u.password || "strata"), u.pathname.slice(1) || "strata"].join(" "));' "$DATABASE_URL")
local_host() { case "$1" in 127.0.0.1|localhost|::1|\[::1\]) return 0;; *) return 1;; esac; }

# --- PostgreSQL -------------------------------------------------------------------------------------
if local_host "$DB_HOST"; then
  if ! pg_lsclusters -h 2>/dev/null | grep -q .; then
    log "creating PostgreSQL $PG cluster"
    "${SUDO[@]}" pg_createcluster "$PG" main >/dev/null
  fi
  cluster=$(pg_lsclusters -h | awk -v port="$DB_PORT" '$3 == port {print $1" "$2" "$4; exit}')
  [ -n "$cluster" ] || die "no PostgreSQL cluster listens on port $DB_PORT"
  read -r c_ver c_name c_state <<<"$cluster"
  if [ "$c_state" != online ]; then
    log "starting PostgreSQL $c_ver/$c_name"
    "${SUDO[@]}" pg_ctlcluster --skip-systemctl-redirect "$c_ver" "$c_name" start
  fi
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p "$DB_PORT" && break; sleep 1; done
  pg_isready -q -h 127.0.0.1 -p "$DB_PORT" || die "PostgreSQL did not come up on port $DB_PORT"

  psql_super() { as_postgres psql -p "$DB_PORT" -v ON_ERROR_STOP=1 -qAtX "$@"; }
  if [ "$(psql_super -c "SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER'")" != 1 ]; then
    log "creating role $DB_USER"
    psql_super -c "CREATE ROLE \"$DB_USER\" LOGIN PASSWORD '$DB_PASS'"
  fi
  if [ "$MODE" = test ]; then
    psql_super -c "DROP DATABASE IF EXISTS \"$DB_NAME\" WITH (FORCE)"
  fi
  if [ "$(psql_super -c "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'")" != 1 ]; then
    log "creating database $DB_NAME"
    psql_super -c "CREATE DATABASE \"$DB_NAME\" OWNER \"$DB_USER\""
  fi
  # PostGIS is not a trusted extension: a superuser creates it once, the app role owns everything else.
  psql_super -d "$DB_NAME" -c 'CREATE EXTENSION IF NOT EXISTS postgis' -c 'CREATE EXTENSION IF NOT EXISTS pgcrypto'
else
  log "using the external PostgreSQL at $DB_HOST:$DB_PORT (create the database and the postgis extension there yourself)"
fi

# --- Redis ------------------------------------------------------------------------------------------
read -r R_HOST R_PORT < <(node -e 'const u=new URL(process.argv[1]); console.log((u.hostname||"127.0.0.1").replace(/^\[|\]$/g,""), u.port||"6379")' "$REDIS_URL")
if local_host "$R_HOST" && ! redis-cli -h "$R_HOST" -p "$R_PORT" ping >/dev/null 2>&1; then
  log "starting Redis on port $R_PORT"
  "${SUDO[@]}" mkdir -p /var/lib/redis /var/log/redis
  "${SUDO[@]}" redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$R_PORT" --dir /var/lib/redis \
    --logfile /var/log/redis/strata.log --appendonly yes >/dev/null
  for _ in $(seq 1 20); do redis-cli -h "$R_HOST" -p "$R_PORT" ping >/dev/null 2>&1 && break; sleep 0.5; done
  redis-cli -h "$R_HOST" -p "$R_PORT" ping >/dev/null || die "Redis did not come up on port $R_PORT"
fi

# --- npm dependencies -------------------------------------------------------------------------------
# gdal-async must compile against the system GDAL (libgdal-dev): without these two settings it tries to
# download a prebuilt binary and then falls back to compiling all of GDAL from its bundled sources.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] \
  || ! node -e "import('gdal-async').then(g => process.exit(g.default.bundled ? 1 : 0), () => process.exit(1))" 2>/dev/null; then
  log "installing npm dependencies (gdal-async compiles against the system GDAL: about 2 minutes the first time)"
  npm_config_build_from_source=true npm_config_shared_gdal=true npm install --no-audit --no-fund --loglevel=error
fi
# A plain `npm install` run by hand (or before libgdal-dev was installed) leaves a gdal-async built from
# its bundled GDAL, which lacks drivers Strata needs (PostgreSQL): rebuild it against the system GDAL.
if ! node -e "import('gdal-async').then(g => process.exit(g.default.bundled ? 1 : 0), () => process.exit(1))" 2>/dev/null; then
  log "rebuilding gdal-async against the system GDAL"
  npm_config_build_from_source=true npm_config_shared_gdal=true npm rebuild gdal-async --loglevel=error
fi
