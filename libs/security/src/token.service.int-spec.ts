import 'reflect-metadata';
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '@app/config';
import { createDataSource } from '@app/jobs';
import type { DataSource } from 'typeorm';
import { Capability } from './capability.js';
import { TokenService } from './token.service.js';

const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

describe('TokenService (PostgreSQL)', () => {
  let dataSource: DataSource;
  let tokens: TokenService;
  const owner = `it-tokens-${randomUUID()}`;

  beforeAll(async () => {
    dataSource = createDataSource(parseConfig(process.env), 'strata-int-token-service');
    await dataSource.initialize();
    tokens = new TokenService(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
  });

  const rowOf = async (id: string): Promise<Record<string, unknown>> => {
    const rows = (await dataSource.query('SELECT * FROM api_tokens WHERE id = $1', [id])) as Record<string, unknown>[];
    expect(rows).toHaveLength(1);
    return rows[0]!;
  };

  const countFor = async (who: string): Promise<number> => {
    const [row] = (await dataSource.query('SELECT count(*)::int AS n FROM api_tokens WHERE owner = $1', [who])) as {
      n: number;
    }[];
    return row!.n;
  };

  it('mints an stk_ token and stores only its SHA-256 hash', async () => {
    const { token, record } = await tokens.mint(owner, [Capability.Upload], { name: 'ci' });
    expect(token).toMatch(/^stk_[A-Za-z0-9_-]{43}$/);

    const row = await rowOf(record.id);
    expect(row.token_hash).toBe(sha256(token));
    expect(row.owner).toBe(owner);
    expect(row.name).toBe('ci');
    expect(row.capabilities).toEqual(['upload']);
    // Neither the token nor its secret part appears in any column; the prefix is only a short hint.
    const secret = token.slice(String(row.token_prefix).length);
    for (const value of Object.values(row)) {
      const text = value instanceof Date ? value.toISOString() : JSON.stringify(value);
      expect(text ?? '').not.toContain(token);
      expect(text ?? '').not.toContain(secret);
    }
    expect(token.startsWith(String(row.token_prefix))).toBe(true);
    expect(String(row.token_prefix).length).toBeLessThan(16);
  });

  it('mints a different token every time', async () => {
    const a = await tokens.mint(owner, [Capability.Upload]);
    const b = await tokens.mint(owner, [Capability.Upload]);
    expect(a.token).not.toBe(b.token);
    expect(a.record.tokenHash).not.toBe(b.record.tokenHash);
  });

  it('authenticates a valid token to its owner and capabilities, and records its use', async () => {
    const { token, record } = await tokens.mint(owner, [Capability.Upload, Capability.CreateLayers]);
    const principal = await tokens.authenticate(token);
    expect(principal).toEqual({
      tokenId: record.id,
      owner,
      capabilities: [Capability.Upload, Capability.CreateLayers],
    });
    await vi.waitFor(
      async () => {
        expect((await rowOf(record.id)).last_used_at).toBeInstanceOf(Date);
      },
      { timeout: 5000, interval: 50 },
    );
  });

  it('refuses unknown and malformed tokens', async () => {
    const { token } = await tokens.mint(owner, [Capability.Admin]);
    const lastChar = token.at(-1) === 'A' ? 'B' : 'A';
    const wrong = token.slice(0, -1) + lastChar;
    expect(await tokens.authenticate(wrong)).toBeNull();
    expect(await tokens.authenticate(`stk_${'x'.repeat(43)}`)).toBeNull();
    expect(await tokens.authenticate('')).toBeNull();
    expect(await tokens.authenticate(token.slice(4))).toBeNull();
    expect(await tokens.authenticate(`${token} `)).toBeNull();
    expect(await tokens.authenticate(`${token}x`)).toBeNull();
    expect(await tokens.authenticate("stk_' OR '1'='1")).toBeNull();
    // The hash itself is not a credential.
    expect(await tokens.authenticate(sha256(token))).toBeNull();
  });

  it('refuses an expired token', async () => {
    const { token, record } = await tokens.mint(owner, [Capability.Upload], {
      expiresAt: new Date(Date.now() + 3_600_000),
    });
    expect(await tokens.authenticate(token)).not.toBeNull();
    await dataSource.query(`UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [record.id]);
    expect(await tokens.authenticate(token)).toBeNull();
  });

  it('refuses a revoked token; revoking twice (or an unknown id) reports false', async () => {
    const { token, record } = await tokens.mint(owner, [Capability.Upload]);
    expect(await tokens.authenticate(token)).not.toBeNull();

    expect(await tokens.revoke(record.id)).toBe(true);
    expect(await tokens.authenticate(token)).toBeNull();
    expect((await rowOf(record.id)).revoked_at).toBeInstanceOf(Date);

    expect(await tokens.revoke(record.id)).toBe(false);
    expect(await tokens.revoke(randomUUID())).toBe(false);
  });

  it('looks an active token up by id, and not once it is revoked or expired', async () => {
    const { record } = await tokens.mint(owner, [Capability.Admin]);
    expect(await tokens.principalForTokenId(record.id)).toEqual({
      tokenId: record.id,
      owner,
      capabilities: [Capability.Admin],
    });
    expect(await tokens.principalForTokenId(randomUUID())).toBeNull();
    expect(await tokens.principalForTokenId('not-a-uuid')).toBeNull();

    const expiring = await tokens.mint(owner, [Capability.Admin], { expiresAt: new Date(Date.now() + 3_600_000) });
    await dataSource.query(`UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      expiring.record.id,
    ]);
    expect(await tokens.principalForTokenId(expiring.record.id)).toBeNull();

    await tokens.revoke(record.id);
    expect(await tokens.principalForTokenId(record.id)).toBeNull();
  });

  it("lists an owner's tokens in creation order, and only theirs", async () => {
    const mine = `it-tokens-list-${randomUUID()}`;
    const theirs = `it-tokens-list-${randomUUID()}`;
    const first = await tokens.mint(mine, [Capability.Upload], { name: 'first' });
    await tokens.mint(theirs, [Capability.Admin]);
    const second = await tokens.mint(mine, [Capability.CreateLayers], { name: 'second' });

    const listed = await tokens.list(mine);
    expect(listed.map((t) => t.id)).toEqual([first.record.id, second.record.id]);
    expect(listed.map((t) => t.name)).toEqual(['first', 'second']);
    expect(listed.every((t) => t.owner === mine)).toBe(true);
    expect(JSON.stringify(listed)).not.toContain(first.token);

    const all = (await tokens.list()).map((t) => t.owner);
    expect(all).toEqual(expect.arrayContaining([mine, theirs]));
  });

  it.each(['', '-starts-with-dash', 'has space', 'semi;colon', '../etc', 'x'.repeat(129)])(
    'refuses to mint for the owner name %j',
    async (bad) => {
      await expect(tokens.mint(bad, [Capability.Upload])).rejects.toThrow(/Owner must be/);
      expect(await countFor(bad)).toBe(0);
    },
  );

  it('refuses to mint a token that has already expired', async () => {
    const who = `it-tokens-expiry-${randomUUID()}`;
    await expect(tokens.mint(who, [Capability.Upload], { expiresAt: new Date(Date.now() - 1000) })).rejects.toThrow(
      /future/,
    );
    expect(await countFor(who)).toBe(0);
  });
});
