import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stack, uniqueOwner } from './support/stack.js';

/** Longer than the test: only the revocation channel can make a gateway drop a token it cached. */
const CACHE_TTL_MS = 300_000;

describe('token revocation across two gateway processes (shared Redis channel)', () => {
  let stack: Stack;
  let second: string;

  beforeAll(async () => {
    stack = await Stack.start({ workers: 0, env: { AUTH_TOKEN_CACHE_SECONDS: String(CACHE_TTL_MS / 1000) } });
    second = (await stack.startExtraGateway()).baseUrl;
  });

  afterAll(async () => {
    await stack.stop();
  });

  const statusAt = async (baseUrl: string, token: string): Promise<number> =>
    (await stack.apiAt(baseUrl, 'GET', '/api/datasets', { token })).status;

  /** Uses the token on both gateways until each has verified it (and so cached it). */
  const useOnBoth = async (token: string): Promise<void> => {
    for (const baseUrl of [stack.baseUrl, second]) {
      for (let i = 0; i < 3; i += 1) expect(await statusAt(baseUrl, token)).toBe(200);
    }
  };

  /** Polls until the token is refused; the ms it took. */
  const refusedWithin = async (baseUrl: string, token: string, limitMs: number): Promise<number> => {
    const started = Date.now();
    while (Date.now() - started < limitMs) {
      if ((await statusAt(baseUrl, token)) === 401) return Date.now() - started;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`${baseUrl} still accepted the token after ${limitMs} ms`);
  };

  it('refuses a token on every gateway within a moment of `token:revoke`, far inside the cache TTL', async () => {
    const owner = uniqueOwner('revoked-on-both');
    const token = await stack.mintToken(owner, ['upload']);
    await useOnBoth(token);
    const id = (await stack.cli('token:list', '--user', owner)).stdout.split('\t')[0] ?? '';

    expect((await stack.cli('token:revoke', id)).stdout).toContain(`Revoked ${id}`);
    const [first, other] = await Promise.all([
      refusedWithin(stack.baseUrl, token, 5000),
      refusedWithin(second, token, 5000),
    ]);
    expect(Math.max(first, other)).toBeLessThan(1000);
    // And it stays refused: no later request brings it back from a cache.
    for (const baseUrl of [stack.baseUrl, second]) expect(await statusAt(baseUrl, token)).toBe(401);
  });

  it('bounds an unannounced revocation (written straight to the database) by the cache TTL', async () => {
    const shortTtl = (await stack.startExtraGateway({ AUTH_TOKEN_CACHE_SECONDS: '10' })).baseUrl;
    const owner = uniqueOwner('revoked-silently');
    const token = await stack.mintToken(owner, ['upload']);
    await useOnBoth(token);
    for (let i = 0; i < 3; i += 1) expect(await statusAt(shortTtl, token)).toBe(200);
    await stack.sql('UPDATE api_tokens SET revoked_at = now() WHERE owner = $1', [owner]);
    // Nobody told the gateways: each answers from its cache (this is what the channel is for) until the
    // entry ends, which is the bound when Redis cannot deliver a revocation.
    expect(await statusAt(second, token)).toBe(200);
    expect(await statusAt(shortTtl, token)).toBe(200);
    await refusedWithin(shortTtl, token, 10_000 + 3000);
    expect(await statusAt(second, token)).toBe(200);
  });
});
