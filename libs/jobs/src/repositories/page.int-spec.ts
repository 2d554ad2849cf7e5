import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { NotFoundError } from '@app/common';
import { parseConfig } from '@app/config';
import {
  Dataset,
  DatasetRepository,
  IngestJob,
  ImportRunQueries,
  JOB_VIEW,
  JobKind,
  JobRepository,
  JobStatus,
  createDataSource,
  dataSourceOptions,
} from '@app/jobs';
import { DataSource, type DataSourceOptions, type EntityMetadata } from 'typeorm';
import { selectOne, selectPage } from './page.js';

/**
 * `selectOne` against TypeORM's `findOneBy` on the same rows: the hydrated entity must be the same for
 * every kind of column (uuid, varchar, text, integer, bigint through its transformer, double precision
 * and its arrays, boolean, jsonb with and without a validating transformer, timestamptz), set and null.
 */
describe('selectOne (PostgreSQL)', () => {
  let dataSource: DataSource;
  let jobs: JobRepository;
  let datasets: DatasetRepository;
  let runs: ImportRunQueries;
  const owner = `it-select-one-${randomUUID()}`;
  const stranger = `it-select-one-other-${randomUUID()}`;

  beforeAll(async () => {
    dataSource = createDataSource(parseConfig(process.env), 'strata-int-select-one');
    await dataSource.initialize();
    jobs = new JobRepository(dataSource);
    datasets = new DatasetRepository(dataSource);
    runs = new ImportRunQueries(dataSource, jobs);
  });

  afterAll(async () => {
    await dataSource?.query('DELETE FROM ingest_jobs WHERE owner = ANY($1)', [[owner, stranger]]);
    await dataSource?.query('DELETE FROM datasets WHERE owner = ANY($1)', [[owner, stranger]]);
    await dataSource?.destroy();
  });

  const jobMeta = (): EntityMetadata => dataSource.getRepository(IngestJob).metadata;
  const datasetMeta = (): EntityMetadata => dataSource.getRepository(Dataset).metadata;

  /** A dataset with every column set (arrays, jsonb, bigint), or with every nullable column null. */
  const insertDataset = async (of: string, filled: boolean): Promise<string> => {
    const [row] = (await dataSource.query(
      filled
        ? `INSERT INTO datasets (owner, kind, title, summary, table_name, storage_key, crs, geometry_type, feature_count,
                                 extent, columns, raster)
           VALUES ($1, 'vector', 'Everything', 'A summary', $2, 'datasets/x/y.tif', 3857, 'MultiPolygon', 9007199254740991,
                   '{15.5,-45.25,16,45.125}', '[{"name":"code","type":"text"},{"name":"n","type":"integer"}]',
                   '{"width":64,"height":32,"bands":[{"type":"Byte","nodata":0}],"nested":{"a":[1,2.5,null,"x"]}}')
           RETURNING id`
        : `INSERT INTO datasets (owner, kind, title) VALUES ($1, 'raster', 'Nothing') RETURNING id`,
      filled ? [of, `strata_data.select_one_${randomUUID().slice(0, 8)}`] : [of],
    )) as { id: string }[];
    return row!.id;
  };

  /** A job with every column set: counters past 2^31, jsonb documents, timestamps with microseconds. */
  const filledJob = async (of: string, run = false): Promise<IngestJob> => {
    const parent = await jobs.create({
      owner: of,
      kind: JobKind.Diagnostics,
      source: { type: 'none' },
      params: { kind: JobKind.Diagnostics, steps: 1, step_ms: 0, fail_with: null },
    });
    const job = run
      ? await jobs.create({
          owner: of,
          kind: JobKind.ImportRun,
          importer: 'stations',
          source: { type: 'stored-file', key: 'imports/x/stations.csv', size: 10, upload: { mode: 'direct' } },
          params: { kind: JobKind.ImportRun, format: 'csv' },
        })
      : await jobs.create({
          owner: of,
          kind: JobKind.Diagnostics,
          source: { type: 'none' },
          params: { kind: JobKind.Diagnostics, steps: 3, step_ms: 5, fail_with: null },
        });
    const datasetId = await insertDataset(of, true);
    await dataSource.query(
      `UPDATE ingest_jobs SET status = 'completed_with_errors', step = 'loading', progress = 0.625,
         rows_total = 5000000000, rows_processed = 4999999999, rows_failed = 1, rows_created = 3, rows_updated = 2,
         rows_skipped = 1, warnings = '[{"code":"w","message":"careful","count":2}]',
         error = '{"code":"gdal-crashed","message":"it crashed","retryable":false}',
         attempt_token = gen_random_uuid(), attempts = 3, parent_id = $2, dry_run = true,
         source_filename = 'points.gpkg', layer_name = 'points', all_layers = '["points","lines"]',
         content_kind = 'vector', result = '{"tables":["a"],"n":1.5,"deep":{"x":[true,null]}}', dataset_id = $3,
         request_id = 'req-1', cancel_requested_at = '2026-01-02T03:04:05.123456Z',
         queued_at = '2026-01-02T03:04:05.5Z', started_at = '2026-01-02T03:04:06Z',
         completed_at = '2026-01-02T03:04:07.999Z', expires_at = '2027-01-01T00:00:00+05:30'
       WHERE id = $1`,
      [job.id, parent.id, datasetId],
    );
    return job;
  };

  it('a job with every column set hydrates exactly as findOneBy reads it', async () => {
    const job = await filledJob(owner);
    const expected = await dataSource.getRepository(IngestJob).findOneBy({ id: job.id, owner });
    const found = await selectOne<IngestJob>(dataSource, jobMeta(), { id: job.id, owner });
    expect(found).toBeInstanceOf(IngestJob);
    expect(found).toEqual(expected);
    // Not vacuous: the row is the filled one, with its types.
    expect(found).toMatchObject({
      rowsTotal: 5_000_000_000,
      progress: 0.625,
      dryRun: true,
      allLayers: ['points', 'lines'],
      error: { code: 'gdal-crashed' },
      step: 'loading',
    });
    expect(found?.cancelRequestedAt).toBeInstanceOf(Date);
    expect(found?.expiresAt?.toISOString()).toBe('2026-12-31T18:30:00.000Z');
  });

  it('a job with its nullable columns null hydrates exactly as findOneBy reads it', async () => {
    const job = await jobs.create({
      owner,
      kind: JobKind.Diagnostics,
      source: { type: 'none' },
      params: { kind: JobKind.Diagnostics, steps: 1, step_ms: 0, fail_with: null },
    });
    const expected = await dataSource.getRepository(IngestJob).findOneBy({ id: job.id, owner });
    const found = await selectOne<IngestJob>(dataSource, jobMeta(), { id: job.id, owner });
    expect(found).toEqual(expected);
    expect(found).toMatchObject({ rowsTotal: null, error: null, result: null, completedAt: null, parentId: null });
  });

  it('datasets, filled and empty, hydrate exactly as findOneBy reads them (arrays, jsonb, bigint)', async () => {
    for (const filled of [true, false]) {
      const id = await insertDataset(owner, filled);
      const expected = await dataSource.getRepository(Dataset).findOneBy({ id, owner });
      const found = await selectOne<Dataset>(dataSource, datasetMeta(), { id, owner });
      expect(found).toBeInstanceOf(Dataset);
      expect(found).toEqual(expected);
      expect(found?.extent).toEqual(filled ? [15.5, -45.25, 16, 45.125] : null);
      expect(found?.featureCount).toBe(filled ? 9007199254740991 : null);
    }
  });

  it('another owner, a missing id and a value that is not plain text find nothing', async () => {
    const id = await insertDataset(owner, false);
    expect(await selectOne(dataSource, datasetMeta(), { id, owner: stranger })).toBeNull();
    expect(await selectOne(dataSource, datasetMeta(), { id: randomUUID(), owner })).toBeNull();
    expect(await selectOne(dataSource, datasetMeta(), { id, owner: `${owner}' OR '1'='1` })).toBeNull();
    expect((await selectOne<Dataset>(dataSource, datasetMeta(), { id, owner }))?.id).toBe(id);
  });

  it('refuses an undefined value (findOneBy would drop that condition) and an empty condition', async () => {
    const id = await insertDataset(owner, false);
    await expect(selectOne(dataSource, datasetMeta(), { id, owner: undefined })).rejects.toThrow('no value for owner');
    await expect(selectOne(dataSource, datasetMeta(), {})).rejects.toThrow('at least one condition');
  });

  it('refuses a condition that matches more than one row', async () => {
    await insertDataset(stranger, false);
    await insertDataset(stranger, false);
    await expect(selectOne(dataSource, datasetMeta(), { owner: stranger })).rejects.toThrow('matched 2 rows');
  });

  it('the same columns in another order are another statement, and both answer', async () => {
    const id = await insertDataset(owner, false);
    const a = await selectOne<Dataset>(dataSource, datasetMeta(), { id, owner });
    const b = await selectOne<Dataset>(dataSource, datasetMeta(), { owner, id });
    const c = await selectOne<Dataset>(dataSource, datasetMeta(), { id, owner: stranger });
    expect([a?.id, b?.id, c]).toEqual([id, id, null]);
  });

  it('is prepared once per connection and answers from it afterwards', async () => {
    // One connection, so the statement and the catalogue query share it.
    const options = dataSourceOptions(parseConfig(process.env), 'strata-int-prepared');
    const single = new DataSource({ ...options, poolSize: 1 } as DataSourceOptions);
    await single.initialize();
    try {
      const prepared = (): Promise<{ name: string; statement: string }[]> =>
        single.query(`SELECT name, statement FROM pg_prepared_statements WHERE name LIKE 'strata:%'`);
      expect(await prepared()).toEqual([]);
      const id = await insertDataset(owner, true);
      for (let i = 0; i < 3; i += 1) {
        expect((await selectOne<Dataset>(single, datasetMeta(), { id, owner }))?.id).toBe(id);
      }
      const statements = await prepared();
      expect(statements).toHaveLength(1);
      expect(statements[0]?.name).toMatch(/^strata:[0-9a-f]{20}$/);
      // Its columns by name: a column added later must not change a prepared statement's result type.
      expect(statements[0]?.statement).not.toContain('*');
    } finally {
      await single.destroy();
    }
  });

  describe('the getForOwner reads built on it', () => {
    it("JobRepository: the owner's job as findOneBy reads it; another owner's is a 404", async () => {
      const job = await filledJob(owner);
      expect(await jobs.getForOwner(job.id, owner)).toEqual(
        await dataSource.getRepository(IngestJob).findOneBy({ id: job.id }),
      );
      await expect(jobs.getForOwner(job.id, stranger)).rejects.toBeInstanceOf(NotFoundError);
    });

    it("JobRepository view: exactly the API view's properties, as findOneBy reads them; another owner's is a 404", async () => {
      const job = await filledJob(owner);
      const full = await dataSource.getRepository(IngestJob).findOneBy({ id: job.id });
      const view = await jobs.getViewForOwner(job.id, owner);
      const defined = Object.entries(view).filter(([, value]) => value !== undefined);
      expect(defined.map(([key]) => key).sort()).toEqual([...JOB_VIEW].sort());
      expect(view).toEqual(Object.fromEntries(JOB_VIEW.map((key) => [key, full?.[key]])));
      await expect(jobs.getViewForOwner(job.id, stranger)).rejects.toBeInstanceOf(NotFoundError);
    });

    it("DatasetRepository: the owner's dataset as findOneBy reads it; another owner's or a missing one is a 404", async () => {
      const id = await insertDataset(owner, true);
      expect(await datasets.getForOwner(id, owner)).toEqual(await dataSource.getRepository(Dataset).findOneBy({ id }));
      await expect(datasets.getForOwner(id, stranger)).rejects.toBeInstanceOf(NotFoundError);
      await expect(datasets.getForOwner(randomUUID(), owner)).rejects.toBeInstanceOf(NotFoundError);
    });

    it("ImportRunQueries: the owner's run as findOneBy reads it; another owner's run or a job of another kind is a 404", async () => {
      const run = await filledJob(owner, true);
      await dataSource.query(`UPDATE ingest_jobs SET status = $2 WHERE id = $1`, [run.id, JobStatus.Completed]);
      expect(await runs.getForOwner(run.id, owner)).toEqual(
        await dataSource.getRepository(IngestJob).findOneBy({ id: run.id }),
      );
      await expect(runs.getForOwner(run.id, stranger)).rejects.toBeInstanceOf(NotFoundError);
      const notARun = await filledJob(owner);
      await expect(runs.getForOwner(notARun.id, owner)).rejects.toBeInstanceOf(NotFoundError);
    });
  });
});

/** `selectPage` against TypeORM's `findAndCount` over the same rows: same page, same order, same total. */
describe('selectPage (PostgreSQL)', () => {
  let dataSource: DataSource;
  const owner = `it-select-page-${randomUUID()}`;
  const stranger = `it-select-page-other-${randomUUID()}`;

  beforeAll(async () => {
    dataSource = createDataSource(parseConfig(process.env), 'strata-int-select-page');
    await dataSource.initialize();
    // 7 datasets, three of them created at the same instant (the id breaks the tie), and one of a stranger.
    await dataSource.query(
      `INSERT INTO datasets (owner, kind, title, created_at, extent, columns)
       SELECT $1, 'vector', 'd' || i, '2026-01-01'::timestamptz + (least(i, 3) || ' minutes')::interval,
              '{1,2,3,4}', '[{"name":"n","type":"integer"}]'
         FROM generate_series(1, 7) AS i`,
      [owner],
    );
    await dataSource.query(`INSERT INTO datasets (owner, kind, title) VALUES ($1, 'raster', 'theirs')`, [stranger]);
  });

  afterAll(async () => {
    await dataSource?.query('DELETE FROM datasets WHERE owner = ANY($1)', [[owner, stranger]]);
    await dataSource?.destroy();
  });

  const meta = (): EntityMetadata => dataSource.getRepository(Dataset).metadata;
  const page = (of: string, n: number, perPage: number): Promise<[Dataset[], number]> =>
    selectPage<Dataset>(dataSource, meta(), {
      equal: { owner: of },
      orderBy: 'created_at DESC, id ASC',
      page: n,
      perPage,
    });

  it('answers each page and the total as findAndCount does, in one statement', async () => {
    const pool = (dataSource.driver as unknown as { master: { query: (...args: unknown[]) => unknown } }).master;
    const sent: unknown[] = [];
    const query = pool.query.bind(pool);
    const spy = vi.spyOn(pool, 'query').mockImplementation((...args: unknown[]) => {
      sent.push(args[0]);
      return query(...args);
    });
    try {
      for (const [n, perPage] of [
        [1, 3],
        [2, 3],
        [3, 3],
        [1, 7],
        [2, 5],
      ] as const) {
        sent.length = 0;
        const [rows, total] = await page(owner, n, perPage);
        expect(sent).toHaveLength(1);
        const expected = await dataSource.getRepository(Dataset).findAndCount({
          where: { owner },
          order: { createdAt: 'DESC', id: 'ASC' },
          skip: (n - 1) * perPage,
          take: perPage,
        });
        expect(rows).toEqual(expected[0]);
        expect(rows.every((row) => row instanceof Dataset)).toBe(true);
        expect(total).toBe(7);
      }
    } finally {
      spy.mockRestore();
    }
  });

  it('answers the total past the last page, and nothing for an owner without rows', async () => {
    expect(await page(owner, 4, 3)).toEqual([[], 7]);
    expect(await page(`nobody-${randomUUID()}`, 1, 20)).toEqual([[], 0]);
    const [theirs, total] = await page(stranger, 1, 20);
    expect([theirs.map((d) => d.title), total]).toEqual([['theirs'], 1]);
  });

  it("reads the page alone with the caller's count, and sends nothing past it", async () => {
    const counted = { equal: { owner }, orderBy: 'created_at DESC, id ASC', perPage: 3, count: async () => 7 };
    const [rows, total] = await selectPage<Dataset>(dataSource, meta(), { ...counted, page: 3 });
    expect([rows.map((d) => d.title), total]).toEqual([['d1'], 7]);
    expect(await selectPage<Dataset>(dataSource, meta(), { ...counted, page: 4 })).toEqual([[], 7]);
  });
});
