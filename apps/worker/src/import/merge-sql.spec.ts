import { describe, expect, it } from 'vitest';
import { testDefinition } from '../../../../test/support/import-test-doubles.js';
import { deferredCheckSql, ident, mergePlanOf, mergeSql, occurrenceSql, qualified } from './merge-sql.js';

const definition = testDefinition({
  fields: [{ column: 'code' }, { column: 'we"ird', type: 'integer' }],
  target: { schema: 'public', table: 'stations', create: true, key: ['code'] },
  duplicates: { strategy: 'fail', compare: null },
  geometry: { column: 'geom', srid: 2056, from: { kind: 'xy', x: 'x', y: 'y' } },
});
const plan = mergePlanOf(definition, { code: 'text', 'we"ird': 'integer' });

describe('merge SQL', () => {
  it('quotes every identifier, so a column name can never become SQL', () => {
    expect(ident('we"ird')).toBe('"we""ird"');
    expect(qualified('public.stations')).toBe('"public"."stations"');
    expect(mergeSql(plan)).toContain('"we""ird"');
    expect(mergeSql(plan)).not.toMatch(/[^"]we"ird/);
  });

  it('names the key in the strategy message, as a literal', () => {
    expect(mergeSql(plan)).toContain(`'Duplicate entry found for key ''code''.'`);
  });

  it('numbers key occurrences only when the importer has a key', () => {
    expect(occurrenceSql(plan)).toContain('PARTITION BY "code"');
    expect(occurrenceSql({ ...plan, key: [] })).toBeNull();
  });

  it('looks an exists rule up in its (quoted) table', () => {
    expect(deferredCheckSql({ rule: 'exists', column: 'code', table: 'ref.codes', ref_column: 'id' })).toContain(
      'FROM "ref"."codes" t WHERE t."id" = s."code"',
    );
  });
});
