import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompiledImporter, RecordReader } from '@app/importers';
import { JobKind, JobRepository, JobStatus, type IngestJob, type JobSource } from '@app/jobs';
import type { Storage } from '@app/storage';
import type { DataSource } from 'typeorm';
import {
  ArrayRecordReader,
  FakeCompiledImporter,
  testDefinition,
  type FieldSpec,
  type RecordHook,
} from '../../../../test/support/import-test-doubles.js';
import type { OpenRecordReader } from './import-ports.js';
import type { ImporterDefinition } from '@app/importers';
import {
  deliverImportRun,
  startImportRunHarness,
  type ImportRunHarness,
} from '../../../../test/support/import-run-harness.js';

let harness: ImportRunHarness;
let SCHEMA: string;
let owner: string;
let dataSource: DataSource;
let jobs: JobRepository;
let importers: Map<string, CompiledImporter>;
const readers = new Map<string, RecordReader>();

beforeAll(async () => {
  // The stored bytes are irrelevant here: the reader double is looked up by the run's file name.
  const storage = {
    read: () => Promise.resolve(Readable.from([Buffer.from('unused')])),
    getFile: (_key: string, file: string) => writeFile(file, 'unused'),
  } as unknown as Storage;
  const openReader: OpenRecordReader = ({ filename }) => {
    const reader = readers.get(filename ?? '');
    return reader ? Promise.resolve(reader) : Promise.reject(new Error(`no reader for ${filename}`));
  };
  harness = await startImportRunHarness('strata-int-import-run', storage, openReader);
  ({ dataSource, jobs, importers } = harness);
  SCHEMA = harness.schema;
  owner = harness.owner;
});

afterAll(async () => {
  await harness?.stop();
});

/** A fresh target table `<schema>.<name>` with the given column definitions. */
async function table(columns: string): Promise<{ schema: string; table: string; name: string }> {
  const name = `t_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
  await dataSource.query(`CREATE TABLE ${SCHEMA}.${name} (${columns})`);
  return { schema: SCHEMA, table: name, name: `${SCHEMA}.${name}` };
}

/** An importer over `target` with the given fields and settings, registered under a fresh slug. */
function importer(
  target: { schema: string; table: string },
  fields: FieldSpec[],
  settings: Partial<Omit<ImporterDefinition, 'fields' | 'target'>> & { key?: string[] } = {},
): string {
  const slug = `it-${randomUUID().slice(0, 8)}`;
  const { key = [], ...rest } = settings;
  importers.set(
    slug,
    new FakeCompiledImporter(
      testDefinition({
        ...rest,
        slug,
        fields,
        target: { schema: target.schema, table: target.table, create: false, key },
      }),
    ),
  );
  return slug;
}

interface RunOptions {
  dryRun?: boolean;
  source?: JobSource;
  hook?: RecordHook;
  headers?: string[];
  parentId?: string;
  geometries?: (string | null)[];
}

/** A queued run of `slug` over `rows` (headers: the first row's keys). */
async function newRun(slug: string, rows: Record<string, unknown>[], opts: RunOptions = {}): Promise<IngestJob> {
  const filename = `${randomUUID()}.csv`;
  readers.set(
    filename,
    new ArrayRecordReader(opts.headers ?? Object.keys(rows[0] ?? {}), rows, opts.hook, opts.geometries),
  );
  return jobs.create({
    owner,
    kind: JobKind.ImportRun,
    importer: slug,
    status: JobStatus.Queued,
    source: opts.source ?? { type: 'storage-object', key: `incoming/${filename}` },
    params: { kind: JobKind.ImportRun, format: 'csv' },
    sourceFilename: filename,
    dryRun: opts.dryRun ?? false,
    parentId: opts.parentId ?? null,
  });
}

/** One delivery of the run's queue job through the real job runner; a thrown error is returned. */
async function deliver(job: IngestJob, attemptsMade = 0): Promise<unknown> {
  try {
    return await deliverImportRun(harness, job.id, { attemptsMade });
  } catch (error) {
    return error;
  }
}

async function runToEnd(slug: string, rows: Record<string, unknown>[], opts: RunOptions = {}): Promise<IngestJob> {
  const job = await newRun(slug, rows, opts);
  await deliver(job);
  return reload(job);
}

async function reload(job: IngestJob): Promise<IngestJob> {
  const current = await jobs.findById(job.id);
  if (!current) throw new Error('job vanished');
  return current;
}

const counters = (job: IngestJob) => ({
  status: job.status,
  total: job.rowsTotal,
  processed: job.rowsProcessed,
  created: job.rowsCreated,
  updated: job.rowsUpdated,
  skipped: job.rowsSkipped,
  failed: job.rowsFailed,
});

async function contents(name: string, columns = '*', order = 'code'): Promise<Record<string, unknown>[]> {
  return (await dataSource.query(`SELECT ${columns} FROM ${name} ORDER BY ${order}`)) as Record<string, unknown>[];
}

async function keptRows(job: IngestJob): Promise<{ row_number: number; status: string; errors: unknown }[]> {
  return (await dataSource.query(
    `SELECT row_number, status, errors FROM ingest_rows WHERE job_id = $1 ORDER BY row_number`,
    [job.id],
  )) as { row_number: number; status: string; errors: unknown }[];
}

const summaryOf = (job: IngestJob): Record<string, unknown> =>
  (job.result as { summary: Record<string, unknown> } | null)?.summary ?? {};

const STATIONS = 'code text, name text, elevation numeric, updated_at timestamptz';
const FIELDS: FieldSpec[] = [
  { column: 'code', rules: [{ name: 'required', arg: null }] },
  { column: 'name' },
  { column: 'elevation', type: 'numeric' },
];

describe('ImportRunService (PostgreSQL)', () => {
  it('insert: every valid row is created, invalid rows fail with validation errors; progress and summary exact', async () => {
    const t = await table(STATIONS);
    const slug = importer(t, FIELDS, { chunk_size: 2 });
    const job = await runToEnd(slug, [
      { code: 'A', name: 'Alpha', elevation: '10' },
      { code: '', name: 'No code', elevation: '1' },
      { code: 'B', name: 'Beta', elevation: 'high' },
      { code: 'C', name: 'Gamma', elevation: '30.5' },
      { code: 'D', name: 'Delta', elevation: '' },
    ]);
    expect(counters(job)).toEqual({
      status: JobStatus.CompletedWithErrors,
      total: 5,
      processed: 5,
      created: 3,
      updated: 0,
      skipped: 0,
      failed: 2,
    });
    expect(job.progress).toBe(1);
    expect(await contents(t.name, 'code, name, elevation')).toEqual([
      { code: 'A', name: 'Alpha', elevation: '10' },
      { code: 'C', name: 'Gamma', elevation: '30.5' },
      { code: 'D', name: 'Delta', elevation: null },
    ]);
    expect(await keptRows(job)).toEqual([
      {
        row_number: 2,
        status: 'failed',
        errors: { message: 'Validation failed.', validation: { code: ['The code field is required.'] } },
      },
      {
        row_number: 3,
        status: 'failed',
        errors: {
          message: 'Validation failed.',
          validation: { elevation: ['The elevation must be of type numeric.'] },
        },
      },
    ]);
    expect(summaryOf(job)).toMatchObject({ created: 3, updated: 0, skipped: 0, failed: 2, errors: [], warnings: [] });
    expect(summaryOf(job).duration_ms).toEqual(expect.any(Number));
    const ledger = (await dataSource.query(
      `SELECT chunk_index, first_row, last_row, rows, created, failed FROM import_chunks WHERE job_id = $1 ORDER BY 1`,
      [job.id],
    )) as unknown[];
    expect(ledger).toEqual([
      { chunk_index: 0, first_row: 1, last_row: 2, rows: 2, created: 1, failed: 1 },
      { chunk_index: 1, first_row: 3, last_row: 4, rows: 2, created: 1, failed: 1 },
      { chunk_index: 2, first_row: 5, last_row: 5, rows: 1, created: 1, failed: 0 },
    ]);
  });

  it('a run without failures ends completed and keeps successful rows when asked', async () => {
    const t = await table(STATIONS);
    const slug = importer(t, FIELDS, { rows: { keep_successful: true } });
    const job = await runToEnd(slug, [
      { code: 'A', name: 'Alpha', elevation: '1', extra: 'x' },
      { code: 'B', name: 'Beta', elevation: '2', extra: 'y' },
    ]);
    expect(job.status).toBe(JobStatus.Completed);
    expect((await keptRows(job)).map((r) => [r.row_number, r.status, r.errors])).toEqual([
      [1, 'succeeded', null],
      [2, 'succeeded', null],
    ]);
    expect(summaryOf(job).warnings).toEqual(['Columns the importer does not use: extra.']);
  });

  describe('duplicate strategies, by target.key, with a key twice in the file', () => {
    async function seeded(): Promise<{ schema: string; table: string; name: string }> {
      const t = await table(STATIONS);
      await dataSource.query(
        `INSERT INTO ${t.name} (code, name, elevation, updated_at) VALUES
           ('A', 'Old A', 1, '2024-01-01T00:00:00Z'), ('B', 'Old B', 2, '2024-06-01T00:00:00Z')`,
      );
      return t;
    }
    const fields: FieldSpec[] = [...FIELDS, { column: 'updated_at', type: 'timestamptz' }];
    // A exists, C is new and appears twice, B exists (older and newer versions in the file).
    const rows = [
      { code: 'A', name: 'New A', elevation: '10', updated_at: '2024-02-01T00:00:00Z' },
      { code: 'C', name: 'First C', elevation: '30', updated_at: '2024-02-01T00:00:00Z' },
      { code: 'B', name: 'Older B', elevation: '20', updated_at: '2024-03-01T00:00:00Z' },
      { code: 'C', name: 'Second C', elevation: '31', updated_at: '2024-03-01T00:00:00Z' },
    ];
    const table3 = async (name: string) => contents(name, 'code, name');

    it('skip keeps existing records and the first occurrence of a new key', async () => {
      const t = await seeded();
      const job = await runToEnd(
        importer(t, fields, { key: ['code'], duplicates: { strategy: 'skip', compare: null } }),
        rows,
      );
      expect(counters(job)).toMatchObject({ created: 1, updated: 0, skipped: 3, failed: 0, status: 'completed' });
      expect(await table3(t.name)).toEqual([
        { code: 'A', name: 'Old A' },
        { code: 'B', name: 'Old B' },
        { code: 'C', name: 'First C' },
      ]);
    });

    it('fail fails existing keys and the repeated key', async () => {
      const t = await seeded();
      const job = await runToEnd(
        importer(t, fields, { key: ['code'], duplicates: { strategy: 'fail', compare: null } }),
        rows,
      );
      expect(counters(job)).toMatchObject({ created: 1, updated: 0, skipped: 0, failed: 3 });
      expect(await table3(t.name)).toEqual([
        { code: 'A', name: 'Old A' },
        { code: 'B', name: 'Old B' },
        { code: 'C', name: 'First C' },
      ]);
      expect((await keptRows(job)).map((r) => [r.row_number, r.errors])).toEqual([
        [1, { message: "Duplicate entry found for key 'code'." }],
        [3, { message: "Duplicate entry found for key 'code'." }],
        [4, { message: "Duplicate entry found for key 'code'." }],
      ]);
    });

    it('update updates existing keys and fails unknown ones, the repeat included', async () => {
      const t = await seeded();
      const job = await runToEnd(
        importer(t, fields, { key: ['code'], duplicates: { strategy: 'update', compare: null } }),
        rows,
      );
      expect(counters(job)).toMatchObject({ created: 0, updated: 2, skipped: 0, failed: 2 });
      expect(await table3(t.name)).toEqual([
        { code: 'A', name: 'New A' },
        { code: 'B', name: 'Older B' },
      ]);
      expect((await keptRows(job)).map((r) => [r.row_number, r.errors])).toEqual([
        [2, { message: "No existing record for key 'code'." }],
        [4, { message: "No existing record for key 'code'." }],
      ]);
    });

    it('upsert inserts the first occurrence and updates it with the second', async () => {
      const t = await seeded();
      const job = await runToEnd(
        importer(t, fields, { key: ['code'], duplicates: { strategy: 'upsert', compare: null } }),
        rows,
      );
      expect(counters(job)).toMatchObject({ created: 1, updated: 3, skipped: 0, failed: 0 });
      expect(await contents(t.name, 'code, name, elevation')).toEqual([
        { code: 'A', name: 'New A', elevation: '10' },
        { code: 'B', name: 'Older B', elevation: '20' },
        { code: 'C', name: 'Second C', elevation: '31' },
      ]);
    });

    it('update_if_newer updates only when the compare field is newer', async () => {
      const t = await seeded();
      const job = await runToEnd(
        importer(t, fields, { key: ['code'], duplicates: { strategy: 'update_if_newer', compare: 'updated_at' } }),
        rows,
      );
      // A: 2024-02 > 2024-01 → updated; C: created then updated (03 > 02); B: 2024-03 < 2024-06 → skipped.
      expect(counters(job)).toMatchObject({ created: 1, updated: 2, skipped: 1, failed: 0 });
      expect(await table3(t.name)).toEqual([
        { code: 'A', name: 'New A' },
        { code: 'B', name: 'Old B' },
        { code: 'C', name: 'Second C' },
      ]);
    });

    it('insert of a repeated key into a unique column fails the repeat only, even across chunks', async () => {
      const t = await table(`code text UNIQUE, name text, elevation numeric`);
      const job = await runToEnd(importer(t, FIELDS, { key: ['code'], chunk_size: 2 }), [
        { code: 'A', name: 'a1', elevation: '1' },
        { code: 'A', name: 'a2', elevation: '2' },
        { code: 'B', name: 'b', elevation: '3' },
        { code: 'A', name: 'a3', elevation: '4' },
      ]);
      expect(counters(job)).toMatchObject({ created: 2, failed: 2 });
      expect(await table3(t.name)).toEqual([
        { code: 'A', name: 'a1' },
        { code: 'B', name: 'b' },
      ]);
      const constraint = `${t.table}_code_key`;
      expect((await keptRows(job)).map((r) => [r.row_number, r.errors])).toEqual([
        [2, { message: `The row violates the unique constraint '${constraint}'.` }],
        [4, { message: `The row violates the unique constraint '${constraint}'.` }],
      ]);
    });
  });

  it('isolates a CHECK and a UNIQUE violation in the middle of a chunk and commits the rest', async () => {
    const t = await table(`code text, name text, elevation numeric CONSTRAINT elevation_range CHECK (elevation < 9000),
      CONSTRAINT unique_name UNIQUE (name)`);
    await dataSource.query(`INSERT INTO ${t.name} (code, name) VALUES ('Z', 'Taken')`);
    const rows = Array.from({ length: 10 }, (_, i) => ({ code: `R${i + 1}`, name: `N${i + 1}`, elevation: '5' }));
    rows[3] = { code: 'R4', name: 'N4', elevation: '9500' };
    rows[6] = { code: 'R7', name: 'Taken', elevation: '7' };
    const job = await runToEnd(importer(t, FIELDS, { chunk_size: 10 }), rows);
    expect(counters(job)).toMatchObject({ created: 8, failed: 2, status: JobStatus.CompletedWithErrors });
    expect((await contents(t.name, 'code')).map((r) => r.code)).toEqual(
      ['R1', 'R10', 'R2', 'R3', 'R5', 'R6', 'R8', 'R9', 'Z'].sort(),
    );
    expect((await keptRows(job)).map((r) => [r.row_number, r.errors])).toEqual([
      [4, { message: "The row violates the check constraint 'elevation_range'." }],
      [7, { message: "The row violates the unique constraint 'unique_name'." }],
    ]);
  });

  it('a value its staging column refuses (an integer out of range) fails only its row', async () => {
    const t = await table('code text, n integer');
    const slug = importer(t, [{ column: 'code' }, { column: 'n', type: 'integer' }], { chunk_size: 4 });
    const job = await runToEnd(slug, [
      { code: 'A', n: '1' },
      { code: 'B\u0000', n: '99999999999' },
      { code: 'C\u0000', n: '3' },
      { code: 'D', n: '4' },
    ]);
    expect(await contents(t.name, 'code, n')).toEqual([
      { code: 'A', n: 1 },
      { code: 'C', n: 3 },
      { code: 'D', n: 4 },
    ]);
    expect((await keptRows(job)).map((r) => [r.row_number, r.errors])).toEqual([
      [2, { message: 'A value is out of range for its column in the target table.' }],
    ]);
    // The failed row is kept as read, less the NUL character jsonb cannot hold.
    const [kept] = (await dataSource.query(`SELECT data FROM ingest_rows WHERE job_id = $1`, [job.id])) as {
      data: unknown;
    }[];
    expect(kept?.data).toEqual({ code: 'B', n: '99999999999' });
  });

  it('a NOT NULL violation and bad geometry fail only their rows; points land in the geometry column', async () => {
    const t = await table(`code text, name text NOT NULL, elevation numeric, geom geometry(Point, 4326)`);
    const slug = importer(t, FIELDS, {
      geometry: { column: 'geom', srid: 4326, from: { kind: 'xy', x: 'lon', y: 'lat' } },
    });
    const job = await runToEnd(slug, [
      { code: 'A', name: 'a', elevation: '1', lon: '7.5', lat: '47.25' },
      { code: 'B', name: '', elevation: '1', lon: '8', lat: '46' },
      { code: 'C', name: 'c', elevation: '1', lon: 'east', lat: '46' },
    ]);
    expect(await contents(t.name, 'code, ST_AsText(geom) AS wkt, ST_SRID(geom) AS srid')).toEqual([
      { code: 'A', wkt: 'POINT(7.5 47.25)', srid: 4326 },
    ]);
    expect((await keptRows(job)).map((r) => [r.row_number, r.errors])).toEqual([
      [2, { message: "The row has no value for the required column 'name'." }],
      [3, { message: "The row's geometry is invalid." }],
    ]);
  });

  it('a layer geometry (GeoJSON in its CRS) is transformed into the target SRID; an unparsable one fails its row', async () => {
    const t = await table(`code text, name text, elevation numeric, geom geometry(Point, 4326)`);
    const slug = importer(t, FIELDS, { geometry: { column: 'geom', srid: 4326, from: { kind: 'source' } } });
    const job = await runToEnd(
      slug,
      [
        { code: 'A', name: 'a', elevation: '1' },
        { code: 'B', name: 'b', elevation: '2' },
        { code: 'C', name: 'c', elevation: '3' },
      ],
      {
        geometries: [
          // 10° east on the equator, in Web Mercator metres.
          JSON.stringify({ type: 'Point', coordinates: [1113194.9079327357, 0] }),
          JSON.stringify({ type: 'Pointy', coordinates: [1, 1] }),
          null,
        ],
      },
    );
    expect(
      await contents(t.name, 'code, ST_AsText(ST_SnapToGrid(geom, 0.000001)) AS wkt, ST_SRID(geom) AS srid'),
    ).toEqual([
      { code: 'A', wkt: 'POINT(10 0)', srid: 4326 },
      { code: 'C', wkt: null, srid: null },
    ]);
    expect((await keptRows(job)).map((r) => [r.row_number, r.errors])).toEqual([
      [2, { message: "The row's geometry is invalid." }],
    ]);
  });

  it('deferred checks: exists looks values up; unique_in_file sees earlier rows across chunks', async () => {
    const regions = await table('id text PRIMARY KEY');
    await dataSource.query(`INSERT INTO ${regions.name} VALUES ('north'), ('south')`);
    const t = await table('code text, region text');
    const slug = importer(
      t,
      [
        { column: 'code', rules: [{ name: 'unique_in_file', arg: null }] },
        { column: 'region', rules: [{ name: 'exists', arg: { table: regions.name, column: 'id' } }] },
      ],
      { chunk_size: 2 },
    );
    const job = await runToEnd(slug, [
      { code: 'A', region: 'north' },
      { code: 'B', region: 'west' },
      { code: 'A', region: 'south' },
      { code: 'C', region: 'south' },
      { code: 'B', region: 'east' },
    ]);
    expect(await contents(t.name, 'code, region')).toEqual([
      { code: 'A', region: 'north' },
      { code: 'C', region: 'south' },
    ]);
    expect((await keptRows(job)).map((r) => [r.row_number, r.errors])).toEqual([
      [2, { message: 'Validation failed.', validation: { region: ['The selected region is invalid.'] } }],
      [3, { message: 'Validation failed.', validation: { code: ['The code has already been taken in this file.'] } }],
      [
        5,
        {
          message: 'Validation failed.',
          validation: {
            code: ['The code has already been taken in this file.'],
            region: ['The selected region is invalid.'],
          },
        },
      ],
    ]);
  });

  describe('dry run', () => {
    it('reports exactly the rows a real run fails (cross-chunk duplicates and a CHECK), leaving the target unchanged', async () => {
      const columns = 'code text UNIQUE, name text, elevation numeric CONSTRAINT elev CHECK (elevation >= 0)';
      const rows = [
        { code: 'A', name: 'a', elevation: '1' },
        { code: 'B', name: 'b', elevation: '-5' },
        { code: 'C', name: 'c', elevation: '3' },
        { code: 'A', name: 'a again', elevation: '4' },
        { code: 'X', name: 'x', elevation: '5' },
        { code: 'C', name: 'c again', elevation: '6' },
        { code: '', name: 'no code', elevation: '1' },
      ];
      const dryTarget = await table(columns);
      await dataSource.query(`INSERT INTO ${dryTarget.name} (code, name, elevation) VALUES ('X', 'kept', 9)`);
      const realTarget = await table(columns);
      await dataSource.query(`INSERT INTO ${realTarget.name} (code, name, elevation) VALUES ('X', 'kept', 9)`);
      const settings = { key: ['code'], chunk_size: 2, duplicates: { strategy: 'fail' as const, compare: null } };

      const dry = await runToEnd(importer(dryTarget, FIELDS, settings), rows, { dryRun: true });
      const real = await runToEnd(importer(realTarget, FIELDS, settings), rows);

      expect(dry.dryRun).toBe(true);
      expect(await contents(dryTarget.name, 'code, name, elevation')).toEqual([
        { code: 'X', name: 'kept', elevation: '9' },
      ]);
      expect(await keptRows(dry)).toEqual(await keptRows(real));
      expect((await keptRows(dry)).map((r) => r.row_number)).toEqual([2, 4, 5, 6, 7]);
      expect(counters(dry)).toEqual(counters(real));
      expect(counters(dry)).toMatchObject({ created: 2, failed: 5, status: JobStatus.CompletedWithErrors });
      expect(await contents(realTarget.name, 'code')).toEqual([{ code: 'A' }, { code: 'C' }, { code: 'X' }]);
    });
  });

  it('transaction: run commits everything at the end; the counters come with it', async () => {
    const t = await table(STATIONS);
    const job = await runToEnd(importer(t, FIELDS, { chunk_size: 2, transaction: 'run' }), [
      { code: 'A', name: 'a', elevation: '1' },
      { code: 'B', name: 'b', elevation: 'x' },
      { code: 'C', name: 'c', elevation: '3' },
    ]);
    expect(counters(job)).toEqual({
      status: JobStatus.CompletedWithErrors,
      total: 3,
      processed: 3,
      created: 2,
      updated: 0,
      skipped: 0,
      failed: 1,
    });
    expect((await contents(t.name, 'code')).map((r) => r.code)).toEqual(['A', 'C']);
  });

  it.each(['run' as const, 'chunk' as const])(
    'transaction: %s never writes twice when the worker died after the last commit, before the completion',
    async (transaction) => {
      const t = await table(STATIONS);
      const rows = Array.from({ length: 5 }, (_, i) => ({ code: `R${i}`, name: 'n', elevation: i === 2 ? 'x' : '1' }));
      const job = await runToEnd(importer(t, FIELDS, { chunk_size: 2, transaction }), rows);
      expect(job.status).toBe(JobStatus.CompletedWithErrors);
      // As if the completion had never been written: the job is still processing when redelivered.
      await dataSource.query(`UPDATE ingest_jobs SET status = 'processing', completed_at = NULL WHERE id = $1`, [
        job.id,
      ]);
      await deliver(job, 1);
      const again = await reload(job);
      expect(counters(again)).toEqual(counters(job));
      expect((await contents(t.name, 'code')).map((r) => r.code)).toEqual(['R0', 'R1', 'R3', 'R4']);
      expect((await keptRows(again)).map((r) => r.row_number)).toEqual([3]);
    },
  );

  it('transaction: run leaves the target untouched when cancelled mid-run', async () => {
    const t = await table(STATIONS);
    const rows = Array.from({ length: 6 }, (_, i) => ({ code: `R${i}`, name: 'n', elevation: '1' }));
    let job: IngestJob | undefined;
    job = await newRun(importer(t, FIELDS, { chunk_size: 2, transaction: 'run' }), rows, {
      hook: async (_record, position) => {
        if (position === 5 && job) await jobs.requestCancel(job.id, owner);
      },
    });
    await deliver(job);
    const done = await reload(job);
    expect(done.status).toBe(JobStatus.Cancelled);
    expect(await contents(t.name)).toEqual([]);
    expect(await keptRows(done)).toEqual([]);
  });

  it('cancel between chunks ends cancelled within one chunk; committed chunks stay (transaction: chunk)', async () => {
    const t = await table(STATIONS);
    const rows = Array.from({ length: 8 }, (_, i) => ({ code: `R${i + 1}`, name: 'n', elevation: '1' }));
    let job: IngestJob | undefined;
    job = await newRun(importer(t, FIELDS, { chunk_size: 2 }), rows, {
      hook: async (_record, position) => {
        if (position === 5 && job) await jobs.requestCancel(job.id, owner);
      },
    });
    await deliver(job);
    const done = await reload(job);
    expect(done.status).toBe(JobStatus.Cancelled);
    // The run reads one chunk ahead: record 5 is read while chunk 2 (R3, R4) is being written, so the
    // request lands before chunk 2 or before chunk 3. Either way whole chunks only, and the counters agree.
    const codes = (await contents(t.name, 'code')).map((r) => r.code);
    expect([
      ['R1', 'R2'],
      ['R1', 'R2', 'R3', 'R4'],
    ]).toContainEqual(codes);
    expect(counters(done)).toMatchObject({ processed: codes.length, created: codes.length });
  });

  describe('error thresholds', () => {
    const bad = (n: number) => Array.from({ length: n }, (_, i) => ({ code: '', name: `bad ${i}`, elevation: '1' }));
    const good = (n: number) => Array.from({ length: n }, (_, i) => ({ code: `G${i}`, name: 'g', elevation: '1' }));

    it('max_failed_rows ends the run failed after the chunk that exceeded it, with the reason and a summary', async () => {
      const t = await table(STATIONS);
      const slug = importer(t, FIELDS, { chunk_size: 2, errors: { max_failed_rows: 2, max_failed_ratio: null } });
      const job = await runToEnd(slug, [...good(2), ...bad(3), ...good(3)]);
      expect(job.status).toBe(JobStatus.Failed);
      const reason = 'The run stopped: 3 rows failed, more than the importer allows (max_failed_rows 2).';
      expect(job.error).toEqual({ code: 'import-threshold-exceeded', message: reason });
      expect(summaryOf(job)).toMatchObject({ created: 3, failed: 3, errors: [reason] });
      // Chunks 0-2 committed (rows 1-6: two good, three bad, one good); the rest never ran.
      expect((await contents(t.name, 'code')).map((r) => r.code)).toEqual(['G0', 'G0', 'G1']);
      expect(counters(job)).toMatchObject({ processed: 6, failed: 3, created: 3 });
    });

    it('max_failed_ratio is checked after each chunk; transaction: run then leaves the target untouched', async () => {
      const t = await table(STATIONS);
      const slug = importer(t, FIELDS, {
        chunk_size: 4,
        transaction: 'run',
        errors: { max_failed_rows: null, max_failed_ratio: 0.5 },
      });
      const job = await runToEnd(slug, [...good(4), ...bad(3), ...good(1), ...bad(4)]);
      expect(job.status).toBe(JobStatus.Failed);
      expect(job.error?.message).toBe(
        'The run stopped: 7 of 12 rows failed, more than the importer allows (max_failed_ratio 0.5).',
      );
      expect(await contents(t.name)).toEqual([]);
      // The failed rows are still reported, though nothing was written to the target.
      expect((await keptRows(job)).map((r) => r.row_number)).toEqual([5, 6, 7, 9, 10, 11, 12]);
    });
  });

  it('resumes after a crash between chunks: no row written twice, no counter counted twice', async () => {
    const t = await table('code text, name text, elevation numeric');
    const slug = importer(t, FIELDS, { chunk_size: 3, rows: { keep_successful: true } });
    const rows = Array.from({ length: 10 }, (_, i) => ({
      code: `R${i + 1}`,
      name: 'n',
      elevation: i === 7 ? 'x' : '1',
    }));
    let crash = true;
    const job = await newRun(slug, rows, {
      hook: (_record, position) => {
        // The connection drops while chunk 2 (rows 7-9) is being read: chunks 0 and 1 are committed.
        if (crash && position === 8) throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
      },
    });
    await deliver(job, 0);
    const crashed = await reload(job);
    expect(crashed.status).toBe(JobStatus.Processing);
    expect(counters(crashed)).toMatchObject({ processed: 6, created: 6 });

    crash = false;
    await deliver(job, 1);
    const done = await reload(job);
    expect(counters(done)).toEqual({
      status: JobStatus.CompletedWithErrors,
      total: 10,
      processed: 10,
      created: 9,
      updated: 0,
      skipped: 0,
      failed: 1,
    });
    const stored = (await dataSource.query(`SELECT code, count(*)::int AS n FROM ${t.name} GROUP BY code`)) as {
      n: number;
    }[];
    expect(stored).toHaveLength(9);
    expect(stored.every((r) => r.n === 1)).toBe(true);
    expect((await keptRows(done)).map((r) => r.row_number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('a chunk whose commit fails leaves no trace (rows, ledger, counters) and is redone once on resume', async () => {
    const t = await table('code text, name text, elevation numeric');
    const flag = `${t.name}_armed`;
    await dataSource.query(`CREATE TABLE ${flag} (armed boolean NOT NULL)`);
    await dataSource.query(`INSERT INTO ${flag} VALUES (true)`);
    // Fires at COMMIT, after the chunk's ledger row and counters were written in the same transaction.
    await dataSource.query(`CREATE FUNCTION ${t.name}_boom() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.code = 'R5' AND (SELECT armed FROM ${flag}) THEN
          RAISE EXCEPTION 'simulated connection loss' USING ERRCODE = '08006';
        END IF;
        RETURN NULL;
      END $$`);
    await dataSource.query(`CREATE CONSTRAINT TRIGGER boom AFTER INSERT ON ${t.name}
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ${t.name}_boom()`);
    const slug = importer(t, FIELDS, { chunk_size: 2 });
    const rows = Array.from({ length: 7 }, (_, i) => ({ code: `R${i + 1}`, name: 'n', elevation: '1' }));
    const job = await newRun(slug, rows);

    await deliver(job, 0);
    const interrupted = await reload(job);
    expect(interrupted.status).toBe(JobStatus.Processing);
    expect(counters(interrupted)).toMatchObject({ processed: 4, created: 4 });
    expect((await contents(t.name, 'code')).map((r) => r.code)).toEqual(['R1', 'R2', 'R3', 'R4']);

    await dataSource.query(`UPDATE ${flag} SET armed = false`);
    await deliver(job, 1);
    const done = await reload(job);
    expect(counters(done)).toMatchObject({ status: JobStatus.Completed, processed: 7, created: 7, failed: 0 });
    expect((await contents(t.name, 'code')).map((r) => r.code)).toEqual(['R1', 'R2', 'R3', 'R4', 'R5', 'R6', 'R7']);
    const ledger = (await dataSource.query(`SELECT chunk_index FROM import_chunks WHERE job_id = $1 ORDER BY 1`, [
      job.id,
    ])) as { chunk_index: number }[];
    expect(ledger.map((r) => r.chunk_index)).toEqual([0, 1, 2, 3]);
  });

  it.each([
    { mode: 'transaction: run', dryRun: false, transaction: 'run' as const },
    { mode: 'a dry run', dryRun: true, transaction: 'chunk' as const },
  ])('$mode restarts cleanly after a crash: counters and kept rows equal one clean run', async (c) => {
    const t = await table('code text UNIQUE, name text, elevation numeric');
    const slug = importer(t, FIELDS, { chunk_size: 2, transaction: c.transaction });
    const rows = Array.from({ length: 7 }, (_, i) => ({
      code: i === 5 ? 'R1' : `R${i + 1}`,
      name: 'n',
      // Row 3 fails validation in chunk 1, whose kept rows are committed before the crash.
      elevation: i === 2 ? 'x' : '1',
    }));
    let crash = true;
    const job = await newRun(slug, rows, {
      dryRun: c.dryRun,
      hook: (_record, position) => {
        if (crash && position === 6) throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
      },
    });
    await deliver(job, 0);
    expect((await reload(job)).status).toBe(JobStatus.Processing);
    crash = false;
    await deliver(job, 1);
    const done = await reload(job);
    expect(counters(done)).toEqual({
      status: JobStatus.CompletedWithErrors,
      total: 7,
      processed: 7,
      created: 5,
      updated: 0,
      skipped: 0,
      failed: 2,
    });
    expect((await keptRows(done)).map((r) => r.row_number)).toEqual([3, 6]);
    expect((await contents(t.name, 'code')).length).toBe(c.dryRun ? 0 : 5);
  });

  it('knows the exact total before the first row is processed', async () => {
    const t = await table(STATIONS);
    const totals: (number | null)[] = [];
    let job: IngestJob | undefined;
    job = await newRun(
      importer(t, FIELDS, { chunk_size: 2 }),
      Array.from({ length: 5 }, (_, i) => ({ code: `R${i}`, name: 'n', elevation: '1' })),
      {
        hook: async (_record, position) => {
          if (job && (position === 1 || position === 3)) totals.push((await reload(job)).rowsTotal);
        },
      },
    );
    await deliver(job);
    expect(totals).toEqual([5, 5]);
  });

  it('a retry reads only the failed rows of its parent and keeps their row numbers', async () => {
    const t = await table(STATIONS);
    const slug = importer(t, FIELDS, { chunk_size: 2 });
    const parent = await runToEnd(slug, [
      { code: 'A', name: 'a', elevation: '1' },
      { code: '', name: 'b', elevation: '2' },
      { code: 'C', name: 'c', elevation: '3' },
      { code: 'D', name: 'd', elevation: 'deep' },
      { code: '', name: 'e', elevation: '5' },
    ]);
    expect((await keptRows(parent)).map((r) => r.row_number)).toEqual([2, 4, 5]);
    const retry = await runToEnd(slug, [], { source: { type: 'failed-rows', job_id: parent.id }, parentId: parent.id });
    expect(counters(retry)).toMatchObject({ total: 3, processed: 3, failed: 3 });
    expect((await keptRows(retry)).map((r) => r.row_number)).toEqual([2, 4, 5]);
    const data = (await dataSource.query(
      `SELECT row_number, data FROM ingest_rows WHERE job_id = $1 ORDER BY row_number`,
      [retry.id],
    )) as { row_number: number; data: unknown }[];
    expect(data[1]).toEqual({ row_number: 4, data: { code: 'D', name: 'd', elevation: 'deep' } });
  });

  it.each(['chunk' as const, 'run' as const])(
    'target.create: concurrent first runs create the table once and all complete (transaction: %s)',
    async (transaction) => {
      const target = { schema: SCHEMA, table: `c_${randomUUID().replace(/-/g, '').slice(0, 10)}` };
      const slug = `it-${randomUUID().slice(0, 8)}`;
      importers.set(
        slug,
        new FakeCompiledImporter(
          testDefinition({
            slug,
            fields: FIELDS,
            chunk_size: 2,
            transaction,
            duplicates: { strategy: 'upsert', compare: null },
            target: { ...target, create: true, key: ['code'] },
          }),
        ),
      );
      const runs = await Promise.all(
        [0, 1, 2, 3].map((n) =>
          newRun(slug, [
            { code: `A${n}`, name: 'a', elevation: '1' },
            { code: 'shared', name: `from ${n}`, elevation: '2' },
            { code: `B${n}`, name: 'b', elevation: '3' },
          ]),
        ),
      );
      await Promise.all(runs.map((run) => deliver(run)));
      const ended = await Promise.all(runs.map(reload));
      expect(ended.map((run) => run.status)).toEqual(Array(4).fill(JobStatus.Completed));
      const rows = await contents(`${SCHEMA}.${target.table}`, 'code');
      expect(rows.map((r) => r.code)).toEqual(['A0', 'A1', 'A2', 'A3', 'B0', 'B1', 'B2', 'B3', 'shared']);
    },
  );

  it('fails at once with a clear reason when the target table does not exist', async () => {
    const slug = importer({ schema: SCHEMA, table: 'missing_table' }, FIELDS);
    const job = await runToEnd(slug, [{ code: 'A', name: 'a', elevation: '1' }]);
    expect(job.status).toBe(JobStatus.Failed);
    expect(job.error).toEqual({
      code: 'import-target-missing',
      message: "The importer's target table does not exist.",
    });
  });
});
