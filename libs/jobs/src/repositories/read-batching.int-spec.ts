import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { NotFoundError } from '@app/common';
import { parseConfig } from '@app/config';
import {
  DatasetRepository,
  IngestJob,
  ImportRunQueries,
  JOB_VIEW,
  JobKind,
  JobRepository,
  JobStatus,
  createDataSource,
} from '@app/jobs';
import type { DataSource } from 'typeorm';
import { selectByKeys, selectOne } from './page.js';

type Query = (...args: unknown[]) => Promise<unknown>;

/**
 * The batched and coalesced reads against PostgreSQL: the statements they send (counted at the pool), the
 * rows they answer (as the one-by-one reads answer them), owner isolation inside a batch, and that a read
 * asked after a write committed sees it even while an earlier read of the same thing is still running.
 */
describe('batched and coalesced reads (PostgreSQL)', () => {
  let dataSource: DataSource;
  let jobs: JobRepository;
  let runs: ImportRunQueries;
  let datasets: DatasetRepository;
  const owner = `it-batch-${randomUUID()}`;
  const stranger = `it-batch-other-${randomUUID()}`;
  /** Statement texts sent through the pool since the last `watch()`. */
  const sent: string[] = [];
  /** While set, every pool statement's answer waits for it (the statement itself runs at once). */
  let hold: Promise<void> | undefined;

  const watch = (): void => {
    sent.length = 0;
    const pool = (dataSource.driver as unknown as { master: { query: Query } }).master;
    const query = pool.query.bind(pool) as Query;
    vi.spyOn(pool, 'query').mockImplementation((...args: unknown[]) => {
      const config = args[0] as string | { text: string };
      sent.push(typeof config === 'string' ? config : config.text);
      const answer = query(...args);
      const gate = hold;
      return gate ? answer.then(async (result) => (await gate, result)) : answer;
    });
  };

  const newJob = (of: string, kind = JobKind.Diagnostics): Promise<IngestJob> =>
    kind === JobKind.ImportRun
      ? jobs.create({
          owner: of,
          kind,
          importer: 'stations',
          source: { type: 'stored-file', key: 'imports/x/stations.csv', size: 10, upload: { mode: 'direct' } },
          params: { kind, format: 'csv' },
        })
      : jobs.create({
          owner: of,
          kind: JobKind.Diagnostics,
          source: { type: 'none' },
          params: { kind: JobKind.Diagnostics, steps: 1, step_ms: 0, fail_with: null },
        });

  beforeAll(async () => {
    dataSource = createDataSource(parseConfig(process.env), 'strata-int-read-batching');
    await dataSource.initialize();
    jobs = new JobRepository(dataSource);
    runs = new ImportRunQueries(dataSource, jobs);
    datasets = new DatasetRepository(dataSource);
  });

  afterEach(() => {
    hold = undefined;
    vi.restoreAllMocks();
  });

  afterAll(async () => {
    await dataSource?.query('DELETE FROM ingest_jobs WHERE owner = ANY($1)', [[owner, stranger]]);
    await dataSource?.query('DELETE FROM datasets WHERE owner = ANY($1)', [[owner, stranger]]);
    await dataSource?.destroy();
  });

  it('selectByKeys answers each key as selectOne does, by its index, and nothing for a key without a row', async () => {
    const mine = await newJob(owner);
    const theirs = await newJob(stranger);
    const meta = dataSource.getRepository(IngestJob).metadata;
    const keys = [
      [mine.id, owner],
      [theirs.id, owner], // someone else's job, asked as this owner
      [randomUUID(), owner],
      [theirs.id, stranger],
      [mine.id, owner], // the same key twice
    ];
    const found = await selectByKeys<IngestJob>(dataSource, meta, ['id', 'owner'], keys, JOB_VIEW);
    expect([...found.keys()].sort((a, b) => a - b)).toEqual([0, 3, 4]);
    for (const [index, row] of found) {
      const [id, of] = keys[index]!;
      expect(row).toEqual(await selectOne(dataSource, meta, { id, owner: of }, JOB_VIEW));
    }
    expect(found.get(3)?.id).toBe(theirs.id);
  });

  it('concurrent job views go out as one statement; each caller gets its own job or a 404', async () => {
    const mine = await Promise.all([newJob(owner), newJob(owner), newJob(owner)]);
    const theirs = await newJob(stranger);
    watch();
    const asked = [
      ...mine.map((job) => jobs.getViewForOwner(job.id, owner)),
      jobs.getViewForOwner(theirs.id, owner),
      jobs.getViewForOwner(theirs.id, stranger),
      jobs.getViewForOwner(randomUUID(), owner),
      // Not a UUID: a 404 of its own, which must not fail the batch it would have joined.
      jobs.getViewForOwner('not-a-uuid', owner),
      jobs.getViewForOwner(mine[0]!.id.toUpperCase(), owner),
    ];
    const settled = await Promise.allSettled(asked);
    expect(sent).toHaveLength(1);
    const ids = settled.map((s) => (s.status === 'fulfilled' ? s.value.id : s.reason));
    expect(ids.slice(0, 3)).toEqual(mine.map((job) => job.id));
    expect(ids[3]).toBeInstanceOf(NotFoundError);
    expect(ids[4]).toBe(theirs.id);
    expect(ids[5]).toBeInstanceOf(NotFoundError);
    expect(ids[6]).toBeInstanceOf(NotFoundError);
    expect(ids[7]).toBe(mine[0]!.id);
  });

  it('a job view asked after a write committed sees it, though a read of the same job is still running', async () => {
    const job = await newJob(owner);
    watch();
    let release!: () => void;
    hold = new Promise((resolve) => (release = resolve));
    const before = jobs.getViewForOwner(job.id, owner);
    await vi.waitFor(() => expect(sent).toHaveLength(1));
    await dataSource.query(`UPDATE ingest_jobs SET status = $2 WHERE id = $1`, [job.id, JobStatus.Queued]);
    hold = undefined;
    const after = jobs.getViewForOwner(job.id, owner);
    release();
    expect((await before).status).toBe(JobStatus.Pending);
    expect((await after).status).toBe(JobStatus.Queued);
  });

  it('identical run-list pages asked at once are read once; callers during a running read share the next, which sees what committed before they asked', async () => {
    const first = await newJob(owner, JobKind.ImportRun);
    watch();
    let release!: () => void;
    hold = new Promise((resolve) => (release = resolve));
    const query = { owner, page: 1, perPage: 20 };
    const running = runs.list(query);
    await vi.waitFor(() => expect(sent.length).toBeGreaterThan(0));
    const second = await newJob(owner, JobKind.ImportRun);
    hold = undefined;
    const joined = [runs.list(query), runs.list(query), runs.list({ ...query })];
    release();
    const [early, ...late] = await Promise.all([running, ...joined]);
    // The running read counted before the second run was committed (its page followed once released).
    expect(early.total).toBe(1);
    for (const page of late) {
      expect(page.runs.map((run) => run.id)).toEqual([second.id, first.id]);
      expect(page.total).toBe(2);
    }
    // Two reads (each its count and its page), not four.
    expect(sent).toHaveLength(4);
    // Other pages and filters are other reads.
    sent.length = 0;
    const [other, filtered] = await Promise.all([
      runs.list({ ...query, perPage: 1 }),
      runs.list({ ...query, status: JobStatus.Completed }),
    ]);
    expect([other.runs.length, other.total, filtered.total]).toEqual([1, 2, 0]);
    expect(sent.length).toBeGreaterThanOrEqual(3);
  });

  it('identical dataset-list pages asked at once are read once, per owner', async () => {
    await dataSource.query(
      `INSERT INTO datasets (owner, kind, title) SELECT $1, 'raster', 'd' || i FROM generate_series(1, 3) AS i`,
      [owner],
    );
    watch();
    const [a, b, c, theirs] = await Promise.all([
      datasets.listForOwner(owner, 1, 2),
      datasets.listForOwner(owner, 1, 2),
      datasets.listForOwner(owner, 1, 2),
      datasets.listForOwner(stranger, 1, 2),
    ]);
    // The first starts at once; the two that came while it ran share the next read.
    expect(sent).toHaveLength(3);
    for (const page of [a, b, c]) expect([page[0].length, page[1]]).toEqual([2, 3]);
    expect(theirs).toEqual([[], 0]);
  });
});
