import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError } from '@app/common';
import { parseConfig } from '@app/config';
import {
  ImportRunQueries,
  JobKind,
  JobRepository,
  JobStatus,
  NoFailedRowsError,
  RUN_VIEW,
  RowStatus,
  SUMMARY_LIMIT,
  createDataSource,
  type IngestJob,
  type IngestRow,
  type RowErrors,
} from '@app/jobs';
import type { DataSource } from 'typeorm';

interface RowSpec {
  n: number;
  status?: RowStatus;
  data?: Record<string, unknown>;
  errors?: RowErrors | null;
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

describe('ImportRunQueries (PostgreSQL)', () => {
  let dataSource: DataSource;
  let jobs: JobRepository;
  let runs: ImportRunQueries;
  const owner = `it-runs-${randomUUID()}`;
  const stranger = `it-runs-other-${randomUUID()}`;

  beforeAll(async () => {
    dataSource = createDataSource(parseConfig(process.env), 'strata-int-import-runs');
    await dataSource.initialize();
    jobs = new JobRepository(dataSource);
    runs = new ImportRunQueries(dataSource, jobs);
  });

  afterAll(async () => {
    // Nothing left queued or processing for another suite's sweeper to pick up from the shared database.
    await dataSource?.query(
      `UPDATE ingest_jobs SET status = 'cancelled' WHERE owner = ANY($1) AND status IN ('queued', 'processing')`,
      [[owner, stranger]],
    );
    await dataSource?.destroy();
  });

  const newRun = (
    overrides: { owner?: string; importer?: string; status?: JobStatus; parentId?: string } = {},
  ): Promise<IngestJob> =>
    jobs
      .create({
        owner: overrides.owner ?? owner,
        kind: JobKind.ImportRun,
        importer: overrides.importer ?? 'stations',
        status: JobStatus.Queued,
        source: { type: 'stored-file', key: 'imports/x/stations.csv', size: 10, upload: { mode: 'direct' } },
        params: { kind: JobKind.ImportRun, format: 'csv' },
        sourceFilename: 'stations.csv',
        parentId: overrides.parentId ?? null,
      })
      .then(async (job) => {
        if (!overrides.status || overrides.status === JobStatus.Queued) return job;
        await dataSource.query(`UPDATE ingest_jobs SET status = $2 WHERE id = $1`, [job.id, overrides.status]);
        job.status = overrides.status;
        return job;
      });

  /** Rows written as the pipeline writes them, in one statement. */
  async function addRows(jobId: string, rows: RowSpec[]): Promise<void> {
    for (const row of rows) {
      const status = row.status ?? (row.errors ? RowStatus.Failed : RowStatus.Succeeded);
      await dataSource.query(
        `INSERT INTO ingest_rows (job_id, row_number, status, data, errors) VALUES ($1, $2, $3, $4::jsonb, $5::jsonb)`,
        [
          jobId,
          row.n,
          status,
          JSON.stringify(row.data ?? { code: `C${row.n}` }),
          row.errors ? JSON.stringify(row.errors) : null,
        ],
      );
    }
  }

  const validation = (fields: Record<string, string[]>): RowErrors => ({
    message: 'Validation failed.',
    validation: fields,
  });

  async function collect(generator: AsyncGenerator<IngestRow[]>): Promise<IngestRow[][]> {
    const batches: IngestRow[][] = [];
    for await (const batch of generator) batches.push(batch);
    return batches;
  }

  it('lists only the owner’s import runs, newest first, filtered by importer and status, paged', async () => {
    const mine = `list-${randomUUID().slice(0, 8)}`;
    const a = await newRun({ importer: mine });
    const b = await newRun({ importer: mine, status: JobStatus.Failed });
    const c = await newRun({ importer: mine });
    await newRun({ importer: mine, owner: stranger });
    // Another kind of job of the same owner never shows up as a run.
    await jobs.create({
      owner,
      kind: JobKind.Diagnostics,
      importer: mine,
      source: { type: 'none' },
      params: { kind: JobKind.Diagnostics, steps: 1, step_ms: 0, fail_with: null },
    });

    const all = await runs.list({ owner, importer: mine, page: 1, perPage: 10 });
    expect(all.total).toBe(3);
    expect(all.runs.map((r) => r.id)).toEqual([c.id, b.id, a.id]);

    const failed = await runs.list({ owner, importer: mine, status: JobStatus.Failed, page: 1, perPage: 10 });
    expect(failed.runs.map((r) => r.id)).toEqual([b.id]);

    const second = await runs.list({ owner, importer: mine, page: 2, perPage: 2 });
    expect(second.total).toBe(3);
    expect(second.runs.map((r) => r.id)).toEqual([a.id]);
    // Hydrated like every other read: dates as Date, bigint counters as numbers.
    expect(second.runs[0]?.createdAt).toBeInstanceOf(Date);
    expect(second.runs[0]?.rowsProcessed).toBe(0);
    // Only the view's columns, read as the full row reads them.
    const listed = second.runs[0] as Record<string, unknown>;
    expect(
      Object.keys(listed)
        .filter((key) => listed[key] !== undefined)
        .sort(),
    ).toEqual([...RUN_VIEW].sort());
    const full = (await runs.getForOwner(a.id, owner)) as unknown as Record<string, unknown>;
    expect(listed).toEqual(Object.fromEntries(RUN_VIEW.map((key) => [key, full[key]])));

    const beyond = await runs.list({ owner, importer: mine, page: 3, perPage: 2 });
    expect(beyond).toEqual({ runs: [], total: 3 });
  });

  /** The truth the counters must equal: the owner's runs counted one by one. */
  async function countedRuns(who: string, status?: JobStatus): Promise<number> {
    const [row] = (await dataSource.query(
      `SELECT count(*)::int AS n FROM ingest_jobs WHERE owner = $1 AND kind = 'import-run' AND ($2::varchar IS NULL OR status = $2)`,
      [who, status ?? null],
    )) as { n: number }[];
    return row?.n ?? 0;
  }

  it('counts runs from counters that follow inserts, status changes, moves and deletes, and no other kind', async () => {
    const who = `it-count-${randomUUID().slice(0, 8)}`;
    const a = await newRun({ owner: who, importer: 'one' });
    const b = await newRun({ owner: who, importer: 'one' });
    await newRun({ owner: who, importer: 'two', status: JobStatus.Failed });
    await jobs.create({
      owner: who,
      kind: JobKind.Diagnostics,
      importer: 'one',
      source: { type: 'none' },
      params: { kind: JobKind.Diagnostics, steps: 1, step_ms: 0, fail_with: null },
    });
    expect(await runs.count({ owner: who })).toBe(3);
    expect(await runs.count({ owner: who, importer: 'one' })).toBe(2);
    expect(await runs.count({ owner: who, status: JobStatus.Failed })).toBe(1);

    await dataSource.query(`UPDATE ingest_jobs SET status = 'completed' WHERE id = $1`, [a.id]);
    // Progress writes change none of the counted columns.
    await dataSource.query(`UPDATE ingest_jobs SET progress = 0.5, status = status WHERE id = $1`, [b.id]);
    expect(await runs.count({ owner: who, importer: 'one', status: JobStatus.Completed })).toBe(1);
    expect(await runs.count({ owner: who, importer: 'one', status: JobStatus.Queued })).toBe(1);

    await dataSource.query(`UPDATE ingest_jobs SET owner = $2, importer = 'three' WHERE id = $1`, [b.id, stranger]);
    expect(await runs.count({ owner: who })).toBe(2);
    expect(await runs.count({ owner: stranger, importer: 'three' })).toBe(1);

    await dataSource.query(`DELETE FROM ingest_jobs WHERE id = $1`, [a.id]);
    expect(await runs.count({ owner: who })).toBe(1);
    expect(await runs.count({ owner: who })).toBe(await countedRuns(who));
    // The list's total is the counter's.
    expect((await runs.list({ owner: who, page: 1, perPage: 10 })).total).toBe(1);
    await dataSource.query(`DELETE FROM ingest_jobs WHERE owner = $1`, [who]);
    await dataSource.query(`DELETE FROM ingest_jobs WHERE id = $1`, [b.id]);
    expect(await runs.count({ owner: who })).toBe(0);
  });

  it('keeps the counters exact under concurrent creates, transitions and deletes', async () => {
    const who = `it-count-race-${randomUUID().slice(0, 8)}`;
    const first = await Promise.all(Array.from({ length: 24 }, () => newRun({ owner: who, importer: 'race' })));
    const finals = [JobStatus.Completed, JobStatus.Failed, JobStatus.CompletedWithErrors, JobStatus.Cancelled];
    await Promise.all([
      // Every run through processing to an end, all at once, on the pool's connections.
      ...first.slice(0, 18).map(async (run, i) => {
        await dataSource.query(`UPDATE ingest_jobs SET status = 'processing' WHERE id = $1`, [run.id]);
        await dataSource.query(`UPDATE ingest_jobs SET status = $2 WHERE id = $1`, [run.id, finals[i % finals.length]]);
      }),
      ...first.slice(18).map((run) => dataSource.query(`DELETE FROM ingest_jobs WHERE id = $1`, [run.id])),
      ...Array.from({ length: 12 }, () => newRun({ owner: who, importer: 'race' })),
      // Many rows in one statement, in one transaction: row triggers writing the same counters.
      dataSource.query(`UPDATE ingest_jobs SET status = 'failed' WHERE id = ANY($1::uuid[])`, [
        first.slice(0, 6).map((run) => run.id),
      ]),
    ]);
    for (const status of [undefined, JobStatus.Queued, ...finals, JobStatus.Processing]) {
      expect(await runs.count({ owner: who, importer: 'race', status })).toBe(await countedRuns(who, status));
    }
    expect(await runs.count({ owner: who })).toBe(30);
    await dataSource.query(`DELETE FROM ingest_jobs WHERE owner = $1`, [who]);
    expect(await runs.count({ owner: who })).toBe(0);
  });

  it('clears the counters when the jobs table is truncated (rolled back here)', async () => {
    await newRun();
    const runner = dataSource.createQueryRunner();
    try {
      await runner.startTransaction();
      // Other test files share this database: wait briefly for their locks rather than failing.
      await runner.query(`SET LOCAL lock_timeout = '20s'`);
      await runner.query('TRUNCATE ingest_jobs CASCADE');
      const [row] = (await runner.query('SELECT count(*)::int AS n FROM import_run_counts')) as { n: number }[];
      expect(row?.n).toBe(0);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
    expect(await runs.count({ owner })).toBe(await countedRuns(owner));
    expect(await runs.count({ owner })).toBeGreaterThan(0);
  });

  it('finds a run for its owner only, and never a job of another kind', async () => {
    const run = await newRun();
    expect((await runs.getForOwner(run.id, owner)).id).toBe(run.id);
    expect(await rejectionOf(runs.getForOwner(run.id, stranger))).toBeInstanceOf(NotFoundError);
    const other = await jobs.create({
      owner,
      kind: JobKind.Diagnostics,
      source: { type: 'none' },
      params: { kind: JobKind.Diagnostics, steps: 1, step_ms: 0, fail_with: null },
    });
    expect(await rejectionOf(runs.getForOwner(other.id, owner))).toBeInstanceOf(NotFoundError);
  });

  it('pages rows by row number and filters failed and successful ones (skipped counts as success)', async () => {
    const run = await newRun();
    await addRows(run.id, [
      { n: 5, errors: { message: 'boom' } },
      { n: 1 },
      { n: 3, status: RowStatus.Skipped },
      { n: 2, errors: { message: 'boom' } },
      { n: 4 },
    ]);
    const first = await runs.rowPage(run.id, { page: 1, perPage: 2 });
    expect(first.total).toBe(5);
    expect(first.rows.map((r) => r.rowNumber)).toEqual([1, 2]);
    const third = await runs.rowPage(run.id, { page: 3, perPage: 2 });
    expect(third.rows.map((r) => r.rowNumber)).toEqual([5]);
    const failed = await runs.rowPage(run.id, { page: 1, perPage: 10, status: 'failed' });
    expect(failed.rows.map((r) => r.rowNumber)).toEqual([2, 5]);
    const success = await runs.rowPage(run.id, { page: 1, perPage: 10, status: 'success' });
    expect(success.rows.map((r) => r.rowNumber)).toEqual([1, 3, 4]);
  });

  it('summarises failures by message and by field message, most frequent first, in SQL', async () => {
    const run = await newRun({ status: JobStatus.CompletedWithErrors });
    await addRows(run.id, [
      { n: 1, errors: validation({ code: ['The code field is required.'], elevation: ['Must be a number.'] }) },
      { n: 2, errors: validation({ code: ['The code field is required.'] }) },
      { n: 3, errors: { message: "Duplicate entry found for key 'code'." } },
      { n: 4, errors: validation({ code: ['The code field is required.', 'Must be at most 12 characters.'] }) },
      { n: 5 },
      // A malformed validation member is skipped, not fatal.
      { n: 6, errors: { message: 'Validation failed.', validation: 'oops' as unknown as Record<string, string[]> } },
    ]);
    expect(await runs.errorSummary(run.id)).toEqual({
      total_failed_rows: 5,
      error_summary: [
        { message: 'Validation failed.', count: 4 },
        { message: "Duplicate entry found for key 'code'.", count: 1 },
      ],
      validation_summary: [
        { message: 'code: The code field is required.', count: 3 },
        { message: 'code: Must be at most 12 characters.', count: 1 },
        { message: 'elevation: Must be a number.', count: 1 },
      ],
    });
    const empty = await newRun({ status: JobStatus.Completed });
    expect(await runs.errorSummary(empty.id)).toEqual({
      total_failed_rows: 0,
      error_summary: [],
      validation_summary: [],
    });
  });

  it('caps each summary list', async () => {
    const run = await newRun({ status: JobStatus.CompletedWithErrors });
    await dataSource.query(
      `INSERT INTO ingest_rows (job_id, row_number, status, data, errors)
       SELECT $1, n, 'failed', '{}'::jsonb, jsonb_build_object('message', 'm' || n) FROM generate_series(1, $2::int) n`,
      [run.id, SUMMARY_LIMIT + 5],
    );
    const summary = await runs.errorSummary(run.id);
    expect(summary.total_failed_rows).toBe(SUMMARY_LIMIT + 5);
    expect(summary.error_summary).toHaveLength(SUMMARY_LIMIT);
  });

  it('reads failed rows through a cursor in row order, batch by batch, with their first-seen headers', async () => {
    const run = await newRun({ status: JobStatus.CompletedWithErrors });
    await addRows(run.id, [
      { n: 7, data: { zeta: '1', alpha: '2', extra: 'x' }, errors: { message: 'a' } },
      { n: 2, data: { zeta: '3', alpha: '4' }, errors: { message: 'b' } },
      { n: 3, data: { zeta: '5', alpha: '6' } },
      { n: 9, data: { zeta: '7', alpha: '8', later: 'y' }, errors: { message: 'c' } },
    ]);
    expect(await runs.hasFailedRows(run.id)).toBe(true);
    const batches = await collect(runs.failedRows(run.id, 2));
    expect(batches.map((b) => b.map((r) => r.rowNumber))).toEqual([[2, 7], [9]]);
    expect(batches[0]?.[0]?.data).toEqual({ zeta: '3', alpha: '4' });
    // The recorded header row decides the order of the keys it names; keys it lacks follow, first seen first.
    expect(await runs.failedRowHeaders(run.id, ['zeta', 'alpha', 'missing'])).toEqual([
      'zeta',
      'alpha',
      'extra',
      'later',
    ]);
    const unordered = await runs.failedRowHeaders(run.id);
    expect(unordered.slice(-1)).toEqual(['later']);
    expect(new Set(unordered)).toEqual(new Set(['zeta', 'alpha', 'extra', 'later']));

    const none = await newRun({ status: JobStatus.Completed });
    expect(await runs.hasFailedRows(none.id)).toBe(false);
    expect(await collect(runs.failedRows(none.id))).toEqual([]);
  });

  it('releases the cursor’s connection when the reader stops early', async () => {
    const run = await newRun({ status: JobStatus.CompletedWithErrors });
    await addRows(
      run.id,
      [1, 2, 3, 4].map((n) => ({ n, errors: { message: 'x' } })),
    );
    const generator = runs.failedRows(run.id, 1);
    const first = await generator.next();
    expect(first.value).toHaveLength(1);
    await generator.return(undefined);
    // The pool serves new queries, and no transaction was left open by this application.
    const open = (await dataSource.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE application_name = 'strata-int-import-runs' AND state = 'idle in transaction'`,
    )) as { n: number }[];
    expect(open[0]?.n).toBe(0);
  });

  describe('createRetry', () => {
    it('creates a queued child run over the failed rows of an ended run', async () => {
      const parent = await newRun({ status: JobStatus.CompletedWithErrors });
      await addRows(parent.id, [{ n: 4, errors: { message: 'x' } }]);
      const child = await runs.createRetry({ parentId: parent.id, owner, dryRun: true, requestId: 'req-9' });
      expect(child).toMatchObject({
        kind: JobKind.ImportRun,
        status: JobStatus.Queued,
        importer: 'stations',
        parentId: parent.id,
        dryRun: true,
        owner,
        requestId: 'req-9',
        source: { type: 'failed-rows', job_id: parent.id },
        params: { kind: JobKind.ImportRun, format: 'csv' },
        sourceFilename: 'stations.csv',
      });
    });

    it('refuses a run that has not ended (409), one without failed rows (400), and another owner (404)', async () => {
      const running = await newRun({ status: JobStatus.Processing });
      await addRows(running.id, [{ n: 1, errors: { message: 'x' } }]);
      expect(
        await rejectionOf(runs.createRetry({ parentId: running.id, owner, dryRun: false, requestId: null })),
      ).toBeInstanceOf(ConflictError);
      const clean = await newRun({ status: JobStatus.Completed });
      expect(
        await rejectionOf(runs.createRetry({ parentId: clean.id, owner, dryRun: false, requestId: null })),
      ).toBeInstanceOf(NoFailedRowsError);
      const ended = await newRun({ status: JobStatus.Failed });
      await addRows(ended.id, [{ n: 1, errors: { message: 'x' } }]);
      expect(
        await rejectionOf(runs.createRetry({ parentId: ended.id, owner: stranger, dryRun: false, requestId: null })),
      ).toBeInstanceOf(NotFoundError);
    });

    it('of concurrent retries of one run exactly one creates a run; the others get 409', async () => {
      const parent = await newRun({ status: JobStatus.CompletedWithErrors });
      await addRows(parent.id, [{ n: 1, errors: { message: 'x' } }]);
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, () =>
          runs.createRetry({ parentId: parent.id, owner, dryRun: false, requestId: null }),
        ),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost).toHaveLength(5);
      for (const loss of lost) expect(loss.reason).toBeInstanceOf(ConflictError);
      const children = (await dataSource.query(`SELECT count(*)::int AS n FROM ingest_jobs WHERE parent_id = $1`, [
        parent.id,
      ])) as { n: number }[];
      expect(children[0]?.n).toBe(1);
    });

    it('allows a new retry once the previous one has ended', async () => {
      const parent = await newRun({ status: JobStatus.CompletedWithErrors });
      await addRows(parent.id, [{ n: 1, errors: { message: 'x' } }]);
      const first = await runs.createRetry({ parentId: parent.id, owner, dryRun: false, requestId: null });
      await dataSource.query(`UPDATE ingest_jobs SET status = 'cancelled' WHERE id = $1`, [first.id]);
      const second = await runs.createRetry({ parentId: parent.id, owner, dryRun: false, requestId: null });
      expect(second.id).not.toBe(first.id);
    });
  });
});
