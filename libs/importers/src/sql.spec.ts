import { describe, expect, it } from 'vitest';
import { parseImporterFile } from './load.js';
import { SQL_TYPES, createTableSql, geometrySqlType } from './sql.js';
import type { ImporterDefinition } from './definition.js';

function definition(extra: Record<string, unknown>): ImporterDefinition {
  const file = {
    source: { type: 'upload', formats: ['csv'] },
    target: { table: 'ref.stations', create: true, key: ['code', 'network'] },
    fields: {
      code: null,
      network: { type: 'integer' },
      elevation: { type: 'double' },
      meta: { type: 'json' },
      order: null,
    },
    duplicates: { strategy: 'upsert' },
    ...extra,
  };
  const result = parseImporterFile('importers/t.yaml', JSON.stringify(file));
  if (!result.definition) throw new Error(result.problems.join('\n'));
  return result.definition;
}

describe('createTableSql', () => {
  it('creates the fields with their types, the geometry with its srid and a unique index on the key', () => {
    expect(createTableSql(definition({ geometry: { from: { x: 'lon', y: 'lat' }, srid: 25832 } }))).toEqual([
      'CREATE TABLE IF NOT EXISTS "ref"."stations" (\n' +
        '  "code" text NOT NULL,\n' +
        '  "network" integer NOT NULL,\n' +
        '  "elevation" double precision,\n' +
        '  "meta" jsonb,\n' +
        '  "order" text,\n' +
        '  "geom" geometry(Point, 25832)\n' +
        ')',
      'CREATE UNIQUE INDEX IF NOT EXISTS "stations_code_network_key" ON "ref"."stations" ("code", "network")',
    ]);
  });

  it('without a key there is no index; wkt geometry is any geometry type', () => {
    const d = definition({
      target: { table: 'plain', create: true },
      duplicates: { strategy: 'insert' },
      geometry: { column: 'shape', from: { wkt: 'wkt' } },
    });
    const sql = createTableSql(d);
    expect(sql).toHaveLength(1);
    expect(sql[0]).toContain('"public"."plain"');
    expect(sql[0]).toContain('"shape" geometry(Geometry, 4326)');
    expect(geometrySqlType(definition({}))).toBeNull();
  });

  it('maps every field type', () => {
    expect(SQL_TYPES).toEqual({
      text: 'text',
      integer: 'integer',
      bigint: 'bigint',
      numeric: 'numeric',
      double: 'double precision',
      boolean: 'boolean',
      date: 'date',
      timestamptz: 'timestamptz',
      uuid: 'uuid',
      json: 'jsonb',
    });
  });
});
