import { randomUUID } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFixtures, type FixtureName } from '../fixtures/fixtures.js';
import { countsImporter, writeImporters } from '../e2e/support/importers.js';
import { COUNTS_TABLE_DDL } from '../e2e/support/interruptions.js';
import { Stack, uniqueOwner, type ApiResponse } from '../e2e/support/stack.js';
import { PostgresCluster } from './support/postgres-cluster.js';

/**
 * PostgreSQL restarted under load, on an instance of this file's own (the shared cluster is never
 * touched): ingests and an importer run are in flight when the server goes down. While it is down the
 * gateway answers 503 problem+json at once (no hang, no 500); when it is back, the same gateway and worker
 * processes carry on, and every job ends truthfully with exactly the data it should have produced.
 */
type Body = Record<string, unknown>;
// Enough rows that the run, its chunks copied into the target (docs/importers.md), is still going when the
// server stops.
const ROWS = 1_000_000;
const CHUNK = 2_000;
const SCHEMA = `pgfault_${randomUUID().slice(0, 8)}`;
const TERMINAL = ['completed', 'completed_with_errors', 'failed', 'cancelled'];

/** A point GeoJSON of `n` features, big enough that its load is still running when the server stops. */
function points(n: number): Buffer {
  const features = Array.from(
    { length: n },
    (_, i) =>
      `{"type":"Feature","properties":{"id":${i},"name":"p${i}"},"geometry":{"type":"Point","coordinates":[${(i % 360) - 180 + 0.5},${(i % 170) - 85 + 0.25}]}}`,
  );
  return Buffer.from(`{"type":"FeatureCollection","features":[${features.join(',')}]}`);
}

/** Every file under `dir`, as `/`-separated paths relative to it. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split('\\').join('/'))
    .sort();
}

describe('PostgreSQL restarted under load', () => {
  let cluster: PostgresCluster;
  let stack: Stack;
  let token: string;
  let fresh: string;
  let importersDir: string;
  let fixtures: Record<FixtureName, string>;
  const storageRoot = resolve(`${process.env.STORAGE_LOCAL_ROOT}/${randomUUID()}`);

  beforeAll(async () => {
    fixtures = await ensureFixtures();
    cluster = await PostgresCluster.create();
    // The readings' amounts are all positive: the counts importer's amount rule fails none of them.
    importersDir = await writeImporters(
      { 'readings.yaml': countsImporter(`${SCHEMA}.readings`, CHUNK) },
      { prefix: 'strata-pg-fault' },
    );
    stack = await Stack.start({
      env: {
        DATABASE_URL: cluster.url,
        IMPORTERS_DIR: importersDir,
        STORAGE_LOCAL_ROOT: storageRoot,
        // Retries span an outage of a minute; each attempt's claim fences the ones before it.
        JOB_ATTEMPTS: '8',
        JOB_BACKOFF_MS: '500',
        WORKER_LOCK_MS: '10000',
        SWEEPER_INTERVAL_MS: '2000',
        SWEEPER_GRACE_MS: '2000',
        // Every request during the outage must reach the database for its token.
        AUTH_TOKEN_CACHE_SECONDS: '0',
      },
    });
    const owner = uniqueOwner('pg-restart');
    token = await stack.mintToken(owner, ['upload']);
    // Never used before the outage, so nothing can have cached it.
    fresh = await stack.mintToken(owner, ['upload']);
    await stack.sql(`CREATE SCHEMA ${SCHEMA}`);
    await stack.sql(COUNTS_TABLE_DDL(`${SCHEMA}.readings`));
  });

  afterAll(async () => {
    await stack?.stop();
    await cluster?.destroy();
    if (importersDir) await rm(importersDir, { recursive: true, force: true });
    await rm(storageRoot, { recursive: true, force: true });
  });

  /** A request that must answer, whatever it answers, within a bound: a hang fails the test. */
  const bounded = async (request: () => Promise<ApiResponse<Body>>): Promise<ApiResponse<Body>> => {
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('request hung while PostgreSQL was down')), 30_000);
    });
    try {
      return await Promise.race([request(), hang]);
    } finally {
      clearTimeout(timer);
    }
  };

  const expectUnavailable = (res: ApiResponse<Body>, what: string): void => {
    expect(res.status, `${what}: ${res.text}`).toBe(503);
    expect(res.headers.get('content-type'), what).toMatch(/^application\/problem\+json/);
    expect(res.body, what).toMatchObject({ status: 503, type: expect.any(String), title: expect.any(String) });
    // No stack, driver message, SQL, address or credential (request_id, a random UUID, set aside).
    const shown = JSON.stringify({ ...res.body, request_id: undefined });
    expect(shown, what).not.toMatch(/\bat \w|ECONN|127\.0\.0\.1|postgres:\/\/|strata:strata|SELECT|terminat|\.[jt]s\b/);
    expect(shown, what).not.toContain(String(cluster.port));
  };

  const staged = async (name: string, data: Buffer): Promise<string> => {
    const up = await stack.upload<Body>(token, { name, data });
    expect(up.status, up.text).toBe(201);
    return String(up.body.job_id);
  };

  const commit = async (jobId: string): Promise<void> => {
    const res = await stack.api('POST', `/api/ingest/commit/${jobId}`, { token, body: { title: `pg ${jobId}` } });
    expect(res.status, res.text).toBe(202);
  };

  it('answers 503 while it is down, recovers without a restart of Strata, and no job is lost, stuck or doubled', async () => {
    const pids = [stack.gateway.child.pid, ...stack.workers.map((w) => w.child.pid)];
    // Staged first, so that the run and the ingests start together and are all under way at the outage.
    const vectors: { id: string; features: number }[] = [];
    for (const n of [60_000, 60_000, 3_000]) {
      vectors.push({ id: await staged(`points-${vectors.length}.geojson`, points(n)), features: n });
    }
    const raster = await staged('plain.tif', await readFile(fixtures['plain.tif']));
    const lines = ['id,label,amount'];
    for (let n = 1; n <= ROWS; n += 1) lines.push(`${n},row ${n},${n * 2}`);

    const run = await stack.upload<{ data: { id: string } }>(
      token,
      { name: 'readings.csv', data: Buffer.from(lines.join('\n')) },
      'file',
      '/api/v1/ingest/upload/readings',
    );
    expect(run.status, run.text).toBe(202);
    const runId = run.body.data.id;
    await Promise.all([...vectors.map((v) => commit(v.id)), commit(raster)]);

    // Down while the run is part-way through its chunks and a large layer is loading.
    const deadline = Date.now() + 180_000;
    for (;;) {
      const [state] = await stack.sql<{ rows: string; loading: string }>(
        `SELECT (SELECT rows_processed FROM ingest_jobs WHERE id = $1 AND status = 'processing')::text AS rows,
                (SELECT count(*) FROM ingest_jobs WHERE id = ANY($2::uuid[]) AND status = 'processing')::text AS loading`,
        [runId, vectors.slice(0, 2).map((v) => v.id)],
      );
      if (Number(state?.rows) >= CHUNK && Number(state?.loading) >= 1) break;
      if (Date.now() > deadline)
        throw new Error(`the run and the ingests never ran together: ${JSON.stringify(state)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await cluster.stop();

    // Rounds of the API for a few seconds while the server is down: reads, writes, a token never seen
    // before, readiness.
    const outageUntil = Date.now() + 4_000;
    for (let round = 0; round < 2 || Date.now() < outageUntil; round += 1) {
      expectUnavailable(await bounded(() => stack.api<Body>('GET', `/api/jobs/${runId}`, { token })), 'job');
      expectUnavailable(await bounded(() => stack.api<Body>('GET', '/api/jobs/' + raster, { token: fresh })), 'fresh');
      expectUnavailable(await bounded(() => stack.api<Body>('GET', '/api/datasets', { token })), 'datasets');
      expectUnavailable(await bounded(() => stack.api<Body>('GET', '/api/v1/ingest', { token })), 'runs');
      expectUnavailable(
        await bounded(() => stack.upload<Body>(token, { name: 'late.geojson', data: points(5) })),
        'upload',
      );
      expectUnavailable(
        await bounded(() =>
          stack.upload<Body>(
            token,
            { name: 'late.csv', data: Buffer.from('id,label\n1,a\n') },
            'file',
            '/api/v1/ingest/upload/readings',
          ),
        ),
        'importer upload',
      );
      expectUnavailable(
        await bounded(() => stack.api<Body>('POST', `/api/ingest/commit/${vectors[0]!.id}`, { token, body: {} })),
        'commit',
      );
      const ready = await bounded(() => stack.api<Body>('GET', '/api/health/ready'));
      expectUnavailable(ready, 'readiness');
      expect(ready.body.checks).toMatchObject({ database: 'down', redis: 'up', storage: 'up' });
    }

    // The run's attempt has met the outage and handed the job back to BullMQ for a retry.
    await stack.workers[0]!.waitForLog(
      (l) => l.msg === 'transient failure; BullMQ will retry with backoff' && l.job_id === runId,
      20_000,
    );
    await cluster.start();

    const all = [...vectors.map((v) => v.id), raster, runId];
    const ended: Record<string, Body> = {};
    for (const id of all) {
      ended[id] = await stack.waitForJob(token, id, (j) => TERMINAL.includes(String(j.status)), 240_000);
    }
    // Nobody restarted anything: the processes that saw the outage are the ones that finished the work.
    expect([stack.gateway.child.pid, ...stack.workers.map((w) => w.child.pid)]).toEqual(pids);
    expect([stack.gateway, ...stack.workers].every((p) => p.running)).toBe(true);
    expect((await stack.api('GET', '/api/health/ready')).status).toBe(200);

    // Transient outage: every job is retried to completion, with exactly the data it should have.
    for (const v of vectors) {
      const job = ended[v.id]!;
      expect(job, JSON.stringify(job)).toMatchObject({ status: 'completed', rows_processed: v.features });
      const datasets = await stack.sql<{ id: string; table_name: string; feature_count: string }>(
        'SELECT id, table_name, feature_count::text FROM datasets WHERE source_job_id = $1',
        [v.id],
      );
      expect(datasets).toHaveLength(1);
      expect(datasets[0]!.feature_count).toBe(String(v.features));
      const [schema, table] = datasets[0]!.table_name.split('.');
      const [facts] = await stack.sql<{ n: string; ids: string }>(
        `SELECT count(*)::text AS n, count(DISTINCT id)::text AS ids FROM "${schema}"."${table}"`,
      );
      expect(facts).toEqual({ n: String(v.features), ids: String(v.features) });
    }
    expect(ended[raster], JSON.stringify(ended[raster])).toMatchObject({ status: 'completed' });

    const done = ended[runId]!;
    expect(done, JSON.stringify(done)).toMatchObject({ status: 'completed', rows_processed: ROWS, rows_failed: 0 });
    expect(Number(done.attempts)).toBeGreaterThanOrEqual(2);
    const [target] = await stack.sql<{ n: string; ids: string; sum: string }>(
      `SELECT count(*)::text AS n, count(DISTINCT id)::text AS ids, sum(amount)::text AS sum FROM ${SCHEMA}.readings`,
    );
    expect(target).toEqual({ n: String(ROWS), ids: String(ROWS), sum: String(ROWS * (ROWS + 1)) });
    const [counters] = await stack.sql<Record<string, string>>(
      `SELECT rows_total::text, rows_processed::text, rows_failed::text, rows_created::text, rows_updated::text, rows_skipped::text
         FROM ingest_jobs WHERE id = $1`,
      [runId],
    );
    expect(counters).toEqual({
      rows_total: String(ROWS),
      rows_processed: String(ROWS),
      rows_failed: '0',
      rows_created: String(ROWS),
      rows_updated: '0',
      rows_skipped: '0',
    });
    const [ledger] = await stack.sql<{ chunks: string; rows: string }>(
      'SELECT count(*)::text AS chunks, sum(rows)::text AS rows FROM import_chunks WHERE job_id = $1',
      [runId],
    );
    expect(ledger).toEqual({ chunks: String(ROWS / CHUNK), rows: String(ROWS) });

    // Nothing stuck, nothing half-published, nothing left over.
    expect(await stack.sql(`SELECT id, status FROM ingest_jobs WHERE status IN ('queued', 'processing')`)).toEqual([]);
    expect(
      await stack.sql(`SELECT tablename FROM pg_tables WHERE schemaname = 'strata_data' AND tablename LIKE 'stg\\_%'`),
    ).toEqual([]);
    const keys = await stack.sql<{ storage_key: string }>(
      'SELECT storage_key FROM datasets WHERE storage_key IS NOT NULL ORDER BY storage_key',
    );
    expect(keys).toHaveLength(1);
    expect(await filesUnder(join(storageRoot, 'datasets'))).toEqual(
      keys.map((k) => k.storage_key.replace(/^datasets\//, '')),
    );

    // And new work goes through the same processes.
    const after = await staged('after.geojson', points(7));
    await commit(after);
    expect(await stack.waitForJob(token, after, (j) => TERMINAL.includes(String(j.status)), 60_000)).toMatchObject({
      status: 'completed',
      rows_processed: 7,
    });
  });
});
