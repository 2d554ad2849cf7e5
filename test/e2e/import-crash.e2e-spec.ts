import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stack, uniqueOwner } from './support/stack.js';

/**
 * The crash proof: `kill -9` of the worker in the middle of a 1,000,000-row import; a new worker
 * resumes at the first uncommitted chunk. Afterwards the target holds exactly the expected rows (none
 * twice, none missing) and the counters equal the truth. Every 1000th row is invalid, so failed rows and
 * their counters are checked for double counting as well.
 */
const ROWS = 1_000_000;
const CHUNK = 5_000;
const SCHEMA = `crash_${randomUUID().slice(0, 8)}`;

describe('an importer run survives a killed worker', () => {
  let stack: Stack;
  let token: string;

  beforeAll(async () => {
    const importersDir = await mkdtemp(join(tmpdir(), 'strata-import-crash-'));
    await writeFile(
      join(importersDir, 'counts.yaml'),
      `title: Counts
source: {type: upload, formats: [csv]}
target: {table: ${SCHEMA}.counts, key: [id]}
fields:
  id: {type: integer, rules: [required]}
  label: {rules: [required]}
  amount: {type: numeric, rules: [{min: 0}]}
duplicates: {strategy: upsert}
chunk_size: ${CHUNK}
`,
    );
    // Short locks so BullMQ hands the dead worker's job over within seconds.
    stack = await Stack.start({
      env: {
        IMPORTERS_DIR: importersDir,
        WORKER_LOCK_MS: '2000',
        SWEEPER_INTERVAL_MS: '0',
        STORAGE_LOCAL_ROOT: `${process.env.STORAGE_LOCAL_ROOT}/${randomUUID()}`,
      },
    });
    token = await stack.mintToken(uniqueOwner('crash'), ['upload']);
    await stack.sql(`CREATE SCHEMA ${SCHEMA}`);
    await stack.sql(`CREATE TABLE ${SCHEMA}.counts (id integer PRIMARY KEY, label text NOT NULL, amount numeric)`);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('kill -9 mid-run: a new worker finishes, every row exactly once, counters equal the truth', async () => {
    const lines = ['id,label,amount'];
    // Row n (1-based) has id n; every 1000th row has a negative amount and fails its rule.
    for (let n = 1; n <= ROWS; n += 1) lines.push(`${n},row ${n},${n % 1000 === 0 ? -1 : n}`);
    const form = new FormData();
    form.append('file', new Blob([lines.join('\n')]), 'counts.csv');
    const res = await fetch(`${stack.baseUrl}/api/v1/ingest/upload/counts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    expect(res.status).toBe(202);
    const { data } = (await res.json()) as { data: { id: string } };

    // Kill the worker once a good part of the file is in, well before the end.
    await stack.waitForJob(
      token,
      data.id,
      (j) => j.status === 'processing' && Number(j.rows_processed) >= 100_000,
      180_000,
    );
    const killed = await stack.workers[0]!.stop('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    const [atKill] = await stack.sql<{ chunks: string }>(
      'SELECT count(*) AS chunks FROM import_chunks WHERE job_id = $1',
      [data.id],
    );
    expect(Number(atKill?.chunks)).toBeLessThan(ROWS / CHUNK);

    await stack.startWorker();
    const done = await stack.waitForJob(
      token,
      data.id,
      (j) => !['queued', 'processing'].includes(String(j.status)),
      600_000,
    );
    expect(done).toMatchObject({ status: 'completed_with_errors', attempts: 2 });

    const failedExpected = ROWS / 1000;
    const [table] = await stack.sql<{ n: string; distinct_ids: string; min: number; max: number; sum: string }>(
      `SELECT count(*) AS n, count(DISTINCT id) AS distinct_ids, min(id) AS min, max(id) AS max, sum(id)::text AS sum
         FROM ${SCHEMA}.counts`,
    );
    const good = ROWS - failedExpected;
    // Sum of 1..N minus the multiples of 1000 (the failed rows).
    const sum =
      (BigInt(ROWS) * BigInt(ROWS + 1)) / 2n - (1000n * BigInt(failedExpected) * BigInt(failedExpected + 1)) / 2n;
    expect(table).toEqual({ n: String(good), distinct_ids: String(good), min: 1, max: ROWS - 1, sum: sum.toString() });

    const [job] = await stack.sql<Record<string, string>>(
      `SELECT rows_total, rows_processed, rows_failed, rows_created, rows_updated, rows_skipped FROM ingest_jobs WHERE id = $1`,
      [data.id],
    );
    expect(job).toEqual({
      rows_total: String(ROWS),
      rows_processed: String(ROWS),
      rows_failed: String(failedExpected),
      rows_created: String(good),
      rows_updated: '0',
      rows_skipped: '0',
    });
    const [ledger] = await stack.sql<{ chunks: string; rows: string; failed: string }>(
      'SELECT count(*) AS chunks, sum(rows)::text AS rows, sum(failed)::text AS failed FROM import_chunks WHERE job_id = $1',
      [data.id],
    );
    expect(ledger).toEqual({ chunks: String(ROWS / CHUNK), rows: String(ROWS), failed: String(failedExpected) });
    const [kept] = await stack.sql<{ n: string; distinct_rows: string }>(
      `SELECT count(*) AS n, count(DISTINCT row_number) AS distinct_rows FROM ingest_rows WHERE job_id = $1 AND status = 'failed'`,
      [data.id],
    );
    expect(kept).toEqual({ n: String(failedExpected), distinct_rows: String(failedExpected) });
  }, 900_000);
});
