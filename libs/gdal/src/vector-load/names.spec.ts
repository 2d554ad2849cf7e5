import { isSafeIdentifier } from '@app/contracts';
import { describe, expect, it } from 'vitest';
import { conninfoValue, pgConnectionString, planColumns } from './names.js';

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
