import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '@app/config';
import {
  ChunkFenceError,
  ImportRunRepository,
  JobKind,
  JobRepository,
  JobStatus,
  RowStatus,
  createDataSource,
  type ChunkCommit,
  type IngestJob,
} from '@app/jobs';
import type { DataSource } from 'typeorm';
import { committedUnflushed, statementsDuring } from '../../../../test/support/query-log.js';

describe('ImportRunRepository (PostgreSQL)', () => {
  let dataSource: DataSource;
  let jobs: JobRepository;
  let runs: ImportRunRepository;
  const owner = `it-import-runs-${randomUUID()}`;

  beforeAll(async () => {
    dataSource = createDataSource(parseConfig(process.env), 'strata-int-import-run-repository');
    await dataSource.initialize();
    jobs = new JobRepository(dataSource);
    runs = new ImportRunRepository(dataSource);
  });

  afterAll(async () => {
    await dataSource?.query('DELETE FROM ingest_jobs WHERE owner = $1', [owner]);
    await dataSource?.destroy();
  });

  /** A run taken by an attempt: returns the job and the attempt's token. */
  async function started(): Promise<{ job: IngestJob; token: string }> {
    const job = await jobs.create({
      owner,
      kind: JobKind.ImportRun,
      importer: 'stations',
      status: JobStatus.Queued,
      source: { type: 'storage-object', key: 'incoming/x.csv' },
      params: { kind: JobKind.ImportRun, format: 'csv' },
    });
    const token = randomUUID();
    expect(await jobs.markStarted(job.id, token)).not.toBeNull();
    expect(await runs.recordTotal(job.id, token, 10)).toBe(true);
    return { job, token };
  }

  const chunk = (jobId: string, attemptToken: string, chunkIndex: number): ChunkCommit => ({
    jobId,
    attemptToken,
    chunkIndex,
    firstRow: chunkIndex * 2 + 1,
    lastRow: chunkIndex * 2 + 2,
    rows: 2,
    counts: { created: 1, updated: 0, skipped: 0, failed: 1 },
    kept: [
      {
        row_number: chunkIndex * 2 + 2,
        status: RowStatus.Failed,
        data: { code: '' },
        errors: { message: 'Validation failed.', validation: { code: ['The code field is required.'] } },
        // Odd chunks carry a source geometry (a retry needs it), even ones none.
        ...(chunkIndex % 2 === 1 ? { geometry: '{"type":"Point","coordinates":[1,2]}', srid: 3857 } : {}),
      },
    ],
  });

  const commit = (c: ChunkCommit): Promise<void> => dataSource.transaction((manager) => runs.commitChunk(manager, c));

  it('commits a chunk: ledger row, counters, progress and the failed row, together', async () => {
    const { job, token } = await started();
    await commit(chunk(job.id, token, 0));
    const current = await jobs.findById(job.id);
    expect(current).toMatchObject({ rowsTotal: 10, rowsProcessed: 2, rowsCreated: 1, rowsFailed: 1, progress: 0.2 });
    expect(await runs.committedChunks(job.id)).toEqual([0]);
    expect(await runs.countFailedRows(job.id)).toBe(1);
    expect(await runs.runTotals(job.id)).toEqual({
      chunks: 1,
      processed: 2,
      created: 1,
      updated: 0,
      skipped: 0,
      failed: 1,
    });
  });

  it('refuses a chunk committed twice, or by an attempt that lost the job, and writes nothing', async () => {
    const { job, token } = await started();
    await commit(chunk(job.id, token, 0));
    await expect(commit(chunk(job.id, token, 0))).rejects.toBeInstanceOf(ChunkFenceError);

    const newer = randomUUID();
    expect(await jobs.markStarted(job.id, newer)).not.toBeNull();
    await expect(commit(chunk(job.id, token, 1))).rejects.toBeInstanceOf(ChunkFenceError);
    expect(await runs.recordTotal(job.id, token, 99)).toBe(false);

    expect(await runs.committedChunks(job.id)).toEqual([0]);
    expect(await jobs.findById(job.id)).toMatchObject({ rowsProcessed: 2, rowsFailed: 1, rowsTotal: 10 });
    expect(await runs.countFailedRows(job.id)).toBe(1);
  });

  it('writes the total and the header row without waiting for the WAL flush (the run end flushes them)', async () => {
    const { job, token } = await started();
    const runners = await statementsDuring(dataSource, async () => {
      expect(await runs.recordTotal(job.id, token, 12)).toBe(true);
      expect(await runs.recordSummary(job.id, token, { headers: ['a', 'b'] })).toBe(true);
    });
    expect(runners).toHaveLength(2);
    expect(committedUnflushed(runners[0]!, /^UPDATE ingest_jobs SET rows_total/)).toBe(true);
    expect(committedUnflushed(runners[1]!, /^UPDATE ingest_jobs SET result/)).toBe(true);
    expect(await jobs.findById(job.id)).toMatchObject({ rowsTotal: 12, result: { headers: ['a', 'b'] } });
  });

  it('refuses a chunk after a cancel request (the run stops between chunks)', async () => {
    const { job, token } = await started();
    await jobs.requestCancel(job.id, owner);
    await expect(commit(chunk(job.id, token, 0))).rejects.toBeInstanceOf(ChunkFenceError);
    expect(await runs.committedChunks(job.id)).toEqual([]);
  });

  it('a whole-run transaction counts at the end from the ledger', async () => {
    const { job, token } = await started();
    await dataSource.transaction(async (manager) => {
      await runs.commitChunk(manager, chunk(job.id, token, 0), { countLater: true });
      await runs.commitChunk(manager, chunk(job.id, token, 1), { countLater: true });
      await runs.applyLedgerTotals(manager, job.id, token);
    });
    expect(await jobs.findById(job.id)).toMatchObject({ rowsProcessed: 4, rowsCreated: 2, rowsFailed: 2 });
  });

  it('keeps rows alone for a whole run, fenced by the attempt', async () => {
    const { job, token } = await started();
    const kept = chunk(job.id, token, 0).kept;
    await dataSource.transaction((manager) => runs.keepRows(manager, job.id, token, kept));
    expect(await runs.countFailedRows(job.id)).toBe(1);
    expect(await runs.committedChunks(job.id)).toEqual([]);
    await expect(
      dataSource.transaction((manager) => runs.keepRows(manager, job.id, randomUUID(), chunk(job.id, token, 1).kept)),
    ).rejects.toBeInstanceOf(ChunkFenceError);
    expect(await runs.countFailedRows(job.id)).toBe(1);
  });

  it('restarting a run forgets its ledger, kept rows and counters (only for the attempt holding it)', async () => {
    const { job, token } = await started();
    await commit(chunk(job.id, token, 0));
    expect(await runs.restartRun(job.id, randomUUID())).toBe(false);
    expect(await runs.committedChunks(job.id)).toEqual([0]);
    expect(await runs.restartRun(job.id, token)).toBe(true);
    expect(await runs.committedChunks(job.id)).toEqual([]);
    expect(await runs.countFailedRows(job.id)).toBe(0);
    expect(await jobs.findById(job.id)).toMatchObject({ rowsProcessed: 0, rowsFailed: 0, rowsCreated: 0 });
  });

  it('reads failed rows in row order, page by page, from a position', async () => {
    const { job, token } = await started();
    for (let i = 0; i < 5; i++) await commit(chunk(job.id, token, i));
    const read = async (after: number): Promise<number[]> => {
      const numbers: number[] = [];
      for await (const row of runs.failedRows(job.id, after, 2)) numbers.push(row.row_number);
      return numbers;
    };
    expect(await read(0)).toEqual([2, 4, 6, 8, 10]);
    expect(await read(4)).toEqual([6, 8, 10]);
    const [first] = await (async () => {
      const rows = [];
      for await (const row of runs.failedRows(job.id)) rows.push(row);
      return rows;
    })();
    expect(first).toEqual({ row_number: 2, data: { code: '' }, geometry: null, srid: null });
  });

  it('keeps a failed row’s source geometry and its CRS for retries', async () => {
    const { job, token } = await started();
    await commit(chunk(job.id, token, 1));
    const rows = [];
    for await (const row of runs.failedRows(job.id)) rows.push(row);
    expect(rows).toEqual([
      { row_number: 4, data: { code: '' }, geometry: '{"type":"Point","coordinates":[1,2]}', srid: 3857 },
    ]);
  });
});
