import { randomUUID } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeImporters, type ImporterFiles } from './support/importers.js';
import { Stack, uniqueOwner, type ApiResponse } from './support/stack.js';

/**
 * Importer runs through both apps over HTTP, as a client drives them: upload → queued → a worker runs
 * the pipeline → the target table holds exactly the expected rows and the counters equal the truth.
 * Covers the duplicate strategies, transforms and rules (incl. the database-backed ones), a CHECK
 * constraint isolated to its rows, dry run = real run, retry keeping row numbers, the failed-rows CSV
 * (header, formula escaping, re-upload), readers other than CSV, and cancel mid-run.
 */

type Body = Record<string, unknown>;
interface Run extends Body {
  id: string;
  status: string;
  importer: string;
  dry_run: boolean;
  parent_id: string | null;
  progress: { total: number; processed: number; successful: number; failed: number };
  summary: { created: number; updated: number; skipped: number; failed: number; errors: unknown[] } | null;
  rows?: { row_number: number; status: string; data: Body; errors: { message: string; validation?: Body } | null }[];
}

const BASE = '/api/v1/ingest';
const TERMINAL = new Set(['completed', 'completed_with_errors', 'failed', 'cancelled']);
const SCHEMA = `imp_${randomUUID().slice(0, 8)}`;

const importer = (slug: string, table: string, body: string): [string, string] => [
  `${slug}.yaml`,
  `slug: ${slug}\ntitle: ${slug}\ntarget: {table: ${SCHEMA}.${table}, key: [code]}\n${body}`,
];

const CSV_SOURCE = `source: {type: upload, formats: [csv, tsv, xlsx, json, ndjson]}`;

const IMPORTERS: ImporterFiles = Object.fromEntries([
  // Every transform and every rule (incl. exists and unique_in_file), upsert, geometry from x/y.
  importer(
    'stations',
    'stations',
    `${CSV_SOURCE}
fields:
  code: {from: [code, "Station Code"], type: text, transforms: [trim, upper], rules: [required, {max_length: 6}, {regex: "^[A-Z0-9]+$"}]}
  name: {transforms: [trim, {replace: {pattern: "\\\\s+", with: " "}}], rules: [required, {min_length: 2}]}
  slug: {from: [name], transforms: [slug]}
  elevation_m: {from: [elevation], type: numeric, transforms: [{null_if: ["", "n/a"]}, {number: {decimal: ",", thousands: "."}}], rules: [{between: [-500, 9000]}]}
  status: {transforms: [lower, {map: {a: active, i: inactive}}, {default: active}], rules: [{in: [active, inactive]}]}
  opened_on: {from: [opened], type: date, transforms: [{date: {format: dd.MM.yyyy}}]}
  heated: {type: boolean, transforms: [boolean]}
  staff: {type: integer, rules: [{min: 0}, {max: 50}]}
  email: {transforms: [trim, lower], rules: [email]}
  homepage: {rules: [url]}
  uid: {type: uuid, rules: [uuid]}
  region: {rules: [{exists: {table: ${SCHEMA}.regions, column: code}}]}
  label: {transforms: [{concat: {fields: ["Station Code", region], separator: "-"}}, upper]}
  serial: {rules: [unique_in_file]}
geometry: {column: geom, srid: 4326, from: {x: lon, y: lat}}
duplicates: {strategy: upsert}
chunk_size: 3
`,
  ),
  ...(['insert', 'skip', 'update', 'fail'] as const).map((strategy) =>
    importer(
      `strategy-${strategy}`,
      `strategy_${strategy}`,
      `${CSV_SOURCE}
fields:
  code: {rules: [required]}
  name: {}
duplicates: {strategy: ${strategy}}
chunk_size: 2
`,
    ),
  ),
  importer(
    'strategy-newer',
    'strategy_newer',
    `${CSV_SOURCE}
fields:
  code: {rules: [required]}
  name: {}
  updated_at: {type: timestamptz}
duplicates: {strategy: update_if_newer, compare: updated_at}
chunk_size: 2
`,
  ),
  importer(
    'atomic',
    'atomic',
    `${CSV_SOURCE}
fields:
  code: {rules: [required]}
  name: {}
duplicates: {strategy: insert}
transaction: run
chunk_size: 2
errors: {max_failed_rows: 1}
`,
  ),
  importer(
    'places',
    'places',
    `source: {type: upload, formats: [gpkg, geojson]}
read: {layer: places}
fields:
  code: {from: [code]}
  name: {}
geometry: {column: geom, srid: 4326, from: source}
duplicates: {strategy: upsert}
`,
  ),
  importer(
    'nested',
    'nested',
    `source: {type: upload, formats: [json]}
read: {pointer: /data/items}
fields:
  code: {}
  name: {}
duplicates: {strategy: upsert}
`,
  ),
  importer(
    'multi',
    'multi',
    `source: {type: upload, formats: [xlsx, ndjson]}
read: {sheet: Stations}
fields:
  code: {rules: [required]}
  name: {}
  opened_on: {from: [opened], type: date}
duplicates: {strategy: upsert}
`,
  ),
  importer(
    'latin',
    'latin',
    `source: {type: upload, formats: [csv]}
read: {encoding: latin1, header_row: 2}
fields:
  code: {}
  name: {}
duplicates: {strategy: upsert}
`,
  ),
  importer(
    'bulk',
    'bulk',
    `${CSV_SOURCE}
fields:
  code: {}
  name: {}
duplicates: {strategy: insert}
chunk_size: 500
`,
  ),
]);

describe('importer runs through the worker pipeline', () => {
  let stack: Stack;
  let token: string;
  let importersDir: string;

  beforeAll(async () => {
    importersDir = await writeImporters(IMPORTERS, { prefix: 'strata-import-e2e' });
    stack = await Stack.start({
      env: { IMPORTERS_DIR: importersDir, STORAGE_LOCAL_ROOT: `${process.env.STORAGE_LOCAL_ROOT}/${randomUUID()}` },
    });
    token = await stack.mintToken(uniqueOwner('importer'), ['upload']);
    await stack.sql(`CREATE SCHEMA ${SCHEMA}`);
    await stack.sql(`CREATE TABLE ${SCHEMA}.regions (code text PRIMARY KEY)`);
    await stack.sql(`INSERT INTO ${SCHEMA}.regions VALUES ('N'), ('S')`);
    await stack.sql(
      `CREATE TABLE ${SCHEMA}.stations (code text PRIMARY KEY, name text NOT NULL, slug text, elevation_m numeric,
        status text, opened_on date, heated boolean, staff integer, email text, homepage text, uid uuid, region text,
        label text, serial text, geom geometry(Point, 4326),
        CONSTRAINT stations_not_reserved CHECK (name <> 'Reserved'))`,
    );
    for (const s of ['insert', 'skip', 'update', 'fail', 'newer']) {
      const extra = s === 'newer' ? ', updated_at timestamptz' : '';
      await stack.sql(`CREATE TABLE ${SCHEMA}.strategy_${s} (code text PRIMARY KEY, name text${extra})`);
    }
    await stack.sql(`CREATE TABLE ${SCHEMA}.atomic (code text PRIMARY KEY, name text)`);
    await stack.sql(`CREATE TABLE ${SCHEMA}.places (code text PRIMARY KEY, name text, geom geometry(Point, 4326))`);
    await stack.sql(`CREATE TABLE ${SCHEMA}.nested (code text PRIMARY KEY, name text)`);
    await stack.sql(`CREATE TABLE ${SCHEMA}.bulk (code text PRIMARY KEY, name text)`);
    await stack.sql(`CREATE TABLE ${SCHEMA}.multi (code text PRIMARY KEY, name text, opened_on date)`);
    await stack.sql(`CREATE TABLE ${SCHEMA}.latin (code text PRIMARY KEY, name text)`);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  async function upload(slug: string, name: string, data: string | Buffer, dryRun?: boolean): Promise<Run> {
    const form = new FormData();
    form.append('file', new Blob([typeof data === 'string' ? Buffer.from(data) : data]), name);
    if (dryRun !== undefined) form.append('dry_run', dryRun ? '1' : '0');
    const res = await fetch(`${stack.baseUrl}${BASE}/upload/${slug}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    const body = (await res.json()) as { data: Run };
    expect(res.status, JSON.stringify(body)).toBe(202);
    expect(body.data.status).toBe('queued');
    return body.data;
  }

  async function show(id: string, query = ''): Promise<Run> {
    const res: ApiResponse<{ data: Run }> = await stack.api('GET', `${BASE}/${id}${query}`, { token });
    expect(res.status, res.text).toBe(200);
    return res.body.data;
  }

  async function finished(id: string, timeoutMs = 60_000): Promise<Run> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const run = await show(id);
      if (TERMINAL.has(run.status)) return run;
      if (Date.now() > deadline) throw new Error(`run ${id} is still ${run.status}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  const failedRows = async (id: string) =>
    (await show(id, '?rows_status=failed&rows_per_page=500')).rows?.map((r) => ({
      row: r.row_number,
      errors: r.errors,
    })) ?? [];

  const table = async (name: string, columns = 'code, name'): Promise<Body[]> =>
    stack.sql(`SELECT ${columns} FROM ${SCHEMA}.${name} ORDER BY code`);

  // Row numbers (1 = first data row) are what the assertions below name.
  const STATIONS_CSV = [
    'Station Code,name,elevation,status,opened,heated,staff,email,homepage,uid,region,serial,lon,lat',
    /* 1 */ 'ab1,"  Alpha   Hill ","1.234,5",A,01.02.2020,yes,3,  A@Example.org ,https://a.example,3f9c2a4e-1b7d-4c8e-9a2f-6d5e4c3b2a10,N,s1,10.5,53.5',
    /* 2 */ 'ab2,Beta,n/a,,15.06.2021,nein,0,b@example.org,https://b.example,,S,s2,11,54',
    /* 3 */ 'ab1,Alpha Peak,1.300,i,01.02.2020,1,4,a@example.org,https://a.example,,N,s3,10.6,53.6',
    /* 4 */ ',Nameless,5,a,01.01.2020,no,1,x@example.org,https://x.example,,N,s4,1,1',
    /* 5 */ 'ab4,Delta,99999,a,01.01.2020,no,1,not-an-email,nope,not-a-uuid,N,s5,1,1',
    /* 6 */ 'ab5,Echo,5,a,31.02.2020,maybe,51,e@example.org,https://e.example,,N,s6,1,1',
    /* 7 */ 'ab6,Foxtrot,5,a,01.01.2020,no,1,f@example.org,https://f.example,,Z,s1,1,1',
    /* 8 */ 'ab7,Reserved,5,a,01.01.2020,no,1,r@example.org,https://r.example,,N,s8,1,1',
    /* 9 */ 'ab8,"=HYPERLINK(""http://evil"")",5,a,01.01.2020,no,1,h@example.org,https://h.example,,N,s9,abc,1',
    /* 10 */ 'ab9,Golf,7,A,02.03.2022,y,2,g@example.org,https://g.example,,S,s10,12,55',
  ].join('\n');

  let stationsRun: Run;

  it('imports a CSV: transforms, casts, rules, upsert within the file, geometry, a CHECK isolated to its row', async () => {
    stationsRun = await finished((await upload('stations', 'stations.csv', STATIONS_CSV)).id);
    expect(stationsRun.status).toBe('completed_with_errors');
    expect(stationsRun.progress).toEqual({ total: 10, processed: 10, successful: 4, failed: 6 });
    expect(stationsRun.summary).toMatchObject({ created: 3, updated: 1, skipped: 0, failed: 6 });

    const rows = await table(
      'stations',
      `code, name, slug, elevation_m::text AS elevation, status, opened_on::text AS opened, heated, staff, email,
       homepage, uid::text AS uid, region, label, serial, ST_AsText(geom) AS geom`,
    );
    expect(rows).toEqual([
      {
        code: 'AB1',
        name: 'Alpha Peak',
        slug: 'alpha-peak',
        elevation: '1300',
        status: 'inactive',
        opened: '2020-02-01',
        heated: true,
        staff: 4,
        email: 'a@example.org',
        homepage: 'https://a.example',
        uid: null,
        region: 'N',
        label: 'AB1-N',
        serial: 's3',
        geom: 'POINT(10.6 53.6)',
      },
      {
        code: 'AB2',
        name: 'Beta',
        slug: 'beta',
        elevation: null,
        status: 'active',
        opened: '2021-06-15',
        heated: false,
        staff: 0,
        email: 'b@example.org',
        homepage: 'https://b.example',
        uid: null,
        region: 'S',
        label: 'AB2-S',
        serial: 's2',
        geom: 'POINT(11 54)',
      },
      {
        code: 'AB9',
        name: 'Golf',
        slug: 'golf',
        elevation: '7',
        status: 'active',
        opened: '2022-03-02',
        heated: true,
        staff: 2,
        email: 'g@example.org',
        homepage: 'https://g.example',
        uid: null,
        region: 'S',
        label: 'AB9-S',
        serial: 's10',
        geom: 'POINT(12 55)',
      },
    ]);
  });

  it('reports each failed row with its original number and a field-level reason', async () => {
    const failed = await failedRows(stationsRun.id);
    expect(failed.map((f) => f.row)).toEqual([4, 5, 6, 7, 8, 9]);
    const byRow = new Map(failed.map((f) => [f.row, f.errors]));
    const fields = (row: number) => Object.keys(byRow.get(row)?.validation ?? {}).sort();
    expect(byRow.get(4)).toMatchObject({ message: 'Validation failed.', validation: { code: [expect.any(String)] } });
    expect(fields(5)).toEqual(['elevation_m', 'email', 'homepage', 'uid']);
    expect(fields(6)).toEqual(['heated', 'opened_on', 'staff']);
    // The database-backed rules: an unknown region (exists) and a serial seen in row 1 (unique_in_file).
    expect(fields(7)).toEqual(['region', 'serial']);
    // The CHECK constraint fails only its row, with a message that names the constraint, not SQL.
    expect(byRow.get(8)?.message).toContain('stations_not_reserved');
    expect(JSON.stringify(byRow.get(8))).not.toMatch(/INSERT|SELECT|of relation/);
    expect(byRow.get(9)).toMatchObject({ message: 'Validation failed.' });
  });

  it('summarises errors by SQL aggregation', async () => {
    const res = await stack.api<{ data: Body }>('GET', `${BASE}/${stationsRun.id}/errors/summary`, { token });
    expect(res.status).toBe(200);
    expect(res.body.data.total_failed_rows).toBe(6);
    const validation = res.body.data.validation_summary as { message: string; count: number }[];
    expect(validation.every((v) => /^[a-z_]+: /.test(v.message))).toBe(true);
    expect(validation.reduce((n, v) => n + v.count, 0)).toBeGreaterThanOrEqual(10);
  });

  it('streams the failed rows as formula-safe CSV that the same importer accepts again', async () => {
    const res = await fetch(`${stack.baseUrl}${BASE}/${stationsRun.id}/failed-rows/download`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const csv = await res.text();
    const [header, ...lines] = csv.trim().split(/\r?\n/);
    expect(header).toBe(
      'Station Code,name,elevation,status,opened,heated,staff,email,homepage,uid,region,serial,lon,lat,_error_message,_row_number',
    );
    expect(lines).toHaveLength(6);
    expect(csv).toContain(`'=HYPERLINK`);
    expect(csv).not.toMatch(/(^|,)"?=HYPERLINK/m);

    const again = await finished((await upload('stations', 'failed-rows.csv', csv)).id);
    // The same six rows fail again (none was fixed); the two extra columns are ignored.
    expect(again.progress).toMatchObject({ total: 6, failed: 6 });
  });

  it('retries only the failed rows, keeping their row numbers, as a child run', async () => {
    // Fix what made row 7 fail: its region now exists (and its serial is unique among the retried rows).
    await stack.sql(`INSERT INTO ${SCHEMA}.regions VALUES ('Z')`);
    const res = await stack.api<{ data: Run }>('POST', `${BASE}/${stationsRun.id}/retry`, { token, body: {} });
    expect(res.status, res.text).toBe(202);
    expect(res.body.data).toMatchObject({ parent_id: stationsRun.id, status: 'queued' });
    const child = await finished(res.body.data.id);
    expect(child.progress).toEqual({ total: 6, processed: 6, successful: 1, failed: 5 });
    expect((await failedRows(child.id)).map((f) => f.row)).toEqual([4, 5, 6, 8, 9]);
    expect(await stack.sql(`SELECT code, region FROM ${SCHEMA}.stations WHERE code = 'AB6'`)).toEqual([
      { code: 'AB6', region: 'Z' },
    ]);
  });

  it('a dry run fails exactly the rows the real run fails, and leaves the target unchanged', async () => {
    const before = await table('stations', 'code, name');
    const dry = await finished((await upload('stations', 'stations.csv', STATIONS_CSV.replace(/ab/g, 'dr'), true)).id);
    expect(dry.dry_run).toBe(true);
    expect(await table('stations', 'code, name')).toEqual(before);
    const real = await finished((await upload('stations', 'stations.csv', STATIONS_CSV.replace(/ab/g, 'dr'))).id);
    expect(await failedRows(dry.id)).toEqual(await failedRows(real.id));
    expect(dry.progress).toEqual(real.progress);
    expect({ ...dry.summary, duration_ms: 0 }).toEqual({ ...real.summary, duration_ms: 0 });
  });

  describe('duplicate strategies', () => {
    const FILE = 'code,name\nk1,one\nk2,two\nk1,uno\nk3,three\n';
    const seed = async (name: string, extra = '') =>
      stack.sql(`INSERT INTO ${SCHEMA}.strategy_${name} VALUES ('k2', 'old two'${extra}), ('k9', 'kept'${extra})`);

    it('insert: a key already stored, or repeated in the file, fails its row', async () => {
      await seed('insert');
      const run = await finished((await upload('strategy-insert', 'f.csv', FILE)).id);
      expect(await table('strategy_insert')).toEqual([
        { code: 'k1', name: 'one' },
        { code: 'k2', name: 'old two' },
        { code: 'k3', name: 'three' },
        { code: 'k9', name: 'kept' },
      ]);
      expect(run.summary).toMatchObject({ created: 2, updated: 0, skipped: 0, failed: 2 });
      expect((await failedRows(run.id)).map((f) => f.row)).toEqual([2, 3]);
    });

    it('skip: stored and repeated keys are kept as they are and counted skipped', async () => {
      await seed('skip');
      const run = await finished((await upload('strategy-skip', 'f.csv', FILE)).id);
      expect(await table('strategy_skip')).toEqual([
        { code: 'k1', name: 'one' },
        { code: 'k2', name: 'old two' },
        { code: 'k3', name: 'three' },
        { code: 'k9', name: 'kept' },
      ]);
      expect(run.summary).toMatchObject({ created: 2, updated: 0, skipped: 2, failed: 0 });
      expect(run.status).toBe('completed');
    });

    it('update: stored keys are updated, unknown keys fail', async () => {
      await seed('update');
      const run = await finished((await upload('strategy-update', 'f.csv', FILE)).id);
      expect(await table('strategy_update')).toEqual([
        { code: 'k2', name: 'two' },
        { code: 'k9', name: 'kept' },
      ]);
      expect(run.summary).toMatchObject({ created: 0, updated: 1, failed: 3 });
      const failed = await failedRows(run.id);
      expect(failed.map((f) => f.row)).toEqual([1, 3, 4]);
      expect(failed[0]?.errors?.message).toBe("No existing record for key 'code'.");
    });

    it('fail: a stored key, or the second occurrence in the file, fails its row', async () => {
      await seed('fail');
      const run = await finished((await upload('strategy-fail', 'f.csv', FILE)).id);
      expect(await table('strategy_fail')).toEqual([
        { code: 'k1', name: 'one' },
        { code: 'k2', name: 'old two' },
        { code: 'k3', name: 'three' },
        { code: 'k9', name: 'kept' },
      ]);
      const failed = await failedRows(run.id);
      expect(failed.map((f) => f.row)).toEqual([2, 3]);
      expect(failed[0]?.errors?.message).toBe("Duplicate entry found for key 'code'.");
    });

    it('update_if_newer: only rows newer than the stored record update it', async () => {
      await seed('newer', ", '2024-01-01T00:00:00Z'");
      const file =
        'code,name,updated_at\nk2,older,2023-01-01T00:00:00Z\nk9,newer,2025-01-01T00:00:00Z\nk5,new,2025-01-01T00:00:00Z\n';
      const run = await finished((await upload('strategy-newer', 'f.csv', file)).id);
      expect(await table('strategy_newer')).toEqual([
        { code: 'k2', name: 'old two' },
        { code: 'k5', name: 'new' },
        { code: 'k9', name: 'newer' },
      ]);
      expect(run.summary).toMatchObject({ created: 1, updated: 1, skipped: 1, failed: 0 });
    });
  });

  it('transaction: run leaves the target untouched when the error threshold ends the run', async () => {
    const run = await finished((await upload('atomic', 'f.csv', 'code,name\na,1\nb,2\n,3\nc,4\n,5\nd,6\n')).id);
    expect(run.status).toBe('failed');
    expect(await table('atomic')).toEqual([]);
  });

  it('reads a GeoPackage layer with its geometry', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'strata-gpkg-'));
    const geojson = join(dir, 'places.geojson');
    await writeFile(
      geojson,
      JSON.stringify({
        type: 'FeatureCollection',
        features: [
          {
            type: 'Feature',
            properties: { code: 'p1', name: 'Pier' },
            geometry: { type: 'Point', coordinates: [9.9, 53.5] },
          },
          {
            type: 'Feature',
            properties: { code: 'p2', name: 'Park' },
            geometry: { type: 'Point', coordinates: [10, 53.6] },
          },
        ],
      }),
    );
    const gpkg = join(dir, 'places.gpkg');
    const { execFile } = await import('node:child_process');
    await new Promise<void>((resolve, reject) =>
      execFile('ogr2ogr', ['-f', 'GPKG', gpkg, geojson, '-nln', 'places'], (e) => (e ? reject(e) : resolve())),
    );
    const { readFile } = await import('node:fs/promises');
    const run = await finished((await upload('places', 'places.gpkg', await readFile(gpkg))).id);
    expect(run.status).toBe('completed');
    expect(await table('places', 'code, name, ST_AsText(geom) AS geom')).toEqual([
      { code: 'p1', name: 'Pier', geom: 'POINT(9.9 53.5)' },
      { code: 'p2', name: 'Park', geom: 'POINT(10 53.6)' },
    ]);
  });

  it('reads JSON records under a pointer', async () => {
    const json = JSON.stringify({
      meta: { n: 2 },
      data: {
        items: [
          { code: 'j1', name: 'Jay' },
          { code: 'j2', name: 'Kay' },
        ],
      },
    });
    const run = await finished((await upload('nested', 'items.json', json)).id);
    expect(run.status).toBe('completed');
    expect(await table('nested')).toEqual([
      { code: 'j1', name: 'Jay' },
      { code: 'j2', name: 'Kay' },
    ]);
  });

  it('reads an XLSX sheet by name, with dates and formulas', async () => {
    const { default: ExcelJS } = await import('exceljs');
    const workbook = new ExcelJS.Workbook();
    workbook.addWorksheet('Notes').addRow(['ignored']);
    const sheet = workbook.addWorksheet('Stations');
    sheet.addRow(['code', 'name', 'opened']);
    sheet.addRow(['x1', 'Xanten', new Date(Date.UTC(2020, 4, 17))]);
    sheet.addRow(['x2', { formula: 'UPPER("yburg")', result: 'YBURG' }, new Date(Date.UTC(2021, 0, 2))]);
    sheet.addRow([null, 'no code', null]);
    const data = Buffer.from(await workbook.xlsx.writeBuffer());
    const run = await finished((await upload('multi', 'stations.xlsx', data)).id);
    expect(run.progress).toEqual({ total: 3, processed: 3, successful: 2, failed: 1 });
    expect(await table('multi', 'code, name, opened_on::text AS opened')).toEqual([
      { code: 'x1', name: 'Xanten', opened: '2020-05-17' },
      { code: 'x2', name: 'YBURG', opened: '2021-01-02' },
    ]);
    expect((await failedRows(run.id)).map((f) => f.row)).toEqual([3]);
  });

  it('reads NDJSON; a line that is not JSON fails alone, with its line named', async () => {
    const ndjson =
      '{"code":"n1","name":"Nord"}\n\n{"code":"n2","name":"Neu", "opened":"2022-02-02"}\n{not json\n{"code":"n3"}\n';
    const run = await finished((await upload('multi', 'rows.ndjson', ndjson)).id);
    expect(run.progress).toEqual({ total: 4, processed: 4, successful: 3, failed: 1 });
    const failed = await failedRows(run.id);
    expect(failed.map((f) => f.row)).toEqual([3]);
    expect(failed[0]?.errors?.message).toMatch(/not valid JSON/);
    expect(await table('multi', 'code, name')).toEqual(
      expect.arrayContaining([
        { code: 'n1', name: 'Nord' },
        { code: 'n2', name: 'Neu' },
        { code: 'n3', name: null },
      ]),
    );
  });

  it('reads a latin1 CSV with a semicolon delimiter (detected) and the header on line 2', async () => {
    const text = 'Stationsliste 2024\ncode;name\nl1;Lübeck\nl2;"Gießen; Süd"\n';
    const run = await finished((await upload('latin', 'latin.csv', Buffer.from(text, 'latin1'))).id);
    expect(run.status).toBe('completed');
    expect(await table('latin')).toEqual([
      { code: 'l1', name: 'Lübeck' },
      { code: 'l2', name: 'Gießen; Süd' },
    ]);
  });

  it('cancels a run between chunks: it ends cancelled, with whole chunks written and counted', async () => {
    // Enough rows that the run, its chunks copied into the target, is still going when the cancel comes.
    const lines = ['code,name'];
    for (let i = 0; i < 1_000_000; i += 1) lines.push(`c${i},n${i}`);
    const run = await upload('bulk', 'bulk.csv', lines.join('\n'));
    // Wait until the first chunks are in, then cancel.
    const deadline = Date.now() + 60_000;
    while ((await show(run.id)).progress.processed === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    const cancel = await stack.api('POST', `${BASE}/${run.id}/cancel`, { token });
    expect(cancel.status).toBe(200);
    const ended = await finished(run.id);
    expect(ended.status).toBe('cancelled');
    const [{ n }] = (await stack.sql<{ n: string }>(`SELECT count(*) AS n FROM ${SCHEMA}.bulk`)) as [{ n: string }];
    expect(Number(n)).toBeLessThan(1_000_000);
    expect(Number(n) % 500).toBe(0);
    expect(ended.progress.processed).toBe(Number(n));
    expect((await stack.api('POST', `${BASE}/${run.id}/cancel`, { token })).status).toBe(409);
  });
});
