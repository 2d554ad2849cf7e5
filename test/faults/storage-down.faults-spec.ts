import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { openSync, closeSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFixtures, type FixtureName } from '../fixtures/fixtures.js';
import { TERMINAL } from '../e2e/support/interruptions.js';
import { SWIFT_ACCOUNT, TestBucket } from '../e2e/support/s3.js';
import { Stack, uniqueOwner, type ApiResponse } from '../e2e/support/stack.js';

/**
 * The object store stopped: an S3 server of this file's own (OpenStack Swift's s3api, started with
 * test/services/swift/start.sh on free ports) whose proxy — the S3 endpoint — is stopped and started
 * again under the gateway and the worker. Uploads and presigned completions answer 502/503 problem+json
 * and leave nothing behind; a committed job is retried until the store is back; nothing is half-published.
 */
type Body = Record<string, unknown>;
const run = promisify(execFile);

async function portFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const server = createServer();
    server.once('error', () => done(false));
    server.listen(port, '127.0.0.1', () => server.close(() => done(true)));
  });
}

/** A port for the proxy whose three backend ports (+10001..+10003) are free too. */
async function swiftPort(): Promise<number> {
  for (let i = 0; i < 50; i += 1) {
    const port = 20_000 + Math.floor(Math.random() * 24_000);
    const all = await Promise.all([0, 10_001, 10_002, 10_003].map((d) => portFree(port + d)));
    if (all.every(Boolean)) return port;
  }
  throw new Error('no free port range for Swift');
}

/** This file's Swift: the whole node started once; its S3 endpoint (the proxy) stopped and started at will. */
class SwiftServer {
  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<SwiftServer> {
    const dir = resolve(`.tmp/faults-swift-${randomUUID().slice(0, 8)}`);
    const server = new SwiftServer(dir, await swiftPort());
    await run('bash', ['test/services/swift/start.sh', dir, String(server.port)]);
    return server;
  }

  async healthy(): Promise<boolean> {
    return fetch(`${this.endpoint}/healthcheck`).then(
      (r) => r.ok,
      () => false,
    );
  }

  /** Stops the S3 endpoint (the proxy daemon and its worker); the data servers keep the objects. */
  async stopProxy(): Promise<void> {
    const pid = (await readFile(join(this.dir, 'run/proxy.pid'), 'utf8')).trim();
    const { stdout } = await run('pgrep', ['-P', pid]).catch(() => ({ stdout: '' }));
    const pids = [pid, ...stdout.split('\n').filter(Boolean)];
    for (const p of pids) {
      try {
        process.kill(Number(p), 'SIGKILL');
      } catch {
        // gone already
      }
    }
    const deadline = Date.now() + 20_000;
    while ((await this.healthy()) || !(await portFree(this.port))) {
      if (Date.now() > deadline) throw new Error('the Swift proxy did not stop');
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async startProxy(): Promise<void> {
    const log = openSync(join(this.dir, 'log/proxy.log'), 'a');
    const child = spawn('swift-proxy-server', [join(this.dir, 'etc/proxy-server.conf'), '-v'], {
      detached: true,
      stdio: ['ignore', log, log],
    });
    child.unref();
    closeSync(log);
    await writeFile(join(this.dir, 'run/proxy.pid'), `${child.pid}\n`);
    const deadline = Date.now() + 60_000;
    while (!(await this.healthy())) {
      if (Date.now() > deadline) throw new Error('the Swift proxy did not come back');
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  async stop(): Promise<void> {
    await run('bash', ['test/services/swift/stop.sh', this.dir]).catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}

describe('the object store stopped under the gateway and the worker', () => {
  let swift: SwiftServer;
  let bucket: TestBucket;
  let stack: Stack;
  let token: string;
  let owner: string;
  let fixtures: Record<FixtureName, string>;

  beforeAll(async () => {
    fixtures = await ensureFixtures();
    swift = await SwiftServer.start();
    bucket = await TestBucket.create(
      'strata-faults',
      { endpoint: swift.endpoint, ...SWIFT_ACCOUNT },
      { maxAttempts: 1 },
    );
    stack = await Stack.start({
      env: {
        ...bucket.stackEnv(),
        JOB_ATTEMPTS: '10',
        JOB_BACKOFF_MS: '500',
        // No sweeper: the retry here is BullMQ's. Stranded rows other suites left in the shared test
        // database would otherwise be swept into this stack's queue and retried against the stopped
        // store, ahead of this spec's own job.
        SWEEPER_INTERVAL_MS: '0',
      },
    });
    owner = uniqueOwner('storage-down');
    token = await stack.mintToken(owner, ['upload']);
  });

  afterAll(async () => {
    await stack?.stop();
    // The whole node goes next: emptying the bucket is only tidiness, and skipped while the proxy is down.
    if (swift && (await swift.healthy())) await bucket?.drop().catch(() => undefined);
    else bucket?.s3.destroy();
    await swift?.stop();
  });

  const expectProblem = (res: ApiResponse<Body>, what: string): void => {
    expect([502, 503], `${what}: ${res.status} ${res.text}`).toContain(res.status);
    expect(res.headers.get('content-type'), what).toMatch(/^application\/problem\+json/);
    const shown = JSON.stringify({ ...res.body, request_id: undefined });
    expect(shown, what).not.toMatch(/\bat \w|ECONN|127\.0\.0\.1|\.[jt]s\b/);
    expect(shown, what).not.toContain(SWIFT_ACCOUNT.accessKeyId);
    expect(shown, what).not.toContain(SWIFT_ACCOUNT.secretAccessKey);
    expect(shown, what).not.toContain(bucket.name);
    expect(shown, what).not.toContain(String(swift.port));
  };

  it('upload and presigned completion answer 502/503 and leave nothing; a committed raster is retried to one COG', async () => {
    const sample = await readFile(fixtures['sample.geojson']);
    // Presigned: bytes PUT while the store is up, completion attempted while it is down.
    const started = await stack.api<Body>('POST', '/api/ingest/upload/presigned', {
      token,
      body: { filename: 'later.geojson', file_size: sample.length, content_type: 'application/geo+json' },
    });
    expect(started.status, started.text).toBe(201);
    const [url] = started.body.urls as string[];
    expect((await fetch(String(url), { method: 'PUT', body: sample })).status).toBe(200);
    const presignedJob = String(started.body.job_id);

    // A raster staged while up, committed while down.
    const tif = await readFile(fixtures['plain.tif']);
    const staged = await stack.upload<Body>(token, { name: 'plain.tif', data: tif });
    expect(staged.status, staged.text).toBe(201);
    const rasterJob = String(staged.body.job_id);
    // Previewed while up: a commit without a preview previews first, which needs the store (502 while down).
    const preview = await stack.api<Body>('POST', `/api/ingest/preview/${rasterJob}`, { token });
    expect(preview.status, preview.text).toBe(200);
    const [{ n: jobsBefore } = { n: '0' }] = await stack.sql<{ n: string }>(
      'SELECT count(*)::text AS n FROM ingest_jobs WHERE owner = $1',
      [owner],
    );
    const keysBefore = await bucket.keys();

    await swift.stopProxy();

    const upload = await stack.upload<Body>(token, { name: 'down.geojson', data: sample });
    expectProblem(upload, 'upload');
    const complete = await stack.api<Body>('POST', `/api/ingest/upload/presigned/${presignedJob}/complete`, {
      token,
      body: { parts: [] },
    });
    expectProblem(complete, 'presigned complete');
    expect((await stack.api<Body>('GET', `/api/jobs/${presignedJob}`, { token })).body.status).toBe('pending');
    const ready = await stack.api<Body>('GET', '/api/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.checks).toMatchObject({ storage: 'down', database: 'up' });

    // A commit of a previewed job needs no storage: accepted, and the worker's attempts fail on the store and are retried.
    const commit = await stack.api<Body>('POST', `/api/ingest/commit/${rasterJob}`, { token, body: { title: 'down' } });
    expect(commit.status, commit.text).toBe(202);
    await stack.workers[0]!.waitForLog(
      (l) => l.msg === 'transient failure; BullMQ will retry with backoff' && l.job_id === rasterJob,
      60_000,
    );

    await swift.startProxy();

    const raster = await stack.waitForJob(token, rasterJob, (j) => TERMINAL.includes(String(j.status)), 180_000);
    expect(raster, JSON.stringify(raster)).toMatchObject({ status: 'completed' });
    const datasets = await stack.sql<{ storage_key: string }>(
      'SELECT storage_key FROM datasets WHERE source_job_id = $1',
      [rasterJob],
    );
    expect(datasets).toHaveLength(1);
    // Exactly the one COG the dataset points at: no copy from a failed attempt.
    expect(await bucket.keys('datasets/')).toEqual([datasets[0]!.storage_key]);

    // The refused upload left no job and no object; the completion goes through now.
    const [{ n: jobsAfter } = { n: '0' }] = await stack.sql<{ n: string }>(
      'SELECT count(*)::text AS n FROM ingest_jobs WHERE owner = $1',
      [owner],
    );
    expect(jobsAfter).toBe(jobsBefore);
    expect((await bucket.keys('staging/')).filter((k) => !keysBefore.includes(k))).toEqual([]);
    const retried = await stack.api<Body>('POST', `/api/ingest/upload/presigned/${presignedJob}/complete`, {
      token,
      body: { parts: [] },
    });
    expect(retried.status, retried.text).toBe(200);
    expect((await bucket.s3.send(new ListMultipartUploadsCommand({ Bucket: bucket.name }))).Uploads ?? []).toEqual([]);
    // This owner's jobs only: other test files run beside this one on the same database.
    expect(
      await stack.sql(`SELECT id FROM ingest_jobs WHERE owner = $1 AND status IN ('queued', 'processing')`, [owner]),
    ).toEqual([]);
    expect((await stack.api('GET', '/api/health/ready')).status).toBe(200);
  });
});
