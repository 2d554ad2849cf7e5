import { describe, expect, it } from 'vitest';
import { asciiSlug, isSafeIdentifier } from './identifiers.js';

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
