// Shared plumbing of the bench/ scripts: boots a real gateway process from dist/, mints a token with the
// operator CLI, generates large test files, samples a process's RSS, talks to the S3 test server, and
// cleans up everything it created (processes, temp files, buckets, database rows) even on failure.
// Plain Node ESM on purpose: benchmarks run against the built apps exactly as an operator would.
import { execFile, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { cp, mkdir, open, rm } from 'node:fs/promises';
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
const BUILD_STAMP = join(REPO_ROOT, 'dist/.build-stamp');
/** The gateway build this run uses: a private copy of dist/apps/gateway (see `snapshotGateway`). */
let gatewayDir = GATEWAY_DIST;

/** Settings shared by every bench run; each can be overridden from the environment. */
export const defaults = {
  databaseUrl: process.env.DATABASE_URL ?? 'postgres://strata:strata@127.0.0.1:5432/strata',
  redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  s3: {
    endpoint: process.env.BENCH_S3_ENDPOINT ?? 'http://127.0.0.1:8083',
    region: process.env.BENCH_S3_REGION ?? 'us-east-1',
    accessKeyId: process.env.BENCH_S3_ACCESS_KEY_ID ?? 'strata:tester',
    secretAccessKey: process.env.BENCH_S3_SECRET_ACCESS_KEY ?? 'testing',
  },
};

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
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    const main = join(GATEWAY_DIST, GATEWAY_MAIN);
    const done =
      existsSync(main) &&
      existsSync(join(GATEWAY_DIST, GATEWAY_CLI)) &&
      existsSync(BUILD_STAMP) &&
      statSync(BUILD_STAMP).mtimeMs >= statSync(main).mtimeMs;
    if (done) {
      const copy = join(workDir, 'gateway-dist');
      await cp(GATEWAY_DIST, copy, { recursive: true });
      if (existsSync(join(copy, GATEWAY_MAIN)) && existsSync(join(copy, GATEWAY_CLI))) {
        gatewayDir = copy;
        return gitDescription();
      }
      await rm(copy, { recursive: true, force: true });
    }
    if (Date.now() > deadline) throw new Error('dist/ has no finished gateway build: run `npm run build` first');
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

/** Mints a token with the operator CLI (the token is the last stdout line); rows are deleted at the end. */
export async function mintToken(owner, capabilities, env) {
  const { stdout } = await execFileAsync(
    process.execPath,
    [join(gatewayDir, GATEWAY_CLI), 'token:create', '--user', owner, '--capabilities', capabilities.join(',')],
    { env: { ...process.env, ...env, LOG_LEVEL: 'warn' } },
  );
  const token = stdout.trim().split('\n').at(-1) ?? '';
  if (!/^stk_/.test(token)) throw new Error(`unexpected CLI output: ${stdout}`);
  return token;
}

/** Deletes the jobs and tokens a bench run created under its own owner name. */
export function cleanupOwnerRows(owner, databaseUrl) {
  onCleanup(`delete rows of ${owner}`, async () => {
    const client = new PgClient({ connectionString: databaseUrl });
    await client.connect();
    try {
      await client.query('DELETE FROM ingest_jobs WHERE owner = $1', [owner]);
      await client.query('DELETE FROM api_tokens WHERE owner = $1', [owner]);
    } finally {
      await client.end();
    }
  });
}

/**
 * Starts `node dist/…/gateway/main.js` bound to 127.0.0.1 on a free port and waits for
 * GET /api/health/ready. The child is the gateway's own Node process, so its pid is the one to sample.
 */
export async function startGateway(env) {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const output = [];
  const child = spawn(process.execPath, [join(gatewayDir, GATEWAY_MAIN)], {
    env: {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      LOG_PRETTY: 'false',
      ...env,
      PORT: String(port),
      HOST: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const capture = (chunk) => {
    output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    if (output.length > 200) output.splice(0, output.length - 200);
  };
  child.stdout.on('data', capture);
  child.stderr.on('data', capture);
  const exited = new Promise((resolveExit) => child.on('exit', resolveExit));
  const running = () => child.exitCode === null && child.signalCode === null;
  const stop = async () => {
    if (running()) child.kill('SIGTERM');
    const timer = setTimeout(() => running() && child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  onCleanup(`stop gateway ${child.pid}`, stop);

  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const ready = await fetch(`${baseUrl}/api/health/ready`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) return { pid: child.pid, baseUrl, output, stop };
    if (!running()) break;
    await sleep(200);
  }
  throw new Error(`gateway did not become ready:\n${output.slice(-20).join('\n')}`);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// --- measurements ------------------------------------------------------------------------------------

/** VmRSS of a process in bytes, or null once it is gone. */
export function rssBytes(pid) {
  try {
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : null;
  } catch {
    return null;
  }
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
