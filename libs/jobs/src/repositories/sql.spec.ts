import { describe, expect, it } from 'vitest';
import { NOW, PositionalParams, SqlFragment, jsonb, sql } from './sql.js';

describe('PositionalParams', () => {
  it('numbers named parameters in the order they appear', () => {
    const params = new PositionalParams();
    const text = params.render(sql('a = :first AND b = :second AND c = :third', { third: 3, first: 1, second: 2 }));
    expect(text).toBe('a = $1 AND b = $2 AND c = $3');
    expect(params.values).toEqual([1, 2, 3]);
  });

  it('continues the numbering across plain values and several fragments', () => {
    const params = new PositionalParams();
    const parts = [
      `id = ${params.value('job-1')}`,
      params.render(sql('owner = :owner', { owner: 'alice' })),
      params.render(sql('attempt_token = :token OR :token IS NULL', { token: 't' })),
    ];
    expect(parts).toEqual(['id = $1', 'owner = $2', 'attempt_token = $3 OR $4 IS NULL']);
    expect(params.values).toEqual(['job-1', 'alice', 't', 't']);
  });

  it('gives the same name used twice two placeholders with the same value', () => {
    const params = new PositionalParams();
    expect(params.render(sql(':x + :x', { x: 5 }))).toBe('$1 + $2');
    expect(params.values).toEqual([5, 5]);
  });

  it('leaves ::casts alone, after a parameter, a column or a parenthesis', () => {
    const params = new PositionalParams();
    const text = params.render(
      sql(
        `:commit::jsonb, kind = ANY(:kinds::varchar[]), source->>'key'::text, (now() + :ttl * interval '1 ms')::text`,
        {
          commit: '{}',
          kinds: ['a'],
          ttl: 10,
        },
      ),
    );
    expect(text).toBe(
      `$1::jsonb, kind = ANY($2::varchar[]), source->>'key'::text, (now() + $3 * interval '1 ms')::text`,
    );
    expect(params.values).toEqual(['{}', ['a'], 10]);
  });

  it('leaves text without parameters untouched', () => {
    const params = new PositionalParams();
    const text = `jsonb_set(source, '{upload,completing}', 'null'::jsonb) WHERE a = 'x:y' AND t = '12:30'`;
    expect(params.render(sql(text))).toBe(text);
    expect(params.values).toEqual([]);
  });

  it('throws on a parameter without a value, naming it', () => {
    const params = new PositionalParams();
    expect(() => params.render(sql('owner = :owner AND id = :id', { owner: 'alice' }))).toThrow(
      'SQL parameter :id has no value',
    );
    // Inherited properties are not values.
    expect(() => new PositionalParams().render(sql(':toString', {}))).toThrow('SQL parameter :toString has no value');
  });

  it('passes null and undefined values on as parameters (they are given, just empty)', () => {
    const params = new PositionalParams();
    expect(params.render(sql('coalesce(:layer::varchar, layer_name)', { layer: null }))).toBe(
      'coalesce($1::varchar, layer_name)',
    );
    expect(params.values).toEqual([null]);
  });

  it('assign renders fragments and turns anything else into a parameter', () => {
    const params = new PositionalParams();
    expect(params.assign(NOW)).toBe('now()');
    expect(params.assign(sql('attempts + :n', { n: 1 }))).toBe('attempts + $1');
    expect(params.assign('queued')).toBe('$2');
    expect(params.assign(null)).toBe('$3');
    expect(params.values).toEqual([1, 'queued', null]);
  });
});

describe('jsonb', () => {
  it('sends a document as one JSON text parameter cast to jsonb', () => {
    const fragment = jsonb({ code: 'x', message: "it's :broken" });
    expect(fragment).toBeInstanceOf(SqlFragment);
    const params = new PositionalParams();
    params.value('first');
    expect(params.render(fragment)).toBe('$2::jsonb');
    expect(params.values).toEqual(['first', JSON.stringify({ code: 'x', message: "it's :broken" })]);
  });
});
