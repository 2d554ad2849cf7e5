import { isSafeIdentifier } from '@app/contracts';
import { describe, expect, it } from 'vitest';
import { datasetTableName, tableSlug } from './table-names.js';

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
