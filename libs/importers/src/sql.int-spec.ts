import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { Pool } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '@app/config';
import { compileImporter } from './compile.js';
import { parseImporterFile } from './load.js';
import { loadImporterCatalog } from './importer-catalog.js';
import type { AcceptedRow } from './processing.js';
import { createTableSql, quoteIdent, targetTableSql } from './sql.js';

// The DDL and the processed values against real PostgreSQL + PostGIS: the table is created as declared and
// every value type the row compiler produces is accepted by its typed column.
const SCHEMA = `importers_int_${process.pid}`;

describe('createTableSql and processed values in PostGIS', () => {
  let pool: Pool;

  beforeAll(async () => {
    pool = new Pool({ connectionString: parseConfig(process.env).database.url, max: 2 });
    await pool.query(`CREATE SCHEMA ${quoteIdent(SCHEMA)}`);
  });

  afterAll(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdent(SCHEMA)} CASCADE`);
    await pool.end();
  });

  /** Inserts accepted rows the way a pipeline would: values as text, json as JSON, geometry from EWKT. */
  async function insert(table: string, rows: AcceptedRow[], geometryColumn: string | null): Promise<void> {
    for (const row of rows) {
      const columns = Object.keys(row.values);
      const params = columns.map((c) => {
        const v = row.values[c];
        return v !== null && typeof v === 'object' ? JSON.stringify(v) : v;
      });
      const names = columns.map(quoteIdent);
      const placeholders = columns.map((_, i) => `$${i + 1}`);
      if (geometryColumn && row.geometry && 'ewkt' in row.geometry) {
        names.push(quoteIdent(geometryColumn));
        params.push(row.geometry.ewkt);
        placeholders.push(`ST_GeomFromEWKT($${params.length})`);
      }
      await pool.query(`INSERT INTO ${table} (${names.join(', ')}) VALUES (${placeholders.join(', ')})`, params);
    }
  }

  it('creates the stations table of the example and loads its sample rows', async () => {
    const shipped = loadImporterCatalog('importers').get('stations')!;
    const definition = { ...shipped, target: { ...shipped.target, schema: SCHEMA } };
    for (const statement of createTableSql(definition)) await pool.query(statement);
    // Idempotent: a second run changes nothing.
    for (const statement of createTableSql(definition)) await pool.query(statement);

    const compiled = compileImporter(definition);
    const [headers, ...records] = parse(readFileSync('importers/samples/stations.csv'), { bom: true }) as string[][];
    const binding = compiled.bind(headers!);
    const rows = records.map((cells, i) =>
      compiled.process(
        { row_number: i + 1, data: Object.fromEntries(headers!.map((h, j) => [h, cells[j]])), geometry: null },
        binding,
      ),
    );
    await insert(
      targetTableSql(definition),
      rows.filter((r): r is AcceptedRow => r.ok),
      'geom',
    );

    const { rows: stored } = await pool.query<{
      code: string;
      elevation_m: string;
      opened_on: string;
      srid: number;
      x: number;
    }>(
      `SELECT code, elevation_m::text, opened_on::text, ST_SRID(geom) AS srid, ST_X(geom) AS x
         FROM ${targetTableSql(definition)} ORDER BY code`,
    );
    expect(stored).toHaveLength(18);
    expect(stored.find((r) => r.code === 'MUC-01')).toEqual({
      code: 'MUC-01',
      elevation_m: '515.2',
      opened_on: '1879-01-01',
      srid: 4326,
      x: 11.5461,
    });
    const { rows: columns } = await pool.query<{ column_name: string; data_type: string; is_nullable: string }>(
      `SELECT column_name, data_type, is_nullable FROM information_schema.columns
        WHERE table_schema = $1 AND table_name = 'stations' ORDER BY ordinal_position`,
      [SCHEMA],
    );
    expect(columns.map((c) => [c.column_name, c.data_type, c.is_nullable])).toEqual([
      ['code', 'text', 'NO'],
      ['name', 'text', 'YES'],
      ['elevation_m', 'numeric', 'YES'],
      ['status', 'text', 'YES'],
      ['opened_on', 'date', 'YES'],
      ['contact_email', 'text', 'YES'],
      ['geom', 'USER-DEFINED', 'YES'],
    ]);
    const { rows: geometry } = await pool.query<{ type: string; srid: number }>(
      `SELECT type, srid FROM geometry_columns WHERE f_table_schema = $1 AND f_table_name = 'stations'`,
      [SCHEMA],
    );
    expect(geometry).toEqual([{ type: 'POINT', srid: 4326 }]);
    // The unique index on target.key.
    await expect(
      pool.query(`INSERT INTO ${targetTableSql(definition)} (code) VALUES ('MUC-01')`),
    ).rejects.toMatchObject({ code: '23505' });
  });

  it('every field type accepts what the row compiler produces', async () => {
    const file = {
      source: { type: 'upload', formats: ['csv'] },
      target: { table: `${SCHEMA}.typed`, create: true, key: ['id'] },
      fields: {
        id: { type: 'uuid' },
        i: { type: 'integer' },
        b: { type: 'bigint' },
        n: { type: 'numeric' },
        d: { type: 'double' },
        ok: { type: 'boolean' },
        day: { type: 'date', transforms: [{ date: { format: 'dd.MM.yyyy' } }] },
        at: { type: 'timestamptz' },
        meta: { type: 'json' },
        label: null,
      },
      geometry: { column: 'shape', srid: 3857, from: { wkt: 'wkt' } },
      duplicates: { strategy: 'upsert' },
    };
    const { definition, problems } = parseImporterFile('importers/typed.yaml', JSON.stringify(file));
    expect(problems).toEqual([]);
    for (const statement of createTableSql(definition!)) await pool.query(statement);
    const compiled = compileImporter(definition!);
    const data = {
      id: '0B6F0A53-3F3C-4A0E-9C43-3B7A6C1F4F7E',
      i: '-42',
      b: '9007199254740993',
      n: '0.1000000000000000000001',
      d: '1e3',
      ok: 'ja',
      day: '29.02.2024',
      at: '2024-01-02 03:04:05+02:00',
      meta: '{"tags":["a","b"]}',
      label: 'x',
      wkt: 'POLYGON((0 0, 1 0, 1 1, 0 0))',
    };
    const row = compiled.process({ row_number: 1, data, geometry: null }, compiled.bind(Object.keys(data)));
    if (!row.ok) throw new Error(JSON.stringify(row.errors));
    await insert(targetTableSql(definition!), [row], 'shape');
    const { rows } = await pool.query(
      `SELECT id::text, i, b::text, n::text, d, ok, day::text, extract(epoch from at)::int AS at, meta, label,
              ST_AsEWKT(shape) AS shape FROM ${targetTableSql(definition!)}`,
    );
    expect(rows).toEqual([
      {
        id: '0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e',
        i: -42,
        b: '9007199254740993',
        n: '0.1000000000000000000001',
        d: 1000,
        ok: true,
        day: '2024-02-29',
        at: Date.UTC(2024, 0, 2, 1, 4, 5) / 1000,
        meta: { tags: ['a', 'b'] },
        label: 'x',
        shape: 'SRID=3857;POLYGON((0 0,1 0,1 1,0 0))',
      },
    ]);
  });
});
