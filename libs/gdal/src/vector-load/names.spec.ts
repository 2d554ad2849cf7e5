import { describe, expect, it } from 'vitest';
import {
  asciiSlug,
  conninfoValue,
  datasetTableName,
  geometryTypeLabel,
  isSafeIdentifier,
  pgConnectionString,
  planColumns,
  tableSlug,
} from './names.js';

describe('datasetTableName', () => {
  const none = (): boolean => false;

  it('slugs titles to lowercase ascii words joined by _', async () => {
    expect(await datasetTableName('Parcels 2024 (final)', none)).toBe('parcels_2024_final');
    expect(await datasetTableName('Größe der Flächen – Zürich', none)).toBe('grosse_der_flachen_zurich');
    expect(await datasetTableName('  --Roads--  ', none)).toBe('roads');
    expect(await datasetTableName('Łódź Œuvre', none)).toBe('lodz_oeuvre');
  });

  it('starts with a letter or _ and is never empty', async () => {
    expect(await datasetTableName('2024 census', none)).toBe('_2024_census');
    expect(await datasetTableName('', none)).toBe('dataset');
    expect(await datasetTableName('東京', none)).toBe('dataset');
    expect(await datasetTableName('!!!', none)).toBe('dataset');
  });

  it('keeps names within 63 characters', async () => {
    const name = await datasetTableName('a'.repeat(200), none);
    expect(name).toBe('a'.repeat(63));
    // a cut must not leave a trailing separator
    const cut = await datasetTableName(`${'a'.repeat(62)} b`, none);
    expect(cut).toBe('a'.repeat(62));
  });

  it('adds _2 … suffixes to avoid taken names, trimming the base to fit', async () => {
    const taken = new Set(['roads', 'roads_2', 'roads_3']);
    expect(await datasetTableName('Roads', (n) => taken.has(n))).toBe('roads_4');

    const long = 'x'.repeat(70);
    const takenLong = new Set(['x'.repeat(63), `${'x'.repeat(61)}_2`]);
    const name = await datasetTableName(long, (n) => takenLong.has(n));
    expect(name).toBe(`${'x'.repeat(61)}_3`);
    expect(name.length).toBeLessThanOrEqual(63);

    const ten = new Set(['t', ...Array.from({ length: 9 }, (_, i) => `t_${i + 2}`)]);
    expect(await datasetTableName('T', async (n) => Promise.resolve(ten.has(n)))).toBe('t_11');
  });

  it('suffixed names are still safe identifiers, even for long bases ending in separators', async () => {
    const base = `${'ab_'.repeat(21)}cd`;
    const name = await datasetTableName(base, (n) => n === tableSlug(base));
    expect(isSafeIdentifier(name)).toBe(true);
    expect(name.endsWith('_2')).toBe(true);
    expect(name).not.toContain('__2');
  });

  it('fails after _9999', async () => {
    await expect(datasetTableName('busy', () => true)).rejects.toThrow(/No free table name/);
  });
});

describe('asciiSlug / isSafeIdentifier', () => {
  it('transliterates and collapses separators', () => {
    expect(asciiSlug('Crème brûlée #1')).toBe('creme_brulee_1');
    expect(asciiSlug('a--b  c')).toBe('a_b_c');
  });

  it('accepts only lowercase ascii identifiers of at most 63 characters', () => {
    expect(isSafeIdentifier('strata_data')).toBe(true);
    expect(isSafeIdentifier('_x1')).toBe(true);
    expect(isSafeIdentifier('1x')).toBe(false);
    expect(isSafeIdentifier('Roads')).toBe(false);
    expect(isSafeIdentifier('a;drop')).toBe(false);
    expect(isSafeIdentifier('a'.repeat(64))).toBe(false);
    expect(isSafeIdentifier('')).toBe(false);
  });
});

describe('planColumns', () => {
  it('keeps safe names (lowercased, as GDAL launders them) without a rename', () => {
    const { columns, renames } = planColumns(['name', 'Value', '_id', 'select']);
    expect(columns.map((c) => c.name)).toEqual(['name', 'value', '_id', 'select']);
    expect(renames).toEqual([]);
  });

  it('renames reserved and system column names to src_<name>', () => {
    const { columns, renames } = planColumns(['gid', 'GEOM', 'geometry', 'fid', 'ogc_fid', 'xmin', 'ctid']);
    expect(columns.map((c) => c.name)).toEqual([
      'src_gid',
      'src_geom',
      'src_geometry',
      'src_fid',
      'src_ogc_fid',
      'src_xmin',
      'src_ctid',
    ]);
    expect(renames).toContainEqual({ from: 'gid', to: 'src_gid' });
    expect(renames).toContainEqual({ from: 'GEOM', to: 'src_geom' });
  });

  it('launders unsafe characters and leading digits', () => {
    const { columns } = planColumns(['Area (m²)', '1st place', 'a-b', ':id', '']);
    expect(columns.map((c) => c.name)).toEqual(['area_m2', '_1st_place', 'a_b', 'id', 'column_5']);
  });

  it('de-duplicates names that collide after laundering, without stealing a name kept as is', () => {
    const { columns, renames } = planColumns(['Name', 'name', 'NAME', 'src_gid', 'gid', 'name_2']);
    expect(columns.map((c) => c.name)).toEqual(['name', 'name_3', 'name_4', 'src_gid', 'src_gid_2', 'name_2']);
    expect(renames.map((r) => r.from)).toEqual(['name', 'NAME', 'gid']);
  });

  it('cuts long names to 63 characters and keeps them unique', () => {
    const a = `${'a'.repeat(70)}1`;
    const b = `${'a'.repeat(70)}2`;
    const { columns } = planColumns([a, b]);
    expect(columns[0]?.name).toBe('a'.repeat(63));
    expect(columns[1]?.name).toBe(`${'a'.repeat(61)}_2`);
    for (const c of columns) expect(isSafeIdentifier(c.name)).toBe(true);
  });
});

describe('pgConnectionString', () => {
  it('quotes every value with libpq conninfo escaping', () => {
    expect(conninfoValue("pa'ss\\word")).toBe("'pa\\'ss\\\\word'");
    expect(conninfoValue(5432)).toBe("'5432'");
    const conn = pgConnectionString({
      host: '127.0.0.1',
      port: 5432,
      database: 'strata test',
      user: 'strata',
      password: "x' host='evil",
    });
    expect(conn).toBe(
      "PG:host='127.0.0.1' port='5432' dbname='strata test' user='strata' password='x\\' host=\\'evil' application_name='strata-vector-load'",
    );
  });
});

describe('geometryTypeLabel', () => {
  it('maps PostGIS names to the usual spelling', () => {
    expect(geometryTypeLabel('MULTIPOLYGON')).toBe('MultiPolygon');
    expect(geometryTypeLabel('POINT')).toBe('Point');
    expect(geometryTypeLabel('MULTILINESTRING')).toBe('MultiLineString');
    expect(geometryTypeLabel('GEOMETRYCOLLECTION')).toBe('GeometryCollection');
    expect(geometryTypeLabel('POINTM')).toBe('PointM');
    expect(geometryTypeLabel('POINT', true)).toBe('PointZ');
    expect(geometryTypeLabel('GEOMETRY')).toBe('Geometry');
  });
});
