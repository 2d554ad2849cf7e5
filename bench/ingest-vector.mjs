// Vector commit throughput and worker memory versus ogr2ogr (issue 4).
//
// Input: a GeoPackage with one Point layer `points` (EPSG:4326) of --features features (default
// 1,000,000) and three attributes (id integer, name text, value real), generated once per run: Node
// streams a CSV `id,name,value,lon,lat` (seeded pseudo-random, so every run loads the same data) and
// ogr2ogr turns it into the GeoPackage.
// What it measures, in one run, --runs times (default 3), alternating which side goes first:
//   Strata   POST /api/ingest/upload (multipart `file`, streamed from disk) → POST
//            /api/ingest/commit/{job_id} {title} → poll GET /api/jobs/{id} every 100 ms until `completed`.
//            "ingest" is commit request → completed (what a client waits for after committing, including
//            the preview the commit runs when none was made, the queue, GDAL's COPY load in the worker's
//            child process, the GiST index, ANALYZE, the dataset's metadata and the publish transaction);
//            "total" is upload start → completed. While it runs, the worker's VmRSS and that of its
//            children (the GDAL child it forks per ingest, /proc/<pid>/task/<pid>/children) are sampled
//            every 50 ms: peaks of the worker, of the child, and of their sum at one instant.
//   ogr2ogr  PG_USE_COPY=YES ogr2ogr -f PostgreSQL PG:… points.gpkg points -nln bench_<pid>.points_<run>
//            -lco GEOMETRY_NAME=geom -lco FID=gid -lco SPATIAL_INDEX=GIST   (same file, same database;
//            the GiST index is included because Strata builds one). Strata also runs ANALYZE and computes
//            the count, column list and extent; ogr2ogr does not. For attribution only (not in the
//            ratio), each run also loads the file with SPATIAL_INDEX=NONE (as Strata's GDAL step does),
//            then times CREATE INDEX … USING GIST and ANALYZE + count + extent on that table.
// Reported: medians of features/s for both, the ratio Strata/ogr2ogr (goal >= 0.9) and the highest peaks.
//
// Needs: dist/ (`npm run build`), PostgreSQL + PostGIS and Redis (the dev ones; DATABASE_URL / REDIS_URL
// override), GDAL's ogr2ogr on PATH. Migrations are applied with the worker build's migrate.js.
// Run:
//   node bench/ingest-vector.mjs                          # 1,000,000 features, 3 runs
//   node bench/ingest-vector.mjs --features 200000 --runs 5
// Everything it creates is removed at the end, also on failure or Ctrl-C: gateway and worker processes,
// .tmp/bench-ingest-vector-<pid> (files, storage root, build copies), the scratch schema bench_<pid>,
// Strata's dataset tables (strata_data.<name>) and staging tables, the dataset, job and token rows of
// owner bench-<pid> (the token is revoked first), and the Redis keys of queue prefix strata-bench-<pid>.
// All traffic stays on 127.0.0.1.
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { parseArgs, promisify } from 'node:util';
import {
  csvPointsToGpkgArgs,
  MiB,
  alternate,
  api,
  defaults,
  dropOwnerDatasets,
  makeWorkDir,
  measureIngest,
  median,
  medianSeconds,
  onCleanup,
  OWNER,
  peakRssText,
  prepareIngest,
  printHeader,
  printPhases,
  printTable,
  quoteIdent,
  runBench,
  runMeasured,
  seconds as s,
  snapshotGateway,
  snapshotWorker,
  startIngestServices,
  stepsText,
  timed,
  verdict,
  withDatabase,
} from './support.mjs';

const execFileAsync = promisify(execFile);

const { values: args } = parseArgs({
  options: {
    features: { type: 'string', default: '1000000' },
    runs: { type: 'string', default: '3' },
  },
});
const featureCount = Number(args.features);
const runs = Number(args.runs);
if (!Number.isInteger(featureCount) || featureCount < 1 || !Number.isInteger(runs) || runs < 1) {
  throw new Error('--features and --runs take positive integers');
}

const scratchSchema = `bench_${process.pid}`;
// Issue 4 asked for 0.9; issue 12 (lean ingest) for no regression below 1.4.
const GOAL = 1.4;

await runBench(async () => {
  const work = await makeWorkDir('ingest-vector');
  const build = await snapshotGateway(work);
  await snapshotWorker(work);
  printHeader('ingest-vector', `build of ${build}; ${await toolVersions()}`);
  console.log(`${featureCount.toLocaleString('en')} features; ${runs} run(s), alternating order\n`);

  const { env, storageRoot, token, db } = await prepareIngest(work);
  await db.query(`CREATE SCHEMA ${quoteIdent(scratchSchema)}`);
  onCleanup(`drop schema ${scratchSchema}`, () =>
    db.query(`DROP SCHEMA IF EXISTS ${quoteIdent(scratchSchema)} CASCADE`),
  );

  const gpkg = join(work, 'points.gpkg');
  process.stdout.write('generating GeoPackage… ');
  const generated = await timed(() => generatePointsGeoPackage(work, gpkg, featureCount));
  const gpkgBytes = (await stat(gpkg)).size;
  console.log(`${(gpkgBytes / MiB).toFixed(1)} MiB in ${(generated.ms / 1000).toFixed(1)} s`);

  const { gateway, worker } = await startIngestServices(work, env, token);

  const url = new URL(defaults.databaseUrl);
  const pgConn =
    `PG:host=${url.hostname} port=${url.port || 5432} dbname=${decodeURIComponent(url.pathname.slice(1))} ` +
    `user=${decodeURIComponent(url.username)} password=${decodeURIComponent(url.password)}`;

  const strataRuns = [];
  const ogrRuns = [];

  const strata = async (run) => {
    const measured = await strataIngest(gateway, worker, token, gpkg, `bench ${process.pid} r${run}`);
    const { job, rss } = measured;
    if (job.rows_processed !== featureCount)
      throw new Error(`Strata loaded ${job.rows_processed} features, expected ${featureCount}`);
    const dataset = await api(gateway.baseUrl, token, 'GET', `/api/datasets/${job.dataset_id}`);
    const [schema, table] = dataset.table_name.split('.');
    const { rows } = await db.query(
      `SELECT count(*)::int AS n,
              (SELECT count(*)::int FROM pg_indexes WHERE schemaname = $1 AND tablename = $2 AND indexdef ILIKE '%gist%') AS gist
         FROM ${quoteIdent(schema)}.${quoteIdent(table)}`,
      [schema, table],
    );
    if (rows[0].n !== featureCount || rows[0].gist !== 1)
      throw new Error(`${dataset.table_name}: ${rows[0].n} rows, ${rows[0].gist} GiST index(es)`);
    // The table, the dataset row and the staged file go now; job rows at the end.
    await dropOwnerDatasets(db, OWNER);
    await rm(join(storageRoot, 'staging', job.id), { recursive: true, force: true });
    strataRuns.push({ ...measured, table: dataset.table_name });
    console.log(
      `[strata ] run ${run}: upload ${s(measured.uploadMs)}, commit→completed ${s(measured.ingestMs)} ` +
        `(${fps(measured.ingestMs)}), upload→completed ${s(measured.totalMs)}; ` +
        `peak RSS worker ${mib(rss.parent)}, child ${mib(rss.children)}, sum ${mib(rss.total)} (${rss.samples} samples)`,
    );
    console.log(`          split: ${splitText(measured)}`);
    console.log(`          steps: ${stepsText(measured.steps)}`);
  };

  const ogr = async (run) => {
    const table = `points_${run}`;
    const qualified = `${scratchSchema}.${table}`;
    const ogrArgs = [
      '-f',
      'PostgreSQL',
      pgConn,
      gpkg,
      'points',
      '-nln',
      qualified,
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
    const q = `${quoteIdent(scratchSchema)}.${quoteIdent(table)}`;
    const check = await db.query(
      `SELECT count(*)::int AS n,
              (SELECT count(*)::int FROM pg_indexes WHERE schemaname = $1 AND tablename = $2 AND indexdef ILIKE '%gist%') AS gist
         FROM ${q}`,
      [scratchSchema, table],
    );
    if (check.rows[0].n !== featureCount || check.rows[0].gist !== 1)
      throw new Error(`${qualified}: ${check.rows[0].n} rows, ${check.rows[0].gist} GiST index(es)`);
    await db.query(`DROP TABLE IF EXISTS ${q} CASCADE`);

    // Attribution, not part of the comparison: the load the way Strata does it (no index during the
    // load), then the index and what Strata runs after it (ANALYZE, count, extent), each timed.
    const noIndexArgs = ogrArgs.map((a) => (a === 'SPATIAL_INDEX=GIST' ? 'SPATIAL_INDEX=NONE' : a));
    const noIndex = await runMeasured('ogr2ogr', noIndexArgs, { env: { PG_USE_COPY: 'YES' } });
    const index = await timed(() => db.query(`CREATE INDEX ON ${q} USING GIST (geom)`));
    const post = await timed(async () => {
      await db.query(`ANALYZE ${q}`);
      await db.query(`SELECT count(*) FROM ${q}`);
      await db.query(`SELECT ST_Extent(geom) FROM ${q}`);
    });
    await db.query(`DROP TABLE IF EXISTS ${q} CASCADE`);
    ogrRuns.push({ ms: result.ms, peak: result.peak, noIndexMs: noIndex.ms, indexMs: index.ms, postMs: post.ms });
    console.log(
      `[ogr2ogr] run ${run}: ${s(result.ms)} (${fps(result.ms)}), peak RSS ${mib(result.peak)}; attribution: ` +
        `without index ${s(noIndex.ms)}, CREATE INDEX ${s(index.ms)}, ANALYZE + count + extent ${s(post.ms)}`,
    );
  };

  await alternate(runs, strata, ogr);

  const strataIngestMs = median(strataRuns.map((r) => r.ingestMs));
  const ogrMs = median(ogrRuns.map((r) => r.ms));
  const ratio = ogrMs / strataIngestMs;
  console.log(`\n${featureCount.toLocaleString('en')} features, ${(gpkgBytes / MiB).toFixed(1)} MiB GeoPackage.`);
  console.log('Medians of the runs; peak RSS is the highest of the runs.\n');
  const summary = {
    runs,
    'Strata upload s': medianSeconds(strataRuns.map((r) => r.uploadMs)),
    'Strata commit→completed s': (strataIngestMs / 1000).toFixed(2),
    'Strata upload→completed s': medianSeconds(strataRuns.map((r) => r.totalMs)),
    'ogr2ogr s': (ogrMs / 1000).toFixed(2),
    'Strata features/s': rate(strataIngestMs),
    'ogr2ogr features/s': rate(ogrMs),
    [`ratio (≥ ${GOAL})`]: `${ratio.toFixed(2)} ${verdict(ratio >= GOAL)}`,
    'per-run ratios': strataRuns.map((r, i) => (ogrRuns[i].ms / r.ingestMs).toFixed(2)).join(', '),
    'worker / child / sum peak RSS MiB': peakRssText(strataRuns),
    'ogr2ogr peak RSS MiB': (Math.max(...ogrRuns.map((r) => r.peak)) / MiB).toFixed(0),
  };
  printTable(Object.keys(summary), [summary]);
  printPhases(strataRuns, ['commit request', 'queue wait', 'load (GDAL)', 'index + ANALYZE + metadata + publish'], {
    'raw: ogr2ogr, no index': medianSeconds(ogrRuns.map((r) => r.noIndexMs)),
    'raw: CREATE INDEX … GIST': medianSeconds(ogrRuns.map((r) => r.indexMs)),
    'raw: ANALYZE + count + extent': medianSeconds(ogrRuns.map((r) => r.postMs)),
  });
});

/** Upload, commit and wait (see `measureIngest`); `split` attributes the commit→completed time to its phases. */
async function strataIngest(gateway, worker, token, path, title) {
  const measured = await measureIngest(gateway, worker, token, path, 'points.gpkg', title);
  // The steps as the worker timed them (its `job finished` line).
  const steps = measured.workerSteps ?? {};
  const after = [steps.indexing, steps.finalizing, steps.publishing].filter((v) => v !== undefined);
  const split = {
    'commit request': measured.commitMs,
    'queue wait': measured.queueWaitMs,
    'load (GDAL)': steps.loading,
    'index + ANALYZE + metadata + publish': after.length > 0 ? after.reduce((a, b) => a + b, 0) : undefined,
  };
  return { ...measured, split };
}

function splitText(measured) {
  return Object.entries(measured.split)
    .map(([k, v]) => `${k} ${v === undefined ? '?' : s(v)}`)
    .join(', ');
}

/** Streams a CSV of `count` points from a seeded generator and converts it with ogr2ogr. */
async function generatePointsGeoPackage(work, gpkg, count) {
  const csv = join(work, 'points.csv');
  const out = createWriteStream(csv);
  let seed = 0x5eed;
  const random = () => {
    // mulberry32: a small, fast, seeded generator, so every run loads the same points.
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  out.write('id,name,value,lon,lat\n');
  const batch = 10_000;
  for (let start = 1; start <= count; start += batch) {
    let chunk = '';
    for (let id = start; id < Math.min(start + batch, count + 1); id += 1) {
      const lon = (random() * 360 - 180).toFixed(6);
      const lat = (random() * 170 - 85).toFixed(6);
      chunk += `${id},feature ${id},${(random() * 1000).toFixed(3)},${lon},${lat}\n`;
    }
    if (!out.write(chunk)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  await execFileAsync(
    'ogr2ogr',
    csvPointsToGpkgArgs(csv, gpkg, 'points', ['-lco', 'SPATIAL_INDEX=NO', '-gt', '65536']),
  );
  await rm(csv, { force: true });
}

async function toolVersions() {
  const gdal = await execFileAsync('ogr2ogr', ['--version']).then((r) => r.stdout.trim().split(',')[0]);
  const { rows } = await withDatabase(defaults.databaseUrl, (client) =>
    client.query(`SELECT current_setting('server_version') AS pg, postgis_lib_version() AS postgis`),
  );
  return `${gdal}, PostgreSQL ${rows[0].pg}, PostGIS ${rows[0].postgis}`;
}

function mib(bytes) {
  return `${(bytes / MiB).toFixed(0)} MiB`;
}
function rate(ms) {
  return Math.round(featureCount / (ms / 1000)).toLocaleString('en');
}
function fps(ms) {
  return `${rate(ms)} features/s`;
}
