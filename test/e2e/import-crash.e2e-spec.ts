import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countsImporter, writeImporters } from './support/importers.js';
import { COUNTS_TABLE_DDL, countsCsv, countsTruth, uploadCounts } from './support/interruptions.js';
import { Stack, uniqueOwner } from './support/stack.js';

/**
 * The crash proof: `kill -9` of the worker in the middle of a 1,000,000-row import; a new worker
 * resumes at the first uncommitted chunk. Afterwards the target holds exactly the expected rows (none
 * twice, none missing) and the counters equal the truth. Every 10,000th row is invalid (FAIL_EVERY), so
 * failed rows and their counters are checked for double counting as well, and the run goes both ways: a
 * chunk with an invalid row staged, the others straight into the target by COPY.
 */
const ROWS = 1_000_000;
const CHUNK = 5_000;
const SCHEMA = `crash_${randomUUID().slice(0, 8)}`;

describe('an importer run survives a killed worker', () => {
  let stack: Stack;
  let token: string;

  beforeAll(async () => {
    const importersDir = await writeImporters(
      { 'counts.yaml': countsImporter(`${SCHEMA}.counts`, CHUNK) },
      { prefix: 'strata-import-crash' },
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
    await stack.sql(COUNTS_TABLE_DDL(`${SCHEMA}.counts`));
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('kill -9 mid-run: a new worker finishes, every row exactly once, counters equal the truth', async () => {
    const runId = await uploadCounts(stack, token, countsCsv(ROWS));

    // Kill the worker once a good part of the file is in, well before the end.
    await stack.waitForJob(
      token,
      runId,
      (j) => j.status === 'processing' && Number(j.rows_processed) >= 100_000,
      180_000,
    );
    const killed = await stack.workers[0]!.stop('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    const [atKill] = await stack.sql<{ chunks: string }>(
      'SELECT count(*) AS chunks FROM import_chunks WHERE job_id = $1',
      [runId],
    );
    expect(Number(atKill?.chunks)).toBeLessThan(ROWS / CHUNK);

    await stack.startWorker();
    const done = await stack.waitForJob(
      token,
      runId,
      (j) => !['queued', 'processing'].includes(String(j.status)),
      600_000,
    );
    expect(done).toMatchObject({ status: 'completed_with_errors', attempts: 2 });

    const truth = await countsTruth(stack, `${SCHEMA}.counts`, runId, ROWS, CHUNK);
    expect(truth.actual).toEqual(truth.expected);
    // The new worker's attempt went both ways: chunks copied into the target, and chunks staged.
    const finished = await stack.workers
      .at(-1)!
      .waitForLog((entry) => entry.msg === 'job finished' && entry.job_id === runId);
    expect(Number(finished.copied_rows)).toBeGreaterThan(0);
    expect(Number(finished.copied_rows)).toBeLessThan(Number(finished.sql_rows));
  }, 900_000);
});
