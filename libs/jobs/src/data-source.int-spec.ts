import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '@app/config';
import { JobRepository, MIGRATIONS_TABLE, createDataSource, pendingSchemaChanges } from '@app/jobs';
import type { DataSource } from 'typeorm';

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
    const job = await new JobRepository(dataSource).create({ owner: `it-schema-${randomUUID()}`, importer: 'dataset' });

    const onUpdate = await queryError(
      dataSource.query(`UPDATE ingest_jobs SET status = 'exploded' WHERE id = $1`, [job.id]),
    );
    expect(onUpdate).toEqual({ code: '23514', constraint: 'ck_ingest_jobs_status' });

    const onInsert = await queryError(
      dataSource.query(`INSERT INTO ingest_jobs (owner, status) VALUES ($1, 'bogus')`, [`it-schema-${randomUUID()}`]),
    );
    expect(onInsert).toEqual({ code: '23514', constraint: 'ck_ingest_jobs_status' });

    const [row] = (await dataSource.query('SELECT status FROM ingest_jobs WHERE id = $1', [job.id])) as {
      status: string;
    }[];
    expect(row?.status).toBe('pending');
  });

  it('rejects progress outside [0, 1] at the database', async () => {
    const job = await new JobRepository(dataSource).create({ owner: `it-schema-${randomUUID()}`, importer: 'dataset' });
    const error = await queryError(dataSource.query(`UPDATE ingest_jobs SET progress = 1.5 WHERE id = $1`, [job.id]));
    expect(error).toEqual({ code: '23514', constraint: 'ck_ingest_jobs_progress' });
  });
});
