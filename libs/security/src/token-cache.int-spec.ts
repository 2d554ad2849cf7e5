import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi, type MockInstance } from 'vitest';
import { parseConfig, type AppConfig } from '@app/config';
import { createDataSource } from '@app/jobs';
import { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { Capability } from './capability.js';
import type { TokenCacheSettings } from './token-cache.js';
import { TokenRevocations } from './token-revocations.js';
import { TokenService } from './token.service.js';

const LOOKUP = /FROM api_tokens WHERE token_hash = \$1/;
const TOUCH = /^UPDATE api_tokens SET last_used_at/;

describe('TokenService verification cache (PostgreSQL, Redis pub/sub)', () => {
  let dataSource: DataSource;
  let config: AppConfig;
  const owner = `it-token-cache-${randomUUID()}`;
  const opened: TokenRevocations[] = [];
  let now = Date.now();
  const clock = (): number => now;

  beforeAll(async () => {
    config = parseConfig({
      ...process.env,
      QUEUE_PREFIX: `${process.env.QUEUE_PREFIX ?? 'strata-test'}-${randomUUID()}`,
    });
    dataSource = createDataSource(config, 'strata-int-token-cache');
    await dataSource.initialize();
  });

  afterEach(() => {
    vi.restoreAllMocks();
    now = Date.now();
  });

  afterAll(async () => {
    await Promise.all(opened.map((r) => r.close()));
    await dataSource?.destroy();
  });

  /** A token service as one process has it, subscribed to the revocation channel before it returns. */
  const service = async (
    settings: Partial<TokenCacheSettings> = {},
    redisConfig: AppConfig = config,
  ): Promise<{ tokens: TokenService; revocations: TokenRevocations }> => {
    const revocations = new TokenRevocations(redisConfig);
    opened.push(revocations);
    const tokens = new TokenService(dataSource, revocations, { now: clock, ...settings });
    await tokens.authenticate(`stk_${'0'.repeat(43)}`); // opens the subscription
    if (redisConfig === config) await vi.waitFor(() => expect(revocations.listening).toBe(true), { timeout: 5000 });
    return { tokens, revocations };
  };

  const statements = (spy: MockInstance, pattern: RegExp): number =>
    spy.mock.calls.filter(([sql]) => typeof sql === 'string' && pattern.test(sql)).length;

  const spyOnQueries = (): MockInstance => vi.spyOn(dataSource, 'query');

  it('answers repeated checks of a token from memory, without a database statement', async () => {
    const { tokens } = await service();
    const { token, record } = await tokens.mint(owner, [Capability.Upload]);
    const first = await tokens.authenticate(token);
    expect(first).toEqual({ tokenId: record.id, owner, capabilities: [Capability.Upload] });

    const queries = spyOnQueries();
    for (let i = 0; i < 20; i += 1) expect(await tokens.authenticate(token)).toEqual(first);
    expect(statements(queries, LOOKUP)).toBe(0);
    expect(queries).not.toHaveBeenCalled();
  });

  it('looks a token up with one statement, shared by concurrent first checks', async () => {
    const { tokens } = await service();
    const { token } = await tokens.mint(owner, [Capability.Upload]);
    const queries = spyOnQueries();
    const principals = await Promise.all(Array.from({ length: 20 }, () => tokens.authenticate(token)));
    expect(principals.every((p) => p?.owner === owner)).toBe(true);
    expect(statements(queries, LOOKUP)).toBe(1);
  });

  it('drops a token revoked by another process at once, long before the TTL', async () => {
    const here = await service({ ttlMs: 3_600_000 });
    const there = await service({ ttlMs: 3_600_000 });
    const { token, record } = await here.tokens.mint(owner, [Capability.Upload]);
    expect(await here.tokens.authenticate(token)).not.toBeNull();
    expect(await there.tokens.authenticate(token)).not.toBeNull();

    expect(await there.tokens.revoke(record.id)).toBe(true);
    // `there` revoked it itself; `here` learns it from the channel (the clock does not move).
    expect(await there.tokens.authenticate(token)).toBeNull();
    await vi.waitFor(async () => expect(await here.tokens.authenticate(token)).toBeNull(), {
      timeout: 2000,
      interval: 20,
    });
  });

  it('re-reads the database after a revocation message for a cached token', async () => {
    const { tokens, revocations } = await service({ ttlMs: 3_600_000 });
    const { token, record } = await tokens.mint(owner, [Capability.Upload]);
    expect(await tokens.authenticate(token)).not.toBeNull();
    // Revoked behind the service's back: the cache alone would keep accepting it.
    await dataSource.query('UPDATE api_tokens SET revoked_at = now() WHERE id = $1', [record.id]);
    expect(await tokens.authenticate(token)).not.toBeNull();

    const publisher = new Redis(config.redis.url);
    try {
      await publisher.publish(revocations.channel, record.id);
    } finally {
      publisher.disconnect();
    }
    await vi.waitFor(async () => expect(await tokens.authenticate(token)).toBeNull(), { timeout: 2000, interval: 20 });
  });

  it('trusts a cached token for the TTL at most', async () => {
    const { tokens } = await service({ ttlMs: 15_000 });
    const { token, record } = await tokens.mint(owner, [Capability.Upload]);
    expect(await tokens.authenticate(token)).not.toBeNull();
    // A change no one announces (as when pub/sub is down) is seen once the entry ends.
    await dataSource.query('UPDATE api_tokens SET revoked_at = now() WHERE id = $1', [record.id]);
    now += 14_000;
    expect(await tokens.authenticate(token)).not.toBeNull();
    now += 1_000;
    expect(await tokens.authenticate(token)).toBeNull();
  });

  it('honours the expiry of a cached token', async () => {
    const { tokens } = await service({ ttlMs: 3_600_000 });
    const { token } = await tokens.mint(owner, [Capability.Upload], { expiresAt: new Date(now + 60_000) });
    expect(await tokens.authenticate(token)).not.toBeNull();
    const queries = spyOnQueries();
    now += 59_000;
    expect(await tokens.authenticate(token)).not.toBeNull();
    expect(statements(queries, LOOKUP)).toBe(0);
    now += 1_000;
    expect(await tokens.authenticate(token)).toBeNull();
  });

  it('holds at most maxEntries tokens, dropping the least recently used', async () => {
    const { tokens } = await service({ maxEntries: 3 });
    const minted = await Promise.all(Array.from({ length: 4 }, () => tokens.mint(owner, [Capability.Upload])));
    const [a, b, c, d] = minted.map((m) => m.token) as [string, string, string, string];
    for (const token of [a, b, c]) await tokens.authenticate(token);
    await tokens.authenticate(a); // now b is the least recently used
    await tokens.authenticate(d); // evicts b

    const queries = spyOnQueries();
    for (const token of [a, c, d]) expect(await tokens.authenticate(token)).not.toBeNull();
    expect(statements(queries, LOOKUP)).toBe(0);
    expect(await tokens.authenticate(b)).not.toBeNull();
    expect(statements(queries, LOOKUP)).toBe(1);
  });

  it('records use at most once a minute per token, without waiting for the write', async () => {
    const { tokens } = await service({ ttlMs: 3_600_000 });
    const { token, record } = await tokens.mint(owner, [Capability.Upload]);
    const original = dataSource.query.bind(dataSource);
    const queries = spyOnQueries();
    // The write never finishes: the checks must not wait for it.
    queries.mockImplementation((sql: string, params?: unknown[]) =>
      TOUCH.test(sql) ? new Promise(() => undefined) : original(sql, params),
    );
    for (let i = 0; i < 50; i += 1) expect(await tokens.authenticate(token)).not.toBeNull();
    expect(statements(queries, TOUCH)).toBe(1);
    now += 59_000;
    for (let i = 0; i < 10; i += 1) await tokens.authenticate(token);
    expect(statements(queries, TOUCH)).toBe(1);
    now += 1_000;
    await tokens.authenticate(token);
    expect(statements(queries, TOUCH)).toBe(2);
    const touched = queries.mock.calls.filter(([sql]) => TOUCH.test(String(sql)));
    expect(touched.every(([, params]) => JSON.stringify(params) === JSON.stringify([record.id]))).toBe(true);
  });

  it('caches nothing while the revocation channel is down, so a revocation applies at once', async () => {
    const unreachable = parseConfig({
      ...process.env,
      REDIS_URL: 'redis://127.0.0.1:1',
      QUEUE_PREFIX: config.redis.prefix,
    });
    const { tokens, revocations } = await service({ ttlMs: 3_600_000 }, unreachable);
    expect(revocations.listening).toBe(false);
    const { token, record } = await tokens.mint(owner, [Capability.Upload]);
    const queries = spyOnQueries();
    expect(await tokens.authenticate(token)).not.toBeNull();
    expect(await tokens.authenticate(token)).not.toBeNull();
    expect(statements(queries, LOOKUP)).toBe(2);
    await dataSource.query('UPDATE api_tokens SET revoked_at = now() WHERE id = $1', [record.id]);
    expect(await tokens.authenticate(token)).toBeNull();
  });
});
