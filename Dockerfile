# One image for every Strata process; the command picks the role:
#   gateway (default)  node dist/apps/gateway/apps/gateway/src/main.js
#   worker             node dist/apps/worker/apps/worker/src/main.js
#   migrations         node dist/apps/worker/apps/worker/src/migrate.js
#   operator CLI       node dist/apps/gateway/apps/gateway/src/cli/cli.js token:create ...
#
# Both stages use Debian bookworm, so gdal-async is compiled against bookworm's GDAL (3.6, libgdal32)
# and runs against the very same shared library.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS build

RUN apt-get update \
  && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    libgdal-dev g++ make python3 \
  && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# gdal-async must compile against the system GDAL: without the first two settings it tries to download a
# prebuilt binary and then falls back to compiling all of GDAL from its bundled sources. nodedir points
# node-gyp at the headers the node image already carries instead of downloading them.
ENV npm_config_build_from_source=true \
    npm_config_shared_gdal=true \
    npm_config_nodedir=/usr/local \
    npm_config_update_notifier=false

# Dependencies first, so source changes do not recompile gdal-async. `npm install` rather than
# `npm ci`: the committed lockfile is honoured either way, and `npm ci` rejects it on some npm versions.
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund --loglevel=error

COPY tsconfig.json nest-cli.json ./
COPY apps ./apps
COPY libs ./libs
RUN npm run build

# Production dependencies only. gdal-async keeps its compiled binding (lib/binding) and the GRIB tables it
# points GDAL at when it loads, and drops the GDAL sources and object files it carries for building (a
# few hundred MB that a shared-GDAL build never loads; GDAL_DATA and PROJ_LIB below replace the rest).
RUN npm prune --omit=dev --no-audit --no-fund --loglevel=error \
  && cd node_modules/gdal-async \
  && mv deps/libgdal/gdal/frmts/grib/data /tmp/grib-data \
  && rm -rf deps src build \
  && mkdir -p deps/libgdal/gdal/frmts/grib \
  && mv /tmp/grib-data deps/libgdal/gdal/frmts/grib/data \
  && cd /app \
  && npm cache clean --force

# ---------------------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime

# libgdal32 is bookworm's GDAL 3.6 runtime library (it pulls gdal-data, PROJ and the format libraries);
# gdal-bin is left out because on bookworm it drags in Python and NumPy for tools Strata never calls.
# tini runs as PID 1, forwards SIGTERM to node and reaps children.
RUN apt-get update \
  && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
    libgdal32 ca-certificates tini \
  && rm -rf /var/lib/apt/lists/*

# GDAL_DATA and PROJ_LIB name the data of the system GDAL and PROJ (their built-in defaults); gdal-async
# refuses to load without them once its bundled copies are gone.
ENV NODE_ENV=production \
    GDAL_DATA=/usr/share/gdal \
    PROJ_LIB=/usr/share/proj \
    STORAGE_LOCAL_ROOT=/var/lib/strata/storage

WORKDIR /app

# The storage directory exists in the image, owned by the runtime user, so a fresh named volume mounted
# there inherits that ownership and the non-root processes can write to it.
RUN mkdir -p /var/lib/strata/storage && chown -R node:node /var/lib/strata

# Code and dependencies stay owned by root: the runtime user can read them, not change them.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Importer definitions (IMPORTERS_DIR, relative to /app); mount a directory over it to use your own.
COPY importers ./importers

# The official node image ships an unprivileged `node` user (uid 1000).
USER node

# Fail the image build, not the first job, if the binding cannot load the system GDAL.
RUN node -e "import('gdal-async').then((m) => { const g = m.default; if (g.bundled) throw new Error('gdal-async uses its bundled GDAL'); console.log('GDAL', g.version); })"

EXPOSE 3000

# Meant for the gateway (the default command). Worker and migration containers have no HTTP port:
# docker-compose.yml disables this check for them; elsewhere run them with --no-healthcheck.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/api/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/apps/gateway/apps/gateway/src/main.js"]
