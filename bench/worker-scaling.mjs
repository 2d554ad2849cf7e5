// Worker scaling: the same batch with 1 and with 2 worker processes (issue 14).
//
// One gateway stays up for the whole run; for each configuration the bench starts N worker processes
// (the built apps, as `npm start` runs them, each with WORKER_CONCURRENCY=--concurrency), makes sure every
// one of them consumes (diagnostics jobs until each worker's pid has answered one), runs the batches, and
// stops them again. Configurations alternate over --runs runs (1 then 2, then 2 then 1, …).
//
// Batches, each timed from the first request to the last job's completed_at:
//   mixed    one GeoPackage of --layers small Point layers (--features each), uploaded and previewed
//            before the clock starts, then committed with POST /api/ingest/commit-fan-out (one child
//            ingest job per layer, `ingest` queue), and at the same time --imports runs of the example
//            importer (importers/stations.yaml with importers/samples/stations.csv, POST
//            /api/v1/ingest/upload/stations, `import` queue). CPU-heavy: each ingest forks a GDAL child
//            and loads into PostGIS on the same machine.
//   waiting  --waits diagnostics jobs (POST /api/admin/diagnostics, `system` queue) of --steps steps of
//            --step-ms each: a GDAL self-test, then mostly waiting. Shows the scaling when CPU is not
//            the limit, i.e. when the number of job slots is.
// CPU: utime+stime of each worker process and of its descendants (its GDAL children; children that ended
// in the window count through the worker's cutime/cstime), read from /proc/<pid>/stat at the start and the
// end of each batch; the gateway's the same way; the PostgreSQL backends of this database (pg_stat_activity,
// sampled every 200 ms, a lower bound); the machine's busy time from /proc/stat (everything: Redis, other
// databases, other users of the machine). Reported as cores (CPU seconds / wall seconds).
// Reported: per configuration the medians of jobs/min, the ratio 2 workers / 1 worker (goal >= 1.8 on
// queue-bound work) and the CPU cores used.
//
// Needs: dist/ (`npm run build`), PostgreSQL + PostGIS and Redis (DATABASE_URL / REDIS_URL; the dev ones by
// default), GDAL's ogr2ogr on PATH. Run:
//   node bench/worker-scaling.mjs                       # 3 runs, 40 layers + 20 imports, 20 waiting jobs
//   node bench/worker-scaling.mjs --runs 5 --concurrency 2
// Everything it creates is removed at the end, also on failure or Ctrl-C: gateway and worker processes,
// .tmp/bench-worker-scaling-<pid>, the datasets, job and token rows of owner bench-<pid>, the Redis keys of
// queue prefix strata-bench-<pid>, and public.stations when this run created it. All traffic stays on
// 127.0.0.1.
import { execFile } from 'node:child_process';
import { openAsBlob, readFileSync, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import {
  csvPointsToGpkgArgs,
  OWNER,
  REPO_ROOT,
  alternate,
  api,
  childPids,
  defaults,
  dropOwnerDatasets,
  inParallel,
  makeWorkDir,
  median,
  mintRevocableToken,
  onCleanup,
  prepareIngest,
  printHeader,
  printTable,
  runBench,
  seconds as s,
  sleep,
  snapshotGateway,
  snapshotWorker,
  startGateway,
  startWorker,
  uploadMultipart,
  verdict,
  withDatabase,
} from './support.mjs';

const execFileAsync = promisify(execFile);

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '1' },
    layers: { type: 'string', default: '40' },
    features: { type: 'string', default: '500' },
    imports: { type: 'string', default: '20' },
    waits: { type: 'string', default: '20' },
    steps: { type: 'string', default: '2' },
    'step-ms': { type: 'string', default: '1000' },
  },
});
const opt = Object.fromEntries(Object.entries(args).map(([k, v]) => [k, Number(v)]));
for (const [name, value] of Object.entries(opt)) {
  if (!Number.isInteger(value) || value < (name === 'waits' || name === 'imports' ? 0 : 1)) {
    throw new Error(`--${name} takes a positive integer (--waits and --imports may be 0)`);
  }
}
if (opt.layers > 50) throw new Error('--layers: a fan-out takes at most 50 layers');

const GOAL = 1.8;
const TERMINAL = ['completed', 'completed_with_errors', 'failed', 'cancelled'];
const SAMPLE_CSV = join(REPO_ROOT, 'importers/samples/stations.csv');
const CLOCK_TICKS = Number((await execFileAsync('getconf', ['CLK_TCK'])).stdout.trim()) || 100;
const CORES = os.cpus().length;

await runBench(async () => {
  const work = await makeWorkDir('worker-scaling');
  const build = await snapshotGateway(work);
  await snapshotWorker(work);
  printHeader('worker-scaling', `build of ${build}; ${await toolVersions()}`);
  console.log(
    `WORKER_CONCURRENCY=${opt.concurrency}; mixed: ${opt.layers} fan-out children of ${opt.features} points + ` +
      `${opt.imports} importer runs; waiting: ${opt.waits} diagnostics jobs of ${opt.steps} × ${opt['step-ms']} ms; ` +
      `${opt.runs} run(s), alternating order; load average at start ${loadText()}\n`,
  );

  const { env, token, db } = await prepareIngest(work);
  const adminToken = await mintRevocableToken(OWNER, ['admin'], env);
  const { rows: existing } = await db.query(`SELECT to_regclass('public.stations') IS NOT NULL AS present`);
  if (!existing[0].present) {
    onCleanup('drop public.stations', () => db.query('DROP TABLE IF EXISTS public.stations CASCADE'));
  }

  const gpkg = join(work, 'layers.gpkg');
  process.stdout.write('generating GeoPackage… ');
  const layerNames = await generateLayers(work, gpkg);
  console.log(`${layerNames.length} layers, ${(statSync(gpkg).size / 1024).toFixed(0)} KiB`);

  const gateway = await startGateway(env);
  console.log(`gateway pid ${gateway.pid}: ready\n`);
  const ctx = { env, work, gateway, token, adminToken, db, gpkg, layerNames };

  const results = [];
  let targetCreated = false;
  const configuration = (workerCount) => async (run) => {
    const workers = await startWorkers(ctx, workerCount);
    try {
      if (!targetCreated) {
        // One run, untimed, creates public.stations, so that every timed batch does the same work (the
        // first batch would otherwise also create the table).
        await waitForRun(ctx, await uploadToImporter(ctx));
        targetCreated = true;
      }
      const mixed = await measureBatch(ctx, workers, prepareMixed, submitMixed);
      results.push({ batch: 'mixed', workerCount, run, ...mixed });
      console.log(`[${workerCount} worker${workerCount > 1 ? 's' : ' '}] run ${run} mixed:   ${runText(mixed)}`);
      if (opt.waits > 0) {
        const waiting = await measureBatch(ctx, workers, async () => null, submitWaiting);
        results.push({ batch: 'waiting', workerCount, run, ...waiting });
        console.log(`[${workerCount} worker${workerCount > 1 ? 's' : ' '}] run ${run} waiting: ${runText(waiting)}`);
      }
    } finally {
      for (const worker of workers) await worker.stop();
    }
    await dropOwnerDatasets(db, OWNER);
  };
  await alternate(opt.runs, configuration(1), configuration(2));

  console.log(`\nMedians of ${opt.runs} run(s); load average at the end ${loadText()}.\n`);
  const rows = [];
  for (const batch of ['mixed', 'waiting']) {
    const one = results.filter((r) => r.batch === batch && r.workerCount === 1);
    const two = results.filter((r) => r.batch === batch && r.workerCount === 2);
    if (one.length === 0) continue;
    const ratio = median(two.map((r) => r.jobsPerMin)) / median(one.map((r) => r.jobsPerMin));
    const pairs = one.map((r) => {
      const other = two.find((t) => t.run === r.run);
      return other ? (other.jobsPerMin / r.jobsPerMin).toFixed(2) : '?';
    });
    for (const [count, runsOf] of [
      [1, one],
      [2, two],
    ]) {
      rows.push({
        batch,
        workers: String(count),
        jobs: String(runsOf[0].jobs),
        'median time': s(median(runsOf.map((r) => r.ms))),
        'jobs/min': median(runsOf.map((r) => r.jobsPerMin)).toFixed(1),
        [`ratio 2/1 (goal ≥ ${GOAL})`]: count === 1 ? '' : `${ratio.toFixed(2)} ${verdict(ratio >= GOAL)}`,
        'per-run ratios': count === 1 ? '' : pairs.join(', '),
        'worker CPU cores (sum; each)': `${median(runsOf.map((r) => r.workerCores)).toFixed(2)}; ${eachText(runsOf)}`,
        'gateway cores': median(runsOf.map((r) => r.gatewayCores)).toFixed(2),
        [`machine busy cores (of ${CORES})`]: median(runsOf.map((r) => r.machineCores)).toFixed(2),
        'PostgreSQL cores (this database)': median(runsOf.map((r) => r.postgresCores)).toFixed(2),
        'rest of the machine cores': median(runsOf.map((r) => rest(r))).toFixed(2),
      });
    }
  }
  printTable(Object.keys(rows[0]), rows);
});

/**
 * Starts `count` workers and returns once each has run a job: diagnostics jobs (one step of 500 ms) go out
 * in rounds of count × concurrency until every worker's pid appears in their results. This also warms up
 * each worker (its first GDAL child) before anything is timed.
 */
async function startWorkers(ctx, count) {
  const workers = [];
  for (let i = 0; i < count; i += 1) {
    workers.push(await startWorker({ ...ctx.env, TMPDIR: ctx.work, WORKER_CONCURRENCY: String(opt.concurrency) }));
  }
  const pending = new Set(workers.map((w) => w.pid));
  const deadline = Date.now() + 180_000;
  while (pending.size > 0) {
    if (Date.now() > deadline) throw new Error(`workers ${[...pending].join(', ')} took no job in 180 s`);
    const dead = workers.find((w) => !w.running());
    if (dead) throw new Error(`worker ${dead.pid} exited:\n${dead.output.slice(-20).join('\n')}`);
    const ids = [];
    for (let i = 0; i < count * opt.concurrency; i += 1) {
      const job = await api(ctx.gateway.baseUrl, ctx.adminToken, 'POST', '/api/admin/diagnostics', {
        steps: 1,
        step_ms: 500,
      });
      ids.push(job.id);
    }
    for (const id of ids) {
      const job = await pollJob(ctx, id);
      const pid = Number(
        String(job.result?.worker ?? '')
          .split(':')
          .at(-1),
      );
      pending.delete(pid);
    }
  }
  return workers;
}

async function waitForRun(ctx, id) {
  for (;;) {
    const job = await api(ctx.gateway.baseUrl, ctx.token, 'GET', `/api/jobs/${id}`);
    if (TERMINAL.includes(job.status)) {
      if (job.status === 'failed' || job.status === 'cancelled')
        throw new Error(`importer run ${id} ended ${job.status}`);
      return job;
    }
    await sleep(200);
  }
}

async function pollJob(ctx, id) {
  for (;;) {
    const job = await api(ctx.gateway.baseUrl, ctx.adminToken, 'GET', `/api/jobs/${id}`);
    if (TERMINAL.includes(job.status)) {
      if (job.status !== 'completed') throw new Error(`warm-up job ${id} ended ${job.status}`);
      return job;
    }
    await sleep(200);
  }
}

/**
 * Runs `prepare(ctx)` untimed, then starts the clock and runs `submit(ctx, prepared)`, which returns the
 * ids of the jobs it created and, per job kind, the statuses they may end in; waits until every job is
 * terminal (polling the job rows every 200 ms) and reads the CPU counters before and after.
 */
async function measureBatch(ctx, workers, prepare, submit) {
  const prepared = await prepare(ctx);
  const backends = await backendTracker(ctx.db);
  const before = cpuSnapshot(ctx, workers);
  const startedAt = Date.now();
  const { ids, expected } = await submit(ctx, prepared);
  const deadline = Date.now() + 30 * 60_000;
  let last;
  for (;;) {
    await backends.sample();
    const { rows } = await ctx.db.query(
      `SELECT count(*) FILTER (WHERE status = ANY($2))::int AS done,
              (extract(epoch FROM max(completed_at)) * 1000)::float8 AS last_ms
         FROM ingest_jobs WHERE id = ANY($1::uuid[])`,
      [ids, TERMINAL],
    );
    if (rows[0].done === ids.length) {
      last = rows[0].last_ms;
      break;
    }
    if (Date.now() > deadline) throw new Error(`batch not done after 30 min: ${rows[0].done}/${ids.length}`);
    await sleep(200);
  }
  await backends.sample();
  const after = cpuSnapshot(ctx, workers);
  const windowS = (after.at - before.at) / 1000;

  const { rows: outcomes } = await ctx.db.query(
    `SELECT kind, status, count(*)::int AS n FROM ingest_jobs WHERE id = ANY($1::uuid[]) GROUP BY kind, status`,
    [ids],
  );
  const wrong = outcomes.filter((o) => !(expected[o.kind] ?? []).includes(o.status));
  if (wrong.length > 0) {
    const { rows: failures } = await ctx.db.query(
      `SELECT id, kind, status, step, attempts, error FROM ingest_jobs
        WHERE id = ANY($1::uuid[]) AND status NOT IN ('completed', 'completed_with_errors') LIMIT 5`,
      [ids],
    );
    throw new Error(`unexpected job outcomes: ${JSON.stringify(outcomes)}; e.g. ${JSON.stringify(failures)}`);
  }

  const ms = last - startedAt;
  const perWorker = workers.map((w, i) => (after.workers[i] - before.workers[i]) / CLOCK_TICKS / windowS);
  const busy = after.machine.busy - before.machine.busy;
  const total = after.machine.total - before.machine.total;
  return {
    jobs: ids.length,
    ms,
    jobsPerMin: ids.length / (ms / 60_000),
    perWorker,
    workerCores: perWorker.reduce((a, b) => a + b, 0),
    gatewayCores: (after.gateway - before.gateway) / CLOCK_TICKS / windowS,
    postgresCores: backends.ticks() / CLOCK_TICKS / windowS,
    machineCores: total > 0 ? (busy / total) * CORES : 0,
  };
}

/** Untimed: uploads and previews the GeoPackage, so the fan-out commit finds its layer list. */
async function prepareMixed(ctx) {
  const { gateway, token, gpkg } = ctx;
  const upload = await uploadMultipart(gateway.baseUrl, token, gpkg, 'layers.gpkg', statSync(gpkg).size);
  await api(gateway.baseUrl, token, 'POST', `/api/ingest/preview/${upload.job_id}`);
  return upload.job_id;
}

/** Timed: the fan-out commit and the importer uploads, side by side. */
async function submitMixed(ctx, parentId) {
  const { gateway, token, layerNames } = ctx;
  const importIds = [];
  const [fanOut] = await Promise.all([
    api(gateway.baseUrl, token, 'POST', `/api/ingest/commit-fan-out/${parentId}`, {
      layers: layerNames.map((name) => ({ layer_name: name })),
    }),
    inParallel(opt.imports, 4, async () => importIds.push(await uploadToImporter(ctx))),
  ]);
  const failed = fanOut.results.filter((r) => r.status !== 'queued');
  if (failed.length > 0) throw new Error(`fan-out children not queued: ${JSON.stringify(failed)}`);
  return {
    ids: [...fanOut.results.map((r) => r.new_job_id), ...importIds],
    // The sample has two bad rows, so a run ends completed_with_errors.
    expected: { 'file-dataset': ['completed'], 'import-run': ['completed', 'completed_with_errors'] },
  };
}

async function uploadToImporter(ctx) {
  const form = new FormData();
  form.append('file', await openAsBlob(SAMPLE_CSV), 'stations.csv');
  const res = await fetch(`${ctx.gateway.baseUrl}/api/v1/ingest/upload/stations`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ctx.token}` },
    body: form,
  });
  const text = await res.text();
  if (res.status !== 202) throw new Error(`importer upload answered ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text).data.id;
}

async function submitWaiting(ctx) {
  const ids = [];
  await inParallel(opt.waits, 4, async () => {
    const job = await api(ctx.gateway.baseUrl, ctx.adminToken, 'POST', '/api/admin/diagnostics', {
      steps: opt.steps,
      step_ms: opt['step-ms'],
    });
    ids.push(job.id);
  });
  return { ids, expected: { diagnostics: ['completed'] } };
}

/**
 * CPU of the PostgreSQL backends serving this database (the apps' pools, the GDAL children's loads; not
 * the bench's own connection): `sample()` reads each backend's utime + stime, `ticks()` sums what each
 * used since the tracker started (a backend first seen later started during the batch, so from 0). A
 * backend that ends between two samples loses at most one interval of its time, so this is a lower bound.
 */
async function backendTracker(db) {
  const seen = new Map();
  const read = async () => {
    const { rows } = await db.query(
      'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    return rows.map((r) => [r.pid, processTicks(r.pid)]).filter(([, ticks]) => ticks !== null);
  };
  for (const [pid, ticks] of await read()) seen.set(pid, { first: ticks, last: ticks });
  return {
    async sample() {
      for (const [pid, ticks] of await read()) {
        const entry = seen.get(pid);
        if (entry) entry.last = ticks;
        else seen.set(pid, { first: 0, last: ticks });
      }
    },
    ticks: () => [...seen.values()].reduce((sum, e) => sum + e.last - e.first, 0),
  };
}

function processTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return null;
  }
}

/** CPU ticks of each worker's process tree, of the gateway's, and of the whole machine, now. */
function cpuSnapshot(ctx, workers) {
  return {
    at: Date.now(),
    workers: workers.map((w) => treeTicks(w.pid)),
    gateway: treeTicks(ctx.gateway.pid),
    machine: machineTicks(),
  };
}

/**
 * utime + stime + cutime + cstime of a process and, recursively, of its live descendants. A child that
 * ends (and is reaped) moves its time into its parent's cutime/cstime, so the sum only grows.
 */
function treeTicks(pid) {
  let ticks = 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may contain spaces) start with field 3, the state.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
  } catch {
    return 0;
  }
  for (const child of childPids(pid)) ticks += treeTicks(child);
  return ticks;
}

function machineTicks() {
  const [, ...values] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = values.map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/** Writes `--layers` copies of one Point layer (`--features` seeded points) into a GeoPackage. */
async function generateLayers(work, gpkg) {
  const csv = join(work, 'points.csv');
  let seed = 0x51ab;
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  let text = 'id,name,value,lon,lat\n';
  for (let id = 1; id <= opt.features; id += 1) {
    const lon = (random() * 20 - 10).toFixed(6);
    const lat = (random() * 20 + 40).toFixed(6);
    text += `${id},site ${id},${(random() * 1000).toFixed(3)},${lon},${lat}\n`;
  }
  await writeFile(csv, text);
  const names = Array.from({ length: opt.layers }, (_, i) => `layer_${String(i + 1).padStart(2, '0')}`);
  for (const [i, name] of names.entries()) {
    await execFileAsync('ogr2ogr', csvPointsToGpkgArgs(csv, gpkg, name, i === 0 ? [] : ['-update']));
  }
  return names;
}

/** Cores the rest of the machine used: other users, Redis, other databases, this bench. */
function rest(r) {
  return r.machineCores - r.workerCores - r.gatewayCores - r.postgresCores;
}

function runText(r) {
  return (
    `${r.jobs} jobs in ${s(r.ms)} = ${r.jobsPerMin.toFixed(1)} jobs/min; worker CPU ${r.workerCores.toFixed(2)} cores ` +
    `(${r.perWorker.map((c) => c.toFixed(2)).join(' + ')}), gateway ${r.gatewayCores.toFixed(2)}, ` +
    `PostgreSQL ${r.postgresCores.toFixed(2)}, machine busy ${r.machineCores.toFixed(2)} of ${CORES} ` +
    `(rest ${rest(r).toFixed(2)}); ` +
    `load ${loadText()}`
  );
}

/** Median CPU cores of each worker of a configuration: `0.81` or `0.52 + 0.49`. */
function eachText(runsOf) {
  const count = runsOf[0].perWorker.length;
  return Array.from({ length: count }, (_, i) => median(runsOf.map((r) => r.perWorker[i])).toFixed(2)).join(' + ');
}

function loadText() {
  return os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

async function toolVersions() {
  const gdal = await execFileAsync('ogr2ogr', ['--version']).then((r) => r.stdout.trim().split(',')[0]);
  const { rows } = await withDatabase(defaults.databaseUrl, (client) =>
    client.query(`SELECT current_setting('server_version') AS pg, postgis_lib_version() AS postgis`),
  );
  return `${gdal}, PostgreSQL ${rows[0].pg}, PostGIS ${rows[0].postgis}`;
}
