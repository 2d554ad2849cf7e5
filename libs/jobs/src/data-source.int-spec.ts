import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '@app/config';
import {
  JobKind,
  JobRepository,
  MIGRATIONS_TABLE,
  createDataSource,
  pendingSchemaChanges,
  type IngestJob,
  type JobSource,
} from '@app/jobs';
import type { DataSource } from 'typeorm';

const FILE_SOURCE: JobSource = { type: 'stored-file', key: 'staging/x/f.gpkg', size: 10, upload: { mode: 'direct' } };
const FILE_PARAMS = { kind: JobKind.FileDataset, commit: null } as const;

/** The SQLSTATE and constraint of a failed query; fails the test if it succeeds. */
async function queryError(run: Promise<unknown>): Promise<{ code?: string; constraint?: string }> {
  try {
    await run;
  } catch (error) {
    const e = error as { driverError?: { code?: string; constraint?: string }; code?: string; constraint?: string };
    return { code: e.driverError?.code ?? e.code, constraint: e.driverError?.constraint ?? e.constraint };
  }
  throw new Error('expected the query to fail');
}

describe('database schema (migrated test database)', () => {
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = createDataSource(parseConfig(process.env), 'strata-int-data-source');
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  /** A file → dataset job of an owner of its own. */
  const newJob = (): Promise<IngestJob> =>
    new JobRepository(dataSource).create({
      owner: `it-schema-${randomUUID()}`,
      kind: JobKind.FileDataset,
      source: FILE_SOURCE,
      params: FILE_PARAMS,
    });

  /** An INSERT of a job row that is valid but for the given column values. */
  const insertJob = (columns: Record<string, unknown>): Promise<unknown> => {
    const row: Record<string, unknown> = {
      owner: `it-schema-${randomUUID()}`,
      kind: JobKind.FileDataset,
      source: JSON.stringify(FILE_SOURCE),
      params: JSON.stringify(FILE_PARAMS),
      ...columns,
    };
    const names = Object.keys(row);
    return dataSource.query(
      `INSERT INTO ingest_jobs (${names.join(', ')}) VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
      Object.values(row),
    );
  };

  it('has every migration applied', async () => {
    expect(await dataSource.showMigrations()).toBe(false);
    const applied = (await dataSource.query(`SELECT name FROM ${MIGRATIONS_TABLE}`)) as { name: string }[];
    expect(applied.map((m) => m.name)).toEqual(expect.arrayContaining(dataSource.migrations.map((m) => m.name)));
  });

  it('needs no schema change beyond the migrations (entities and migrations agree)', async () => {
    expect(await pendingSchemaChanges(dataSource)).toEqual([]);
  });

  it('has PostGIS installed', async () => {
    const [row] = (await dataSource.query('SELECT postgis_version() AS version')) as { version: string }[];
    expect(row?.version).toMatch(/^\d+\.\d+/);
    const [point] = (await dataSource.query(
      `SELECT ST_AsText(ST_Transform(ST_SetSRID(ST_MakePoint(0, 0), 4326), 3857)) AS wkt`,
    )) as { wkt: string }[];
    expect(point?.wkt).toBe('POINT(0 0)');
  });

  it('rejects an unknown job status at the database, even from raw SQL', async () => {
    const job = await newJob();

    const onUpdate = await queryError(
      dataSource.query(`UPDATE ingest_jobs SET status = 'exploded' WHERE id = $1`, [job.id]),
    );
    expect(onUpdate).toEqual({ code: '23514', constraint: 'ck_ingest_jobs_status' });

    const onInsert = await queryError(insertJob({ status: 'bogus' }));
    expect(onInsert).toEqual({ code: '23514', constraint: 'ck_ingest_jobs_status' });

    const [row] = (await dataSource.query('SELECT status FROM ingest_jobs WHERE id = $1', [job.id])) as {
      status: string;
    }[];
    expect(row?.status).toBe('pending');
  });

  it('rejects progress outside [0, 1] at the database', async () => {
    const job = await newJob();
    const error = await queryError(dataSource.query(`UPDATE ingest_jobs SET progress = 1.5 WHERE id = $1`, [job.id]));
    expect(error).toEqual({ code: '23514', constraint: 'ck_ingest_jobs_progress' });
  });

  it('accepts a valid row written by raw SQL (the refusals below are about one column each)', async () => {
    const [row] = (await insertJob({})) as { id: string }[];
    expect(row?.id).toMatch(/^[0-9a-f-]{36}$/);
    const [stored] = (await dataSource.query('SELECT status, importer FROM ingest_jobs WHERE id = $1', [row!.id])) as {
      status: string;
      importer: string;
    }[];
    expect(stored).toEqual({ status: 'pending', importer: 'dataset' });
  });

  it('rejects an unknown job kind and content kind at the database', async () => {
    expect(await queryError(insertJob({ kind: 'tile-cache', params: JSON.stringify({ kind: 'tile-cache' }) }))).toEqual(
      {
        code: '23514',
        constraint: 'ck_ingest_jobs_kind',
      },
    );
    expect(await queryError(insertJob({ content_kind: 'tabular' }))).toEqual({
      code: '23514',
      constraint: 'ck_ingest_jobs_content_kind',
    });
    const job = await newJob();
    expect(
      await queryError(dataSource.query(`UPDATE ingest_jobs SET content_kind = 'Vector' WHERE id = $1`, [job.id])),
    ).toEqual({ code: '23514', constraint: 'ck_ingest_jobs_content_kind' });
  });

  it('requires a kind, a source and parameters on every job', async () => {
    for (const column of ['kind', 'source', 'params']) {
      expect(await queryError(insertJob({ [column]: null }))).toEqual({ code: '23502', constraint: undefined });
    }
  });
});
