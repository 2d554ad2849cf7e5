import { describe, expect, it } from 'vitest';
import { Capability } from './capability.js';
import { TokenCache, type VerifiedToken } from './token-cache.js';

const verified = (tokenId: string, expiresAt: number | null = null): VerifiedToken => ({
  principal: { tokenId, owner: 'alice', capabilities: [Capability.Upload] },
  expiresAt,
  lastUsedAt: null,
});

describe('TokenCache', () => {
  const make = (overrides: { ttlMs?: number; maxEntries?: number } = {}) => {
    let now = 1_000_000;
    const cache = new TokenCache({
      ttlMs: 15_000,
      maxEntries: 3,
      touchIntervalMs: 60_000,
      now: () => now,
      ...overrides,
    });
    return { cache, advance: (ms: number) => (now += ms), now: () => now };
  };

  it('keeps an entry for the TTL, not a millisecond longer', () => {
    const { cache, advance } = make();
    cache.set('h1', verified('t1'));
    advance(14_999);
    expect(cache.get('h1')?.principal.tokenId).toBe('t1');
    advance(1);
    expect(cache.get('h1')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("drops an entry at the token's own expiry, before the TTL", () => {
    const { cache, advance, now } = make();
    cache.set('h1', verified('t1', now() + 5_000));
    advance(4_999);
    expect(cache.get('h1')).toBeDefined();
    advance(1);
    expect(cache.get('h1')).toBeUndefined();
  });

  it('evicts the least recently used entry beyond maxEntries', () => {
    const { cache } = make();
    for (const n of [1, 2, 3]) cache.set(`h${n}`, verified(`t${n}`));
    cache.get('h1');
    cache.set('h4', verified('t4'));
    expect(cache.size).toBe(3);
    expect(cache.get('h2')).toBeUndefined();
    for (const n of [1, 3, 4]) expect(cache.get(`h${n}`)).toBeDefined();
  });

  it('invalidates by token id, and clears', () => {
    const { cache } = make();
    cache.set('h1', verified('t1'));
    cache.set('h2', verified('t2'));
    cache.invalidate('t1');
    cache.invalidate('unknown');
    expect(cache.get('h1')).toBeUndefined();
    expect(cache.get('h2')).toBeDefined();
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it('caches nothing with a TTL of 0', () => {
    const { cache } = make({ ttlMs: 0 });
    cache.set('h1', verified('t1'));
    expect(cache.get('h1')).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
