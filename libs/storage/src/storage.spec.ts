import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { InvalidStorageKeyError, assertSafeKey } from './storage.js';

describe('assertSafeKey', () => {
  it.each([
    'uploads/2026/x.gpkg',
    'x',
    'uploads/2026/11/3f2a9c1e-0b1d-4c8e-9a7b-5d6e7f8a9b0c/roads_v2.tar.gz',
    'cogs/layer-1/tile.0.tif',
    '.keep',
    'a/...b',
    'x'.repeat(1024),
  ])('accepts %j', (key) => {
    expect(() => assertSafeKey(key)).not.toThrow();
  });

  it.each([
    { why: 'empty', key: '' },
    { why: 'absolute', key: '/abs' },
    { why: 'absolute nested', key: '/etc/passwd' },
    { why: 'parent segment', key: 'a/../b' },
    { why: 'leading parent', key: '../b' },
    { why: 'only parent', key: '..' },
    { why: 'current dir', key: '.' },
    { why: 'current dir segment', key: 'a/./b' },
    { why: 'empty segment', key: 'a//b' },
    { why: 'trailing slash', key: 'uploads/' },
    { why: 'space', key: 'my file.gpkg' },
    { why: 'unicode', key: 'uploads/café.gpkg' },
    { why: 'backslash', key: 'a\\..\\b' },
    { why: 'NUL byte', key: 'a\u0000b' },
    { why: 'newline', key: 'a\nb' },
    { why: 'URL-ish', key: 's3://bucket/key' },
    { why: 'percent-encoding', key: 'a/%2e%2e/b' },
    { why: 'too long', key: 'x'.repeat(1025) },
  ])('rejects $why', ({ key }) => {
    expect(() => assertSafeKey(key)).toThrow(InvalidStorageKeyError);
  });

  it('does not echo the key in its error', () => {
    let caught: unknown;
    try {
      assertSafeKey('../../secret/plan.txt');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InvalidStorageKeyError);
    expect((caught as Error).message).toBe('Invalid storage key');
    expect((caught as Error).name).toBe('InvalidStorageKeyError');
  });
});
