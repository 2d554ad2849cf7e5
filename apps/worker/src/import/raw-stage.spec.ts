import { describe, expect, it } from 'vitest';
import type { ImporterDefinition } from '@app/importers';
import { testDefinition, type FieldSpec } from '../../../../test/support/import-test-doubles.js';
import { rawStageOf } from './raw-stage.js';

const HEADERS = ['id', 'name', 'extra'];
const plain = (delimiter = ',') => ({ path: '/x.csv', delimiter, headerRow: 1, headers: HEADERS });
const binding = { columns: { id: 'id', name: 'name' }, unused: ['extra'] };

function stage(fields: FieldSpec[], overrides: Partial<Omit<ImporterDefinition, 'fields'>> = {}, delimiter = ',') {
  const definition = testDefinition({ ...overrides, fields });
  const types = Object.fromEntries(definition.fields.map((f) => [f.column, f.type]));
  return rawStageOf(definition, types, binding, plain(delimiter));
}

describe('rawStageOf: which importers the plain-CSV path takes', () => {
  it('takes built-in types and rules SQL mirrors, with one raw column per header', () => {
    const raw = stage([
      { column: 'id', type: 'bigint', rules: [{ name: 'min', arg: 1 }] },
      {
        column: 'name',
        rules: [
          { name: 'required', arg: null },
          { name: 'email', arg: null },
        ],
      },
    ]);
    expect(raw?.copy).toBe(`COPY pg_temp.import_raw (c1, c2, c3) FROM STDIN (FORMAT csv, DELIMITER ',')`);
    expect(raw?.classify).toContain('INSERT INTO pg_temp.import_stage (__row, "id", "name")');
  });

  it.each<[string, FieldSpec[], Partial<Omit<ImporterDefinition, 'fields'>>]>([
    ['a transform', [{ column: 'name', transforms: [{ name: 'trim', arg: null }] }], {}],
    ['a regex rule', [{ column: 'name', rules: [{ name: 'regex', arg: '^a' }] }], {}],
    ['a url rule', [{ column: 'name', rules: [{ name: 'url', arg: null }] }], {}],
    ['a uuid field', [{ column: 'id', type: 'uuid' }], {}],
    ['a timestamptz field', [{ column: 'id', type: 'timestamptz' }], {}],
    ['a json field', [{ column: 'id', type: 'json' }], {}],
    ['email on a number', [{ column: 'id', type: 'integer', rules: [{ name: 'email', arg: null }] }], {}],
    ['min on a boolean', [{ column: 'id', type: 'boolean', rules: [{ name: 'min', arg: 0 }] }], {}],
    ['a required field with no header', [{ column: 'missing', rules: [{ name: 'required', arg: null }] }], {}],
    ['keep_successful', [{ column: 'name' }], { rows: { keep_successful: true } }],
    ['geometry', [{ column: 'name' }], { geometry: { column: 'geom', srid: 4326, from: { kind: 'source' } } }],
  ])('leaves an importer with %s to JavaScript', (_, fields, overrides) => {
    expect(stage(fields, overrides)).toBeNull();
  });

  it('a file wider than 1,000 columns is left to JavaScript (PostgreSQL takes 1,600 a table)', () => {
    const wide = Array.from({ length: 1001 }, (_, i) => (i === 0 ? 'id' : `c${i}`));
    const definition = testDefinition({ fields: [{ column: 'id' }] });
    const types = { id: 'text' as const };
    const at = (headers: string[]) =>
      rawStageOf(definition, types, { columns: { id: 'id' }, unused: [] }, { ...plain(), headers });
    expect(at(wide)).toBeNull();
    expect(at(wide.slice(0, 1000))).not.toBeNull();
  });

  it('an optional field with no header is null; a backslash delimiter is left to JavaScript', () => {
    expect(stage([{ column: 'missing' }, { column: 'id', type: 'integer' }])?.classify).toContain(
      'SELECT __row, NULL, CASE WHEN c1 IS NULL',
    );
    expect(stage([{ column: 'name' }], {}, '\\')).toBeNull();
  });
});

describe('rawStageOf: the direct merge of clean chunks', () => {
  const keyedStage = (strategy: ImporterDefinition['duplicates']['strategy'], key = ['id'], fields?: FieldSpec[]) =>
    stage(fields ?? [{ column: 'id', type: 'bigint' }, { column: 'name' }], {
      target: { schema: 'public', table: 'x', create: false, key },
      duplicates: { strategy, compare: strategy === 'update_if_newer' ? 'name' : null },
    });
  const keyed = (...args: Parameters<typeof keyedStage>) => keyedStage(...args)?.direct ?? null;

  it('upsert: ON CONFLICT on the key sets the other fields, with plain inserts to try first', () => {
    const direct = keyed('upsert');
    expect(direct?.statement).toContain('ON CONFLICT ("id") DO UPDATE SET "name" = excluded."name"');
    expect(direct?.statement).toContain('RETURNING (xmax = 0) AS created');
    expect(direct?.fresh).toContain('INSERT INTO "public"."x" ("id", "name") SELECT');
    expect(direct?.fresh).not.toContain('ON CONFLICT');
    // Clean: every row vouched for and the key's text never repeated.
    expect(direct?.probe).toContain('count(*) = count(DISTINCT (c1 COLLATE "C"))');
    expect(direct?.arbiter).toContain('i.indimmediate');
  });

  it('a key of the fields only sets the key again (the row counts as updated)', () => {
    expect(keyed('upsert', ['id'], [{ column: 'id', type: 'bigint' }])?.statement).toContain(
      'DO UPDATE SET "id" = excluded."id"',
    );
  });

  it('skip: ON CONFLICT DO NOTHING in file order; insert: plain inserts, no arbiter needed', () => {
    expect(keyed('skip')?.statement).toContain('ORDER BY __row ON CONFLICT ("id") DO NOTHING');
    const insert = keyed('insert', []);
    expect(insert?.statement).not.toContain('ON CONFLICT');
    expect(insert?.arbiter).toBeNull();
    expect(insert?.fresh).toBeNull();
    expect(insert?.probe).not.toContain('DISTINCT');
  });

  it.each<[string, ImporterDefinition['duplicates']['strategy'], string[], FieldSpec[] | undefined]>([
    ['update', 'update', ['id'], undefined],
    ['update_if_newer', 'update_if_newer', ['id'], undefined],
    ['fail', 'fail', ['id'], undefined],
    ['upsert on a key with no header', 'upsert', ['missing'], [{ column: 'missing' }, { column: 'id' }]],
    ['an exists rule', 'upsert', ['id'], [{ column: 'id', rules: [{ name: 'exists', arg: 'public.y,id' }] }]],
    ['a unique_in_file rule', 'insert', [], [{ column: 'id', rules: [{ name: 'unique_in_file', arg: null }] }]],
  ])('%s: the plain path without the direct merge (every chunk is staged)', (_, strategy, key, fields) => {
    const raw = keyedStage(strategy, key, fields);
    expect(raw).not.toBeNull();
    expect(raw?.direct).toBeNull();
  });
});
