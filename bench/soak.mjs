// Soak (issue 13): many small jobs queued at once against one gateway and one worker.
//
// --ingests small GeoJSON files (default 1,000; one point each, all different) are uploaded and committed
// (POST /api/ingest/upload, then POST /api/ingest/commit/{job_id}: the commit runs the preview itself) and
// --imports runs of the example importer (default 200; importers/stations.yaml with
// importers/samples/stations.csv through POST /api/v1/ingest/upload/stations) are started, all as fast as
// --lanes concurrent clients can send them (default 8), interleaved, without waiting for any job. Then it
// waits until every job is terminal.
// Checked: every ingest `completed` with a dataset of exactly one feature, every run `completed` or
// `completed_with_errors` (the sample has two bad rows) with the same counters; no job left behind.
// Reported: the worker's own RSS at the start (after a warm-up job), its peak and at the end (every second;
// the GDAL children separately, peak of worker + children); PostgreSQL connections of this database (not
// this script's) and Redis clients before the batch, their peak during it, and after it (after --settle-seconds, default 40, so
// the GDAL spare child has ended); jobs per minute.
//
// Needs: dist/ (`npm run build`), PostgreSQL + PostGIS and Redis (DATABASE_URL / REDIS_URL; the dev ones by
// default). Run:
//   node bench/soak.mjs                                 # 1,000 ingests + 200 importer runs
//   node bench/soak.mjs --ingests 100 --imports 20      # a quick one
// Everything it creates is removed at the end, also on failure or Ctrl-C: processes,
// .tmp/bench-soak-<pid>, the datasets, job and token rows of owner bench-<pid>, its own redis-server (on a free
// port), and public.stations when this run created it. All traffic stays on 127.0.0.1.
import { spawn } from 'node:child_process';
import { openAsBlob } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import {
  MiB,
  OWNER,
  REPO_ROOT,
  api,
  childPids,
  freePort,
  inParallel,
  makeWorkDir,
  onCleanup,
  prepareIngest,
  printHeader,
  printTable,
  rssBytes,
  runBench,
  seconds as s,
  sleep,
  snapshotGateway,
  snapshotWorker,
  startIngestServices,
  uploadMultipart,
} from './support.mjs';

const { values: opt } = parseArgs({
  options: {
    ingests: { type: 'string', default: '1000' },
    imports: { type: 'string', default: '200' },
    lanes: { type: 'string', default: '8' },
    'settle-seconds': { type: 'string', default: '40' },
  },
});
const INGESTS = Number(opt.ingests);
const IMPORTS = Number(opt.imports);
const LANES = Number(opt.lanes);
const SETTLE_MS = Number(opt['settle-seconds']) * 1000;
const SAMPLE_CSV = join(REPO_ROOT, 'importers/samples/stations.csv');
const TERMINAL = ['completed', 'completed_with_errors', 'failed', 'cancelled'];

await runBench(async () => {
  const work = await makeWorkDir('soak');
  const build = await snapshotGateway(work);
  await snapshotWorker(work);
  printHeader('soak', `build of ${build}`);
  console.log(`${INGESTS} small ingests + ${IMPORTS} importer runs, sent by ${LANES} clients\n`);

  const { env, token, db } = await prepareIngest(work);
  const { rows: existing } = await db.query(`SELECT to_regclass('public.stations') IS NOT NULL AS present`);
  if (!existing[0].present) {
    onCleanup('drop public.stations', () => db.query('DROP TABLE IF EXISTS public.stations CASCADE'));
  }
  // A Redis of its own: its client count is this stack's alone.
  const redisUrl = await startRedis(work);
  env.REDIS_URL = redisUrl;
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  onCleanup('close Redis client', () => redis.quit());
  const { gateway, worker } = await startIngestServices(work, env, token);

  // One importer run first (creates public.stations), so the batch's runs all do the same work.
  const firstRun = await startImport(gateway.baseUrl, token);
  await waitTerminal(db, [firstRun], 120_000);
  await sleep(SETTLE_MS);
  const before = await connections(db, redis);
  const startRss = rssBytes(worker.pid);
  console.log(`before: worker RSS ${mib(startRss)}, ${connectionsText(before)}`);

  const samples = [];
  const peakConnections = [];
  const sampler = setInterval(() => {
    const own = rssBytes(worker.pid);
    const children = childPids(worker.pid).reduce((sum, pid) => sum + rssBytes(pid), 0);
    if (own > 0) samples.push({ own, tree: own + children });
    void connections(db, redis).then(
      (c) => peakConnections.push(c),
      () => undefined,
    );
  }, 1000);
  onCleanup('stop RSS sampler', () => clearInterval(sampler));

  const t0 = Date.now();
  const ingestIds = [];
  const runIds = [];
  // Interleaved: every (INGESTS / IMPORTS)-th submission is an importer run.
  const total = INGESTS + IMPORTS;
  const everyNth = IMPORTS > 0 ? Math.max(1, Math.floor(total / IMPORTS)) : Infinity;
  let imports = 0;
  let ingests = 0;
  await inParallel(total, LANES, async (i) => {
    if (imports < IMPORTS && (i % everyNth === 0 || ingests >= INGESTS)) {
      imports += 1;
      runIds.push(await startImport(gateway.baseUrl, token));
      return;
    }
    ingests += 1;
    const n = ingests;
    const path = join(work, `point-${n}.geojson`);
    const body = JSON.stringify({
      type: 'FeatureCollection',
      features: [{ type: 'Feature', properties: { n }, geometry: { type: 'Point', coordinates: [10 + n / 1e4, 50] } }],
    });
    await writeFile(path, body);
    const upload = await uploadMultipart(gateway.baseUrl, token, path, `point-${n}.geojson`, Buffer.byteLength(body));
    await api(gateway.baseUrl, token, 'POST', `/api/ingest/commit/${upload.job_id}`, { title: `Soak ${n}` });
    ingestIds.push(upload.job_id);
  });
  const submittedMs = Date.now() - t0;
  console.log(`submitted ${ingestIds.length} ingests and ${runIds.length} runs in ${s(submittedMs)}`);

  await waitTerminal(db, [...ingestIds, ...runIds], 90 * 60_000, (done, all) =>
    process.stdout.write(`\r${done}/${all} terminal after ${s(Date.now() - t0)}   `),
  );
  const finishedMs = Date.now() - t0;
  clearInterval(sampler);
  console.log('');

  const problems = await verify(db, ingestIds, runIds);
  await sleep(SETTLE_MS);
  const after = await connections(db, redis);
  const endRss = rssBytes(worker.pid);
  const peakOwn = Math.max(startRss, ...samples.map((x) => x.own));
  const peakTree = Math.max(startRss, ...samples.map((x) => x.tree));
  const perMinute = ((ingestIds.length + runIds.length) / finishedMs) * 60_000;

  const row = {
    jobs: `${ingestIds.length} ingests + ${runIds.length} runs`,
    wall: s(finishedMs),
    'jobs/min': perMinute.toFixed(0),
    'worker RSS start / peak / end MiB': `${mib(startRss)} / ${mib(peakOwn)} / ${mib(endRss)}`,
    'peak worker + GDAL children MiB': mib(peakTree),
  };
  printTable(Object.keys(row), [row]);
  printTable(
    ['', 'PostgreSQL connections', 'Redis clients'],
    [
      { '': 'before', 'PostgreSQL connections': before.pg, 'Redis clients': before.redis },
      {
        '': 'peak during the batch',
        'PostgreSQL connections': Math.max(...peakConnections.map((c) => c.pg)),
        'Redis clients': Math.max(...peakConnections.map((c) => c.redis)),
      },
      { '': 'after', 'PostgreSQL connections': after.pg, 'Redis clients': after.redis },
    ],
  );
  if (after.pg > before.pg || after.redis > before.redis) problems.push('connections grew (see the table)');
  if (problems.length > 0) throw new Error(`soak failed:\n- ${problems.join('\n- ')}`);
  console.log('every job ended as expected; nothing left behind');
});

/** redis-server on a free loopback port, without persistence, stopped at the end. */
async function startRedis(work) {
  const port = await freePort();
  const server = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', work],
    {
      stdio: 'ignore',
    },
  );
  onCleanup('stop redis-server', () => server.kill('SIGTERM'));
  const url = `redis://127.0.0.1:${port}`;
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined);
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await probe.connect();
      await probe.quit();
      return url;
    } catch (error) {
      probe.disconnect();
      if (Date.now() > deadline) throw new Error(`redis-server did not start: ${error.message}`);
      await sleep(100);
    }
  }
}

async function startImport(baseUrl, token) {
  const form = new FormData();
  form.append('file', await openAsBlob(SAMPLE_CSV), 'stations.csv');
  const res = await fetch(`${baseUrl}/api/v1/ingest/upload/stations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  const text = await res.text();
  if (res.status !== 202) throw new Error(`importer upload answered ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text).data.id;
}

/** Polls the database (not the API: the batch is what is measured) until every job is terminal. */
async function waitTerminal(db, ids, timeoutMs, onProgress) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await db.query(
      `SELECT count(*)::int AS done FROM ingest_jobs WHERE id = ANY($1::uuid[]) AND status = ANY($2::text[])`,
      [ids, TERMINAL],
    );
    onProgress?.(rows[0].done, ids.length);
    if (rows[0].done === ids.length) return;
    if (Date.now() > deadline) throw new Error(`${ids.length - rows[0].done} job(s) not terminal in time`);
    await sleep(2000);
  }
}

/** What went wrong, if anything: statuses, datasets and the runs' counters. */
async function verify(db, ingestIds, runIds) {
  const problems = [];
  const { rows: ingests } = await db.query(
    `SELECT j.status, count(*)::int AS jobs, count(d.id)::int AS datasets,
            count(*) FILTER (WHERE d.feature_count = 1)::int AS one_feature
       FROM ingest_jobs j LEFT JOIN datasets d ON d.id = j.dataset_id
      WHERE j.id = ANY($1::uuid[]) GROUP BY j.status`,
    [ingestIds],
  );
  for (const row of ingests) {
    if (row.status !== 'completed') problems.push(`${row.jobs} ingest(s) ended ${row.status}`);
    else if (row.datasets !== row.jobs || row.one_feature !== row.jobs)
      problems.push(`${row.jobs} completed ingests but ${row.datasets} datasets, ${row.one_feature} of one feature`);
  }
  const { rows: runs } = await db.query(
    `SELECT status, rows_total, rows_processed, rows_failed, count(*)::int AS runs
       FROM ingest_jobs WHERE id = ANY($1::uuid[])
      GROUP BY status, rows_total, rows_processed, rows_failed`,
    [runIds],
  );
  if (runs.length !== 1 || !['completed', 'completed_with_errors'].includes(runs[0]?.status)) {
    problems.push(`importer runs did not all end alike: ${JSON.stringify(runs)}`);
  }
  return problems;
}

/** This database's connections other than this script's, and Redis clients other than this script's. */
async function connections(db, redis) {
  const { rows } = await db.query(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`,
  );
  const clients = String(await redis.client('LIST'))
    .split('\n')
    .filter((line) => line.trim() !== '');
  return { pg: rows[0].n, redis: clients.length - 1 };
}

function connectionsText(c) {
  return `${c.pg} PostgreSQL connections, ${c.redis} Redis clients`;
}

function mib(bytes) {
  return (bytes / MiB).toFixed(0);
}
