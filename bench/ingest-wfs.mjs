// WFS 2.0 ingest throughput and worker memory versus ogr2ogr (issue 8).
//
// Input: a GeoPackage with one Point layer `places` (EPSG:4326) of --features features (default 100,000;
// id integer, name text, kind text, depth real), served by MapServer 8 (`mapserv`, one process per
// request behind a small CGI host in this script, as in test/services/mapserver) as WFS 2.0 layer
// `ms:places` through OGR, so that MapServer can sort it (SORTBY).
// What it measures, in one run, --runs times (default 1), alternating which side goes first:
//   Strata   POST /api/services/preview/ {url, service_type: "WFS 2.0.0", layer_name} → POST
//            /api/ingest/commit/{job_id} {title} → poll GET /api/jobs/{id} every 100 ms until `completed`.
//            "ingest" is commit request → completed (queue, GDAL's paged WFS read through the worker's
//            guarded proxy — pages of 1,000 sorted by `id` — and its COPY into PostGIS, the GiST index,
//            ANALYZE, metadata and publish); "total" is preview request → completed. The worker's and its
//            GDAL child's VmRSS are sampled every 50 ms.
//   ogr2ogr  PG_USE_COPY=YES ogr2ogr -f PostgreSQL PG:… "WFS:<same url>?VERSION=2.0.0" ms:places
//            -nln bench_<pid>.places_<run> -lco GEOMETRY_NAME=geom -lco FID=gid -lco SPATIAL_INDEX=GIST
//            (GDAL's defaults: pages of 100, no sort). For attribution only (not in the ratio), each run
//            also runs it with --config OGR_WFS_PAGE_SIZE 1000 (Strata's page size).
// Reported: features/s of both, the ratio Strata/ogr2ogr (goal >= 0.9), peak RSS, MapServer requests.
//
// Needs: dist/ (`npm run build`), PostgreSQL + PostGIS and Redis (DATABASE_URL / REDIS_URL override the
// dev ones), GDAL's ogr2ogr and MapServer's mapserv on PATH (scripts/provision.sh test installs it).
// Run:
//   npm run bench:ingest-wfs
//   node bench/ingest-wfs.mjs --features 20000 --runs 3
// Everything it creates is removed at the end, also on failure or Ctrl-C (processes, .tmp/bench-ingest-wfs-
// <pid>, the scratch schema, datasets, jobs, the token and queue keys). All traffic stays on 127.0.0.1.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import {
  csvPointsToGpkgArgs,
  MiB,
  OWNER,
  alternate,
  api,
  defaults,
  dropOwnerDatasets,
  makeWorkDir,
  median,
  mintRevocableToken,
  onCleanup,
  peakRssText,
  prepareIngest,
  printHeader,
  printTable,
  quoteIdent,
  runBench,
  runMeasured,
  sampleTreeRss,
  seconds as s,
  snapshotGateway,
  snapshotWorker,
  startIngestServices,
  stepsText,
  timed,
  verdict,
  waitForJob,
} from './support.mjs';

const execFileAsync = promisify(execFile);

const { values: args } = parseArgs({
  options: {
    features: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '1' },
  },
});
const featureCount = Number(args.features);
const runs = Number(args.runs);
if (!Number.isInteger(featureCount) || featureCount < 1 || !Number.isInteger(runs) || runs < 1) {
  throw new Error('--features and --runs take positive integers');
}

const scratchSchema = `bench_${process.pid}`;
const GOAL = 0.9;
const LAYER = 'places';

const fps = (ms) => `${rate(ms)} features/s`;
const rate = (ms) => Math.round(featureCount / (ms / 1000)).toLocaleString('en');
const mib = (bytes) => `${(bytes / MiB).toFixed(0)} MiB`;

await runBench(async () => {
  const work = await makeWorkDir('ingest-wfs');
  const build = await snapshotGateway(work);
  await snapshotWorker(work);
  printHeader('ingest-wfs', `build of ${build}; ${await toolVersions()}`);
  console.log(`${featureCount.toLocaleString('en')} features; ${runs} run(s), alternating order\n`);

  const prepared = await prepareIngest(work);
  const { db } = prepared;
  // The local MapServer is on loopback: allowlisted for this run only.
  const env = { ...prepared.env, SSRF_ALLOWLIST: '127.0.0.1' };
  const serviceToken = await mintRevocableToken(OWNER, ['upload', 'create_layers'], env);
  await db.query(`CREATE SCHEMA ${quoteIdent(scratchSchema)}`);
  onCleanup(`drop schema ${scratchSchema}`, () =>
    db.query(`DROP SCHEMA IF EXISTS ${quoteIdent(scratchSchema)} CASCADE`),
  );

  process.stdout.write('generating GeoPackage… ');
  const gpkg = join(work, 'places.gpkg');
  const generated = await timed(() => generatePlaces(work, gpkg, featureCount));
  console.log(`${(generated.ms / 1000).toFixed(1)} s`);
  const mapserver = await startMapServer(work, gpkg);
  console.log(`MapServer CGI host on ${mapserver.wfsUrl}`);

  const { gateway, worker } = await startIngestServices(work, env, prepared.token);

  const url = new URL(defaults.databaseUrl);
  const pgConn =
    `PG:host=${url.hostname} port=${url.port || 5432} dbname=${decodeURIComponent(url.pathname.slice(1))} ` +
    `user=${decodeURIComponent(url.username)} password=${decodeURIComponent(url.password)}`;

  const strataRuns = [];
  const ogrRuns = [];

  const strata = async (run) => {
    const before = mapserver.requests.length;
    const sampler = sampleTreeRss(worker.pid, 50);
    const t0 = process.hrtime.bigint();
    let measured;
    try {
      const preview = await timed(() =>
        api(gateway.baseUrl, serviceToken, 'POST', '/api/services/preview/', {
          url: mapserver.wfsUrl,
          service_type: 'WFS 2.0.0',
          layer_name: `ms:${LAYER}`,
        }),
      );
      if (preview.result.feature_count !== featureCount)
        throw new Error(`preview counted ${preview.result.feature_count} features`);
      const jobId = preview.result.job_id;
      const c0 = process.hrtime.bigint();
      await api(gateway.baseUrl, serviceToken, 'POST', `/api/ingest/commit/${jobId}`, {
        title: `bench ${process.pid} r${run}`,
      });
      const done = await waitForJob(gateway.baseUrl, serviceToken, jobId, { t0: c0, intervalMs: 100 });
      measured = {
        ...done,
        previewMs: preview.ms,
        ingestMs: done.ms,
        totalMs: Number(process.hrtime.bigint() - t0) / 1e6,
      };
    } finally {
      measured = { ...measured, rss: sampler.stop() };
    }
    const { job } = measured;
    if (job.status !== 'completed') throw new Error(`Strata job ended ${job.status}: ${JSON.stringify(job.error)}`);
    const dataset = await api(gateway.baseUrl, serviceToken, 'GET', `/api/datasets/${job.dataset_id}`);
    const [schema, table] = dataset.table_name.split('.');
    const { rows } = await db.query(
      `SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids FROM ${quoteIdent(schema)}.${quoteIdent(table)}`,
    );
    if (rows[0].n !== featureCount || rows[0].ids !== featureCount)
      throw new Error(`${dataset.table_name}: ${rows[0].n} rows, ${rows[0].ids} distinct ids`);
    await dropOwnerDatasets(db, OWNER);
    const requests = mapserver.requests.slice(before);
    measured.pages = requests.filter((r) => /REQUEST=GetFeature/.test(r) && /STARTINDEX/.test(r)).length;
    measured.sorted = requests.some((r) => /SORTBY=id/.test(r));
    strataRuns.push(measured);
    console.log(
      `[strata ] run ${run}: preview ${s(measured.previewMs)}, commit→completed ${s(measured.ingestMs)} ` +
        `(${fps(measured.ingestMs)}), preview→completed ${s(measured.totalMs)}; ${measured.pages} GetFeature pages` +
        `${measured.sorted ? ' (sorted)' : ''}; peak RSS worker ${mib(measured.rss.parent)}, child ` +
        `${mib(measured.rss.children)}, sum ${mib(measured.rss.total)}`,
    );
    console.log(`          steps: ${stepsText(measured.steps)}`);
  };

  const ogr = async (run) => {
    const results = {};
    for (const [label, pageSize] of [
      ['default', null],
      ['page1000', '1000'],
    ]) {
      const table = `places_${run}_${label}`;
      const q = `${quoteIdent(scratchSchema)}.${quoteIdent(table)}`;
      const before = mapserver.requests.length;
      const ogrArgs = [
        ...(pageSize ? ['--config', 'OGR_WFS_PAGE_SIZE', pageSize] : []),
        '-f',
        'PostgreSQL',
        pgConn,
        `WFS:${mapserver.wfsUrl}?VERSION=2.0.0`,
        `ms:${LAYER}`,
        '-nln',
        `${scratchSchema}.${table}`,
        '-lco',
        'GEOMETRY_NAME=geom',
        '-lco',
        'FID=gid',
        '-lco',
        'SPATIAL_INDEX=GIST',
      ];
      if (run === 1)
        console.log(`          PG_USE_COPY=YES ogr2ogr ${ogrArgs.join(' ').replace(/password=\S+/, 'password=***')}`);
      const result = await runMeasured('ogr2ogr', ogrArgs, { env: { PG_USE_COPY: 'YES' } });
      const { rows } = await db.query(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids FROM ${q}`);
      await db.query(`DROP TABLE IF EXISTS ${q} CASCADE`);
      const pages = mapserver.requests
        .slice(before)
        .filter((r) => /REQUEST=GetFeature/.test(r) && /STARTINDEX/.test(r)).length;
      results[label] = { ...result, rows: rows[0].n, ids: rows[0].ids, pages };
      console.log(
        `[ogr2ogr] run ${run} (${label}): ${s(result.ms)} (${fps(result.ms)}), ${rows[0].n} rows / ${rows[0].ids} ` +
          `distinct ids, ${pages} GetFeature pages, peak RSS ${mib(result.peak)}`,
      );
    }
    ogrRuns.push(results);
  };

  await alternate(runs, strata, ogr);

  const strataMs = median(strataRuns.map((r) => r.ingestMs));
  const ogrMs = median(ogrRuns.map((r) => r.default.ms));
  const ogr1000Ms = median(ogrRuns.map((r) => r.page1000.ms));
  const summary = {
    runs,
    'Strata commit→completed s': (strataMs / 1000).toFixed(2),
    'Strata preview s': (median(strataRuns.map((r) => r.previewMs)) / 1000).toFixed(2),
    'ogr2ogr s': (ogrMs / 1000).toFixed(2),
    'Strata features/s': rate(strataMs),
    'ogr2ogr features/s': rate(ogrMs),
    [`ratio (≥ ${GOAL})`]: `${(ogrMs / strataMs).toFixed(2)} ${verdict(ogrMs / strataMs >= GOAL)}`,
    'ogr2ogr pages of 1000 s (attribution)': (ogr1000Ms / 1000).toFixed(2),
    'ratio vs pages of 1000': (ogr1000Ms / strataMs).toFixed(2),
    'worker / child / sum peak RSS MiB': peakRssText(strataRuns),
    'ogr2ogr peak RSS MiB': (Math.max(...ogrRuns.map((r) => r.default.peak)) / MiB).toFixed(0),
    'GetFeature pages Strata / ogr2ogr': `${strataRuns[0].pages} / ${ogrRuns[0].default.pages}`,
  };
  console.log(`\n${featureCount.toLocaleString('en')} features. Medians of the runs; peak RSS is the highest.\n`);
  printTable(Object.keys(summary), [summary]);
  const dups = ogrRuns.filter((r) => r.default.ids !== featureCount || r.default.rows !== featureCount).length;
  if (dups > 0) console.log(`\nogr2ogr (no sort) loaded a wrong set of features in ${dups} run(s).`);
});

/** `count` points from a seeded generator (the same every run), as a GeoPackage layer `places`. */
async function generatePlaces(work, gpkg, count) {
  const csv = join(work, `${LAYER}.csv`);
  const out = createWriteStream(csv);
  out.write('id,name,kind,depth,lon,lat\n');
  let seed = 0x5eed;
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let start = 1; start <= count; start += 10_000) {
    let chunk = '';
    for (let id = start; id < Math.min(start + 10_000, count + 1); id += 1) {
      chunk += `${id},place ${id},${id % 3 === 0 ? 'well' : 'spring'},${(random() * 100).toFixed(2)},`;
      chunk += `${(random() * 10 + 5).toFixed(6)},${(random() * 10 + 40).toFixed(6)}\n`;
    }
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  await execFileAsync('ogr2ogr', csvPointsToGpkgArgs(csv, gpkg, LAYER, ['-gt', '65536']));
  // MapServer sorts through OGR SQL: an index on the sort field keeps each page from sorting the table.
  await execFileAsync('ogrinfo', ['-q', gpkg, '-sql', `CREATE INDEX ${LAYER}_id ON ${LAYER}(id)`]);
  await rm(csv, { force: true });
}

/** MapServer 8 as WFS behind a CGI host on 127.0.0.1 (one `mapserv` per request); records requests. */
async function startMapServer(work, gpkg) {
  const requests = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const query = new URL(req.url ?? '/', 'http://127.0.0.1').search.slice(1);
    const child = spawn('mapserv', [], {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        MAPSERVER_CONFIG_FILE: join(work, 'mapserver.conf'),
        REQUEST_METHOD: 'GET',
        QUERY_STRING: `map=geo&${query}`,
        SCRIPT_NAME: '/mapserv',
        PATH_INFO: '',
        SERVER_NAME: '127.0.0.1',
        SERVER_PORT: String(port),
        HTTP_HOST: `127.0.0.1:${port}`,
        SERVER_PROTOCOL: 'HTTP/1.1',
      },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const out = [];
    child.stdout.on('data', (c) => out.push(c));
    child.on('close', () => {
      const all = Buffer.concat(out);
      let split = all.indexOf('\r\n\r\n');
      let sep = 4;
      if (split < 0) {
        split = all.indexOf('\n\n');
        sep = 2;
      }
      const headers = {};
      let status = 200;
      for (const line of all.subarray(0, Math.max(split, 0)).toString().split(/\r?\n/)) {
        const colon = line.indexOf(':');
        if (colon < 0) continue;
        const name = line.slice(0, colon).trim().toLowerCase();
        if (name === 'status') status = Number.parseInt(line.slice(colon + 1), 10) || 200;
        else headers[name] = line.slice(colon + 1).trim();
      }
      res.writeHead(split < 0 ? 502 : status, headers);
      res.end(split < 0 ? all : all.subarray(split + sep));
    });
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  onCleanup('stop MapServer host', () => new Promise((ok) => server.close(ok)));
  const port = server.address().port;
  const base = `http://127.0.0.1:${port}/mapserv/geo`;
  const mapPath = join(work, 'geo.map');
  await writeFile(
    mapPath,
    `MAP
  NAME "geo"
  EXTENT -180 -90 180 90
  PROJECTION "init=epsg:4326" END
  WEB
    METADATA
      "ows_title" "Strata bench"
      "ows_enable_request" "*"
      "ows_srs" "EPSG:4326"
      "ows_onlineresource" "${base}?"
      "wfs_getfeature_formatlist" "gml3"
    END
  END
  LAYER
    NAME "${LAYER}"
    TYPE POINT
    STATUS ON
    CONNECTIONTYPE OGR
    CONNECTION "${gpkg}"
    DATA "${LAYER}"
    TEMPLATE "dummy"
    PROJECTION "init=epsg:4326" END
    METADATA
      "ows_title" "${LAYER}"
      "gml_include_items" "all"
      "gml_featureid" "id"
      "gml_types" "auto"
      "gml_geometries" "geom"
      "gml_geom_type" "point"
      "wfs_enable_request" "*"
    END
  END
END
`,
  );
  await writeFile(
    join(work, 'mapserver.conf'),
    `CONFIG\n  ENV\n    MS_MAP_PATTERN "^${work}/"\n  END\n  MAPS\n    "geo" "${mapPath}"\n  END\nEND\n`,
  );
  return { wfsUrl: base, requests };
}

async function toolVersions() {
  const gdal = await execFileAsync('ogr2ogr', ['--version']).then((r) => r.stdout.trim().split(',')[0]);
  const ms = await execFileAsync('mapserv', ['-v']).then((r) => r.stdout.trim().split(' ').slice(0, 3).join(' '));
  return `${gdal}; ${ms}`;
}
