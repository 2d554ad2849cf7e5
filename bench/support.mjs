// Shared plumbing of the bench/ scripts: boots real gateway and worker processes from dist/, mints (and
// revokes) tokens with the operator CLI, generates large test files, samples a process's RSS (with its
// children), talks to the S3 test server, and cleans up everything it created (processes, temp files,
// buckets, database rows and tables, queue keys) even on failure.
// Plain Node ESM on purpose: benchmarks run against the built apps exactly as an operator would.
import { execFile, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  createWriteStream,
  existsSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
} from 'node:fs';
import { cp, mkdir, open, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { Client as PgClient } from 'pg';

const execFileAsync = promisify(execFile);

export const MiB = 1024 * 1024;
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const GATEWAY_DIST = join(REPO_ROOT, 'dist/apps/gateway');
const GATEWAY_MAIN = 'apps/gateway/src/main.js';
const GATEWAY_CLI = 'apps/gateway/src/cli/cli.js';
const WORKER_DIST = join(REPO_ROOT, 'dist/apps/worker');
const WORKER_MAIN = 'apps/worker/src/main.js';
const WORKER_MIGRATE = 'apps/worker/src/migrate.js';
const WORKER_GDAL_TASK = 'apps/worker/src/ingest/gdal-task.js';
const BUILD_STAMP = join(REPO_ROOT, 'dist/.build-stamp');
/** The gateway build this run uses: a private copy of dist/apps/gateway (see `snapshotGateway`). */
let gatewayDir = GATEWAY_DIST;
/** The worker build this run uses: a private copy of dist/apps/worker (see `snapshotWorker`). */
let workerDir = WORKER_DIST;

/** The test Swift's account and default port: test/services/swift/account.env (KEY=value lines). */
const swift = Object.fromEntries(
  readFileSync(join(REPO_ROOT, 'test/services/swift/account.env'), 'utf8')
    .split('\n')
    .map((line) => /^([A-Z0-9_]+)=(.*)$/.exec(line.trim()))
    .filter(Boolean)
    .map((m) => [m[1], m[2]]),
);

/** Settings shared by every bench run; each can be overridden from the environment. */
export const defaults = {
  databaseUrl: process.env.DATABASE_URL ?? 'postgres://strata:strata@127.0.0.1:5432/strata',
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  s3: {
    endpoint: process.env.BENCH_S3_ENDPOINT ?? `http://127.0.0.1:${swift.SWIFT_S3_PORT}`,
    region: process.env.BENCH_S3_REGION ?? swift.SWIFT_S3_REGION,
    accessKeyId: process.env.BENCH_S3_ACCESS_KEY_ID ?? `${swift.SWIFT_S3_ACCOUNT}:${swift.SWIFT_S3_USER}`,
    secretAccessKey: process.env.BENCH_S3_SECRET_ACCESS_KEY ?? swift.SWIFT_S3_SECRET,
  },
};

/** Names of what a run creates: token, job and dataset rows belong to OWNER; its queues use QUEUE_PREFIX. */
export const OWNER = `bench-${process.pid}`;
export const QUEUE_PREFIX = `strata-bench-${process.pid}`;

// --- cleanup -----------------------------------------------------------------------------------------

const cleanups = [];

/** Registers an undo step; they run last-in first-out from `runCleanups()` or on SIGINT/SIGTERM. */
export function onCleanup(label, fn) {
  cleanups.push({ label, fn });
}

export async function runCleanups() {
  while (cleanups.length > 0) {
    const { label, fn } = cleanups.pop();
    try {
      await fn();
    } catch (error) {
      console.error(`cleanup "${label}" failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.error(`\n${signal}: cleaning up…`);
    runCleanups().finally(() => process.exit(130));
  });
}

/** Runs `main` and always cleans up; exits non-zero when `main` throws. */
export async function runBench(main) {
  process.chdir(REPO_ROOT);
  let failed = false;
  try {
    await main();
  } catch (error) {
    failed = true;
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  } finally {
    await runCleanups();
  }
  process.exit(failed ? 1 : 0);
}

// --- environment -------------------------------------------------------------------------------------

/**
 * Copies the built gateway into the run's work directory and uses that copy. Other people rebuild
 * dist/ while benchmarks run (scripts/build-if-stale.sh), and a gateway started from a half-written
 * dist/ fails; the copy is taken once a build has finished (build stamp newer than the entry point).
 * Imports inside dist are relative and node_modules resolves from the repository root, so the copy runs.
 */
export async function snapshotGateway(workDir) {
  gatewayDir = await snapshotBuild(GATEWAY_DIST, [GATEWAY_MAIN, GATEWAY_CLI], join(workDir, 'gateway-dist'), 'gateway');
  return gitDescription();
}

/**
 * The same for the worker (dist/apps/worker → `<workDir>/worker-dist`): its main, migrations and the GDAL
 * child entry point all run from the copy. Call after `snapshotGateway` when both are needed.
 */
export async function snapshotWorker(workDir) {
  workerDir = await snapshotBuild(
    WORKER_DIST,
    [WORKER_MAIN, WORKER_MIGRATE, WORKER_GDAL_TASK],
    join(workDir, 'worker-dist'),
    'worker',
  );
  return gitDescription();
}

/** A file of the worker build this run uses (e.g. to import a pure helper from libs/). */
export function workerFile(relative) {
  return join(workerDir, relative);
}

async function snapshotBuild(source, entries, copy, label) {
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    const main = join(source, entries[0]);
    const done =
      entries.every((e) => existsSync(join(source, e))) &&
      existsSync(BUILD_STAMP) &&
      statSync(BUILD_STAMP).mtimeMs >= statSync(main).mtimeMs;
    if (done) {
      await cp(source, copy, { recursive: true });
      if (entries.every((e) => existsSync(join(copy, e)))) return copy;
      await rm(copy, { recursive: true, force: true });
    }
    if (Date.now() > deadline) throw new Error(`dist/ has no finished ${label} build: run \`npm run build\` first`);
    await sleep(1000);
  }
}

async function gitDescription() {
  const head = await execFileAsync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT }).then(
    (r) => r.stdout.trim(),
    () => 'unknown',
  );
  const dirty = await execFileAsync('git', ['status', '--porcelain', '--', 'apps', 'libs'], { cwd: REPO_ROOT }).then(
    (r) => r.stdout.trim().length > 0,
    () => false,
  );
  return `${head}${dirty ? ' (+ uncommitted changes in apps/ or libs/)' : ''}`;
}

/** A fresh working directory under .tmp/, removed at the end. */
export async function makeWorkDir(label) {
  const dir = join(REPO_ROOT, '.tmp', `bench-${label}-${process.pid}`);
  await mkdir(dir, { recursive: true });
  onCleanup(`remove ${dir}`, () => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Prints the machine the run is on (first line) and `<date>; <details>` (second line). */
export function printHeader(name, details) {
  const machine = machineInfo();
  console.log(`${name}: ${machine.cpus}, ${machine.memory} RAM, ${machine.os}, Node ${machine.node}`);
  console.log(`${machine.date}; ${details}`);
}

/** The run's key for service tokens in Redis: the apps run with NODE_ENV=production, which requires one. */
const SERVICE_TOKEN_KEY = randomBytes(32).toString('hex');

/** Environment of the gateway, worker and CLI: the dev database and Redis, this run's queue prefix, `extra`. */
export function benchEnv(extra) {
  return {
    DATABASE_URL: defaults.databaseUrl,
    REDIS_URL: defaults.redisUrl,
    QUEUE_PREFIX,
    SERVICE_TOKEN_KEY,
    ...extra,
  };
}

/** Storage settings of a gateway that writes to `bucket` on the S3 test server. */
export function s3Env(bucket) {
  return {
    STORAGE_DRIVER: 's3',
    S3_ENDPOINT: defaults.s3.endpoint,
    S3_REGION: defaults.s3.region,
    S3_BUCKET: bucket,
    S3_ACCESS_KEY_ID: defaults.s3.accessKeyId,
    S3_SECRET_ACCESS_KEY: defaults.s3.secretAccessKey,
    S3_FORCE_PATH_STYLE: 'true',
  };
}

export function machineInfo() {
  const cpus = os.cpus();
  return {
    cpus: `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}`,
    memory: `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    date: new Date().toISOString(),
  };
}

export async function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

// --- processes ---------------------------------------------------------------------------------------

/** Runs the gateway build's operator CLI (`cli.js <args>`) with `env` at LOG_LEVEL=warn. */
function gatewayCli(args, env) {
  return execFileAsync(process.execPath, [join(gatewayDir, GATEWAY_CLI), ...args], {
    env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
  });
}

/**
 * Mints a token with the operator CLI: the token is the last stdout line, its id is on the first
 * ("Created token <id>"). The row is deleted at the end (`cleanupOwnerRows`).
 */
async function createToken(owner, capabilities, env) {
  const { stdout } = await gatewayCli(['token:create', '--user', owner, '--capabilities', capabilities.join(',')], env);
  const token = stdout.trim().split('\n').at(-1) ?? '';
  const id = /Created token ([0-9a-f-]{36})/i.exec(stdout)?.[1];
  if (!/^stk_/.test(token)) throw new Error(`unexpected CLI output: ${stdout}`);
  return { token, id, stdout };
}

/** Mints a token with the operator CLI; rows are deleted at the end (`cleanupOwnerRows`). */
export async function mintToken(owner, capabilities, env) {
  return (await createToken(owner, capabilities, env)).token;
}

/** Deletes the jobs and tokens a bench run created under its own owner name. */
export function cleanupOwnerRows(owner, databaseUrl) {
  onCleanup(`delete rows of ${owner}`, () =>
    withDatabase(databaseUrl, async (client) => {
      await client.query('DELETE FROM ingest_jobs WHERE owner = $1', [owner]);
      await client.query('DELETE FROM api_tokens WHERE owner = $1', [owner]);
    }),
  );
}

/** Runs `fn` with a connected database client, closed again afterwards. */
export async function withDatabase(databaseUrl, fn) {
  const client = new PgClient({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Starts `node dist/…/gateway/main.js` bound to 127.0.0.1 on a free port and waits for
 * GET /api/health/ready. The child is the gateway's own Node process, so its pid is the one to sample.
 */
export async function startGateway(env) {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const { pid, output, stop, running } = spawnApp('gateway', join(gatewayDir, GATEWAY_MAIN), {
    ...env,
    PORT: String(port),
    HOST: '127.0.0.1',
  });

  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const ready = await fetch(`${baseUrl}/api/health/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) return { pid, baseUrl, output, stop };
    if (!running()) break;
    await sleep(200);
  }
  throw new Error(`gateway did not become ready:\n${output.slice(-20).join('\n')}`);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Applies pending migrations with the worker build's `migrate.js` (idempotent). */
export async function migrate(env) {
  await execFileAsync(process.execPath, [join(workerDir, WORKER_MIGRATE)], {
    env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
  });
}

/**
 * Mints a token like `mintToken` and revokes it with `token:revoke` at the end (the CLI prints the
 * token's id on its first line). `cleanupOwnerRows` still deletes the row afterwards.
 */
export async function mintRevocableToken(owner, capabilities, env) {
  const { token, id, stdout } = await createToken(owner, capabilities, env);
  if (!id) throw new Error(`unexpected CLI output: ${stdout}`);
  onCleanup(`revoke token ${id}`, () => gatewayCli(['token:revoke', id], env));
  return token;
}

/**
 * Drops what commits of `owner` produced: the PostGIS tables of its datasets, staging tables its jobs
 * left behind (`strata_data.stg_<job>_…`), and its dataset rows. Register it after `cleanupOwnerRows` so
 * that it runs first (cleanups run last-in first-out).
 */
export function cleanupOwnerDatasets(owner, databaseUrl) {
  onCleanup(`drop datasets of ${owner}`, () => withDatabase(databaseUrl, (client) => dropOwnerDatasets(client, owner)));
}

/** Drops the tables of `owner`'s datasets and jobs' staging tables and deletes the dataset rows. */
export async function dropOwnerDatasets(client, owner) {
  const { rows: tables } = await client.query(
    `SELECT table_name FROM datasets WHERE owner = $1 AND table_name IS NOT NULL
     UNION
     SELECT t.schemaname || '.' || t.tablename FROM pg_tables t
       JOIN ingest_jobs j ON starts_with(t.tablename, 'stg_' || left(replace(j.id::text, '-', ''), 20) || '_')
      WHERE t.schemaname = 'strata_data' AND j.owner = $1`,
    [owner],
  );
  for (const { table_name: qualified } of tables) {
    const [schema, table] = qualified.split('.');
    await client.query(`DROP TABLE IF EXISTS ${quoteIdent(schema)}.${quoteIdent(table)} CASCADE`);
  }
  await client.query('DELETE FROM datasets WHERE owner = $1', [owner]);
}

export const quoteIdent = (name) => `"${String(name).replace(/"/g, '""')}"`;

/** Deletes every Redis key under `<prefix>:` (BullMQ queues of a bench run) at the end. */
export function cleanupQueueKeys(redisUrl, prefix) {
  onCleanup(`delete queue keys ${prefix}:*`, async () => {
    const { Redis } = await import('ioredis');
    const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
        if (keys.length > 0) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
  });
}

/**
 * Starts `node <worker copy>/main.js` (see `snapshotWorker`). The worker logs at `warn`, so readiness is
 * not visible in its output: wait for it with a preview round trip (`waitForConsumingWorker`).
 * `stop()` sends SIGTERM (the worker finishes its active job) and SIGKILL after 15 s; its GDAL child
 * exits by itself when the worker's IPC channel goes away.
 */
export async function startWorker(env) {
  const worker = spawnApp('worker', join(workerDir, WORKER_MAIN), env, 15_000);
  await sleep(300);
  if (!worker.running()) throw new Error(`worker exited at once:\n${worker.output.slice(-20).join('\n')}`);
  return worker;
}

/**
 * Spawns `node <main>` (NODE_ENV=production, LOG_LEVEL=warn, plain logs, then `env`), keeping the last 200
 * lines of its output. `stop()` (also registered as a cleanup) sends SIGTERM, then SIGKILL after `killAfterMs`.
 */
function spawnApp(label, main, env, killAfterMs = 10_000) {
  const output = [];
  // BENCH_NODE_ARGS: extra node flags for the apps, e.g. `--prof` (a V8 tick log per process in the working
  // directory, read with `node --prof-process`; it is written as it goes, so a stopped app leaves it whole).
  const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, main], {
    env: { ...process.env, NODE_ENV: 'production', LOG_LEVEL: 'warn', LOG_PRETTY: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // BENCH_APP_LOG_DIR: every line the app writes also goes to <dir>/<label>-<pid>.log (with
  // BENCH_NODE_ARGS=--trace-gc, say, to see the gateway's collections during a load run).
  const file = process.env.BENCH_APP_LOG_DIR
    ? createWriteStream(join(process.env.BENCH_APP_LOG_DIR, `${label}-${child.pid}.log`))
    : null;
  const capture = (chunk) => {
    file?.write(chunk);
    output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (output.length > 200) output.splice(0, output.length - 200);
  };
  child.stdout.on('data', capture);
  child.stderr.on('data', capture);
  const exited = new Promise((resolveExit) => child.on('exit', resolveExit));
  const running = () => child.exitCode === null && child.signalCode === null;
  const stop = async () => {
    if (running()) child.kill('SIGTERM');
    const timer = setTimeout(() => running() && child.kill('SIGKILL'), killAfterMs);
    await exited;
    clearTimeout(timer);
  };
  onCleanup(`stop ${label} ${child.pid}`, stop);
  return { pid: child.pid, output, stop, running };
}

/**
 * Waits until a worker consumes: previews the (small, already uploaded) job `jobId`, which only a
 * consuming worker can answer; a 504 (no answer yet) is retried.
 */
export async function waitForConsumingWorker(baseUrl, token, jobId, worker, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (worker && !worker.running()) break;
    const res = await fetch(`${baseUrl}/api/ingest/preview/${jobId}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    }).catch(() => null);
    if (res?.status === 200) return res.json();
    await res?.text();
    await sleep(500);
  }
  throw new Error(`no worker answered a preview:\n${worker?.output.slice(-20).join('\n') ?? ''}`);
}

/**
 * Polls GET /api/jobs/{id} every `intervalMs` until the job is terminal. Returns the last answer and when
 * (ms since `t0`, a `process.hrtime.bigint()` reading) each step was first seen.
 */
/**
 * POSTs `path` as the multipart field `file`, streamed from disk with node:http, as curl -F does; answers
 * { status, text }. (fetch with a FormData over openAsBlob took 0.5–0.8 s to send a 74 MB file to a server
 * that only drained it, against 0.05–0.2 s this way: the client, not the server, was the upload's time.)
 */
export function uploadFile(url, token, path, filename) {
  const boundary = `strata-bench-${randomUUID()}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n` +
      `Content-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const length = head.length + statSync(path).size + tail.length;
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': `multipart/form-data; boundary=${boundary}`,
          'content-length': length,
        },
      },
      (res) => {
        const parts = [];
        res.on('data', (part) => parts.push(part));
        res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(parts).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.write(head);
    const file = createReadStream(path, { highWaterMark: 1024 * 1024 });
    file.on('error', (error) => req.destroy(error));
    file.on('end', () => req.end(tail));
    file.pipe(req, { end: false });
  });
}

export async function waitForJob(baseUrl, token, jobId, { t0, intervalMs = 100, timeoutMs = 30 * 60_000 } = {}) {
  const start = t0 ?? process.hrtime.bigint();
  const since = () => Number(process.hrtime.bigint() - start) / 1e6;
  const steps = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await api(baseUrl, token, 'GET', `/api/jobs/${jobId}`);
    const at = since();
    const label = `${job.status}/${job.step}`;
    if (steps.at(-1)?.label !== label) steps.push({ label, ms: at });
    if (['completed', 'completed_with_errors', 'failed', 'cancelled', 'fanned_out'].includes(job.status)) {
      return { job, ms: at, steps };
    }
    if (Date.now() > deadline) throw new Error(`job ${jobId} not done after ${timeoutMs} ms: ${label}`);
    await sleep(intervalMs);
  }
}

/**
 * Runs a command to completion (output captured, shown on failure), timing it and sampling its RSS with
 * its children every 50 ms. Resolves with { ms, peak } (peak: the highest sum of the process tree).
 */
export async function runMeasured(command, args, { env, cwd } = {}) {
  const started = process.hrtime.bigint();
  const child = spawn(command, args, { env: { ...process.env, ...env }, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = [];
  const capture = (chunk) => {
    output.push(chunk.toString('utf8'));
    if (output.length > 100) output.shift();
  };
  child.stdout.on('data', capture);
  child.stderr.on('data', capture);
  const kill = () => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL');
  onCleanup(`kill ${command} ${child.pid}`, kill);
  const sampler = sampleTreeRss(child.pid, 50);
  const [code, signal] = await new Promise((resolveExit, reject) => {
    child.on('error', reject);
    child.on('exit', (c, s) => resolveExit([c, s]));
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const { total } = sampler.stop();
  if (code !== 0) throw new Error(`${command} ended with ${code ?? signal}:\n${output.join('').slice(-2000)}`);
  return { ms, peak: total, output: output.join('') };
}

// --- measurements ------------------------------------------------------------------------------------

/** A `<field>: <n> kB` line of a /proc/<pid>/ file, in bytes; null once the process is gone. */
function procBytes(pid, file, field) {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(readFileSync(`/proc/${pid}/${file}`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
}

/** VmRSS of a process in bytes, or null once it is gone. */
export const rssBytes = (pid) => procBytes(pid, 'status', 'VmRSS');

/** Pss of a process in bytes (shared pages split among the processes that map them), or null. */
export const pssBytes = (pid) => procBytes(pid, 'smaps_rollup', 'Pss');

/**
 * The physical memory a group of processes holds, each page counted once however many of them map it
 * (page frame numbers from /proc/<pid>/pagemap, read only for mappings with resident pages). Needs the
 * right to read frame numbers (root / CAP_SYS_ADMIN): null without it.
 */
export function uniqueBytes(pids) {
  const frames = new Set();
  for (const pid of pids) {
    let smaps;
    let fd;
    try {
      smaps = readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n');
      fd = openSync(`/proc/${pid}/pagemap`, 'r');
    } catch {
      continue;
    }
    try {
      let range = null;
      for (const line of smaps) {
        const header = /^([0-9a-f]+)-([0-9a-f]+) /.exec(line);
        if (header) {
          range = [parseInt(header[1], 16), parseInt(header[2], 16)];
          continue;
        }
        const rss = /^Rss:\s+(\d+) kB/.exec(line);
        if (!rss || !range || rss[1] === '0') continue;
        // In slices of 64 Ki pages: V8 maps large regions of which few pages are resident.
        for (let first = range[0] / 4096; first < range[1] / 4096; first += 65_536) {
          const pages = Math.min(65_536, range[1] / 4096 - first);
          const buffer = Buffer.alloc(pages * 8);
          readSync(fd, buffer, 0, buffer.length, first * 8);
          for (let i = 0; i < pages; i += 1) {
            const entry = buffer.readBigUInt64LE(i * 8);
            if (entry >> 63n === 0n) continue;
            const frame = entry & ((1n << 55n) - 1n);
            if (frame === 0n) return null;
            frames.add(frame);
          }
        }
      }
    } finally {
      closeSync(fd);
    }
  }
  return frames.size * 4096;
}

/**
 * An idle process and its direct children, now: each one's VmRSS and Pss, and the sums. VmRSS counts a
 * page shared by the worker and its GDAL child (the `node` binary's, the C library's) in both; Pss
 * splits it between them, so the Pss sum is what the pair takes from the machine.
 */
export function idleMemory(pid) {
  const children = childPids(pid).map((child) => ({
    pid: child,
    rss: rssBytes(child) ?? 0,
    pss: pssBytes(child) ?? 0,
  }));
  const rss = rssBytes(pid) ?? 0;
  const pss = pssBytes(pid) ?? 0;
  return {
    rss,
    pss,
    children,
    rssSum: rss + children.reduce((sum, c) => sum + c.rss, 0),
    pssSum: pss + children.reduce((sum, c) => sum + c.pss, 0),
    unique: uniqueBytes([pid, ...children.map((c) => c.pid)]),
  };
}

/** Samples a process's RSS every `intervalMs` until stopped; reports the peak and the sample count. */
export function sampleRss(pid, intervalMs = 50) {
  let peak = rssBytes(pid) ?? 0;
  let samples = 1;
  const timer = setInterval(() => {
    const rss = rssBytes(pid);
    if (rss === null) return;
    samples += 1;
    if (rss > peak) peak = rss;
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      const last = rssBytes(pid);
      if (last !== null && last > peak) peak = last;
      return { peak, samples };
    },
  };
}

/** Direct children of a process (/proc/<pid>/task/<pid>/children), or [] once it is gone. */
export function childPids(pid) {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * Samples the RSS of a process and of all its descendants every `intervalMs`. Reports three peaks, each
 * the highest over the samples: `parent` (the process alone), `children` (the sum of its descendants at
 * one instant) and `total` (parent + descendants at one instant, so not parent + children).
 * Shared pages (mapped libraries) count in every process that maps them, as VmRSS does.
 */
export function sampleTreeRss(pid, intervalMs = 50) {
  const peaks = { parent: 0, children: 0, total: 0 };
  let samples = 0;
  const sample = () => {
    const parent = rssBytes(pid);
    if (parent === null) return;
    let children = 0;
    const pending = childPids(pid);
    while (pending.length > 0) {
      const child = pending.pop();
      children += rssBytes(child) ?? 0;
      pending.push(...childPids(child));
    }
    samples += 1;
    peaks.parent = Math.max(peaks.parent, parent);
    peaks.children = Math.max(peaks.children, children);
    peaks.total = Math.max(peaks.total, parent + children);
  };
  sample();
  const timer = setInterval(sample, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      return { ...peaks, samples };
    },
  };
}

export async function timed(fn) {
  const started = process.hrtime.bigint();
  const result = await fn();
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, result };
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export const mibPerSecond = (bytes, ms) => bytes / MiB / (ms / 1000);

/** `12.34 s` */
export const seconds = (ms) => `${(ms / 1000).toFixed(2)} s`;

/** The word a results table puts after a figure that has a goal. */
export const verdict = (met) => (met ? 'met' : 'MISSED');

/** Calls `fn(index)` for every index below `count`, at most `lanes` at a time. */
export async function inParallel(count, lanes, fn) {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const index = next;
      next += 1;
      await fn(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, count) }, lane));
}

/** Reads `length` bytes at `start` of an open file (a part of a multipart upload). */
export async function readPart(file, start, length) {
  const body = Buffer.alloc(length);
  await file.read(body, 0, length, start);
  return body;
}

/** Prints rows as a Markdown table (readable in a terminal, pasteable into docs/benchmarks.md). */
export function printTable(columns, rows) {
  const cells = [columns, ...rows.map((row) => columns.map((c) => String(row[c] ?? '')))];
  const widths = columns.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(cells[0]));
  console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  for (const r of cells.slice(1)) console.log(line(r));
}

// --- test files --------------------------------------------------------------------------------------

/**
 * Writes `bytes` bytes that pass the gateway's `.gpkg` content check: the SQLite magic, a GeoPackage
 * application_id at offset 68, then incompressible filler (1 MiB of random bytes, repeated). Nothing in
 * the upload path parses past the header, so the rest need not be a valid database.
 */
export async function generateGeoPackage(path, bytes) {
  const block = randomBytes(MiB);
  const header = Buffer.alloc(100);
  header.write('SQLite format 3\0', 0, 'latin1');
  header.writeUInt16BE(4096, 16);
  header.write('GPKG', 68, 'latin1');
  header.copy(block, 0);
  const file = await open(path, 'w');
  try {
    for (let written = 0; written < bytes;) {
      const n = Math.min(MiB, bytes - written);
      const { bytesWritten } = await file.write(block, 0, n, written);
      written += bytesWritten;
      // Vary each block a little so no layer below can deduplicate them.
      block.writeUInt32BE(written >>> 0, 128);
    }
  } finally {
    await file.close();
  }
}

// --- HTTP --------------------------------------------------------------------------------------------

/**
 * One HTTP request with a streamed body (node:http, so nothing is buffered and Content-Length is exact);
 * resolves with the status, headers and the response text once the response has been read.
 */
export function sendStream(url, { method, headers, body }) {
  return new Promise((resolveResponse, reject) => {
    const req = httpRequest(url, { method, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () =>
        resolveResponse({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    pipeline(body, req).catch(reject);
  });
}

/** POST /api/ingest/upload with the file streamed from disk as multipart field `file`. */
export async function uploadMultipart(baseUrl, token, path, filename, size) {
  const boundary = `strata-bench-${randomUUID()}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  async function* body() {
    yield head;
    yield* createReadStream(path, { highWaterMark: MiB });
    yield tail;
  }
  const res = await sendStream(`${baseUrl}/api/ingest/upload`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': String(head.length + size + tail.length),
    },
    body: Readable.from(body()),
  });
  if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${res.text.slice(0, 500)}`);
  return JSON.parse(res.text);
}

export async function api(baseUrl, token, method, path, body) {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text);
}

// --- S3 ----------------------------------------------------------------------------------------------

export function s3Client(settings = defaults.s3) {
  return new S3Client({
    endpoint: settings.endpoint,
    region: settings.region,
    forcePathStyle: true,
    credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
    // As the gateway's driver: no CRC32 of an empty body baked into presigned URLs.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export async function s3Reachable(endpoint = defaults.s3.endpoint) {
  return fetch(`${endpoint}/healthcheck`, { signal: AbortSignal.timeout(2000) }).then(
    (r) => r.ok,
    () => false,
  );
}

/** Creates a bucket of this run; at the end it is emptied (objects and open multipart uploads) and deleted. */
export async function createBucket(client, bucket) {
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  onCleanup(`delete bucket ${bucket}`, async () => {
    await emptyPrefix(client, bucket, '');
    const uploads = await client.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
    for (const u of uploads.Uploads ?? []) {
      await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key, UploadId: u.UploadId }));
    }
    await emptyPrefix(client, bucket, '');
    await client.send(new DeleteBucketCommand({ Bucket: bucket }));
  });
}

export async function emptyPrefix(client, bucket, prefix) {
  let token;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }),
    );
    for (const item of page.Contents ?? []) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: item.Key }));
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}

// --- ingest runs (ingest-vector, ingest-raster) ----------------------------------------------------------

/**
 * What an ingest bench needs before it starts any process: migrations applied, a local storage root in
 * `work`, cleanups of `owner`'s rows, datasets and this run's queue keys, an `upload` token (revoked at
 * the end) and a database client of its own (closed at the end).
 */
export async function prepareIngest(work) {
  const storageRoot = join(work, 'storage');
  const env = benchEnv({
    STORAGE_DRIVER: 'local',
    STORAGE_LOCAL_ROOT: storageRoot,
    UPLOAD_MAX_FILE_SIZE_BYTES: String(16 * 1024 * MiB),
    LOG_LEVEL: 'warn',
  });
  await migrate(env);
  cleanupOwnerRows(OWNER, defaults.databaseUrl);
  cleanupOwnerDatasets(OWNER, defaults.databaseUrl);
  cleanupQueueKeys(defaults.redisUrl, QUEUE_PREFIX);
  const token = await mintRevocableToken(OWNER, ['upload'], env);
  const db = new PgClient({ connectionString: defaults.databaseUrl, application_name: 'strata-bench' });
  await db.connect();
  onCleanup('close bench database client', () => db.end());
  return { env, storageRoot, token, db };
}

/**
 * Starts a gateway and a worker and waits until the worker consumes (a preview of a one-point GeoJSON).
 * TMPDIR: anything the worker writes to a temporary file (the raster COG first goes to one) stays in `work`.
 */
export async function startIngestServices(work, env, token) {
  const gateway = await startGateway(env);
  // At `info` the worker logs `job finished` with `steps_ms`, its own clock of each step (workerSteps).
  // BENCH_WORKER_LOG_LEVEL=debug adds when each GDAL child task starts and ends (with BENCH_APP_LOG_DIR).
  const worker = await startWorker({ ...env, TMPDIR: work, LOG_LEVEL: process.env.BENCH_WORKER_LOG_LEVEL ?? 'info' });
  const warmUp = join(work, 'warm-up.geojson');
  await writeFile(
    warmUp,
    JSON.stringify({
      type: 'FeatureCollection',
      features: [{ type: 'Feature', properties: { n: 1 }, geometry: { type: 'Point', coordinates: [10, 50] } }],
    }),
  );
  const warmJob = await uploadMultipart(gateway.baseUrl, token, warmUp, 'warm-up.geojson', statSync(warmUp).size);
  await waitForConsumingWorker(gateway.baseUrl, token, warmJob.job_id, worker);
  console.log(`gateway pid ${gateway.pid}, worker pid ${worker.pid}: ready\n`);
  return { gateway, worker };
}

/**
 * Uploads `path` as `filename`, commits it with `title` and polls the job every 100 ms until it is
 * terminal, sampling the RSS of `worker` and its children meanwhile (`rss`); throws unless the job
 * completed. Times are ms: `ingestMs` is commit request → completed, `totalMs` upload start → completed,
 * `queueWaitMs` commit response → the job's `started_at`; `seen(label)` is when a step was first seen
 * (ms since the commit request).
 */
export async function measureIngest(gateway, worker, token, path, filename, title) {
  const sampler = sampleTreeRss(worker.pid, 50);
  const measured = await commitAndWait(gateway.baseUrl, token, path, filename, title).finally(() => sampler.stop());
  const rss = sampler.stop();
  const { job } = measured;
  if (job.status !== 'completed') throw new Error(`Strata job ended ${job.status}: ${JSON.stringify(job.error)}`);
  return { ...measured, rss, workerSteps: await workerSteps(worker, job.id) };
}

/**
 * The worker's own split of a job's attempt: `steps_ms` of its `job finished` line (ms per step, each from
 * when the worker started it: `starting`, then e.g. `converting`, `storing`, `publishing`). Needs the
 * worker at LOG_LEVEL=info (startIngestServices); undefined when the line is not found within 2 s.
 */
export async function workerSteps(worker, jobId) {
  return (await workerFinished(worker, jobId))?.steps_ms;
}

/** The worker's `job finished` log line of `jobId`, parsed (LOG_LEVEL=info); undefined if not seen within 2 s. */
export async function workerFinished(worker, jobId) {
  for (let i = 0; i < 40; i += 1) {
    for (const line of worker.output) {
      if (!line.includes(jobId) || !line.includes('job finished')) continue;
      try {
        const parsed = JSON.parse(line);
        if (parsed.job_id === jobId && parsed.msg === 'job finished') return parsed;
      } catch {
        // Not a JSON log line.
      }
    }
    await sleep(50);
  }
  return undefined;
}

async function commitAndWait(baseUrl, token, path, filename, title) {
  const upload = await timed(() => uploadMultipart(baseUrl, token, path, filename, statSync(path).size));
  const commitStartedAt = Date.now();
  const t0 = process.hrtime.bigint();
  await api(baseUrl, token, 'POST', `/api/ingest/commit/${upload.result.job_id}`, { title });
  const commitMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const { job, ms, steps } = await waitForJob(baseUrl, token, upload.result.job_id, { t0, intervalMs: 100 });
  const startedMs = job.started_at ? Date.parse(job.started_at) - commitStartedAt : undefined;
  return {
    job,
    steps,
    seen: (label) => steps.find((st) => st.label === label)?.ms,
    uploadMs: upload.ms,
    commitMs,
    queueWaitMs: startedMs !== undefined ? Math.max(0, startedMs - commitMs) : undefined,
    ingestMs: ms,
    totalMs: upload.ms + ms,
  };
}

/** `label@1.23 s → …`: when each step of a job was first seen. */
export const stepsText = (steps) => steps.map((st) => `${st.label}@${seconds(st.ms)}`).join(' → ');

/** Runs each side (`side(run)`) in turn, `runs` times, the even runs in the reverse order. */
export async function alternate(runs, ...sides) {
  for (let run = 1; run <= runs; run += 1) {
    const order = run % 2 === 1 ? sides : [...sides].reverse();
    for (const side of order) await side(run);
  }
}

/** The median of `values` (ms) in seconds, as the tables print it. */
export const medianSeconds = (values) => (median(values) / 1000).toFixed(2);

/** `worker / child / sum`: the highest RSS peaks of the Strata runs, MiB. */
export function peakRssText(strataRuns) {
  return ['parent', 'children', 'total']
    .map((peak) => (Math.max(...strataRuns.map((r) => r.rss[peak])) / MiB).toFixed(0))
    .join(' / ');
}

/**
 * Prints where Strata's commit→completed time goes: the median of each of `phases` (keys of the runs'
 * `split`), then the `extra` columns.
 */
export function printPhases(strataRuns, phases, extra = {}) {
  console.log("\nWhere Strata's commit→completed time goes (medians, seconds; the steps as the worker timed them");
  console.log('(`steps_ms` of its `job finished` log line), commit request and queue wait as the client saw them):\n');
  const row = Object.fromEntries(
    phases.map((p) => {
      const seen = strataRuns.map((r) => r.split[p]).filter((v) => v !== undefined);
      return [p, seen.length > 0 ? medianSeconds(seen) : 'not seen'];
    }),
  );
  printTable([...phases, ...Object.keys(extra)], [{ ...row, ...extra }]);
}

/**
 * ogr2ogr arguments that turn a CSV `id,name,value,lon,lat` into the point layer `layer` (EPSG:4326) of
 * the GeoPackage `gpkg`; `extra` goes at the end (layer creation options, `-update`, `-gt`…).
 */
export function csvPointsToGpkgArgs(csv, gpkg, layer, extra = []) {
  return [
    '-q',
    '-f',
    'GPKG',
    gpkg,
    csv,
    '-nln',
    layer,
    '-a_srs',
    'EPSG:4326',
    '-oo',
    'X_POSSIBLE_NAMES=lon',
    '-oo',
    'Y_POSSIBLE_NAMES=lat',
    '-oo',
    'KEEP_GEOM_COLUMNS=NO',
    '-oo',
    'AUTODETECT_TYPE=YES',
    '-nlt',
    'POINT',
    ...extra,
  ];
}
