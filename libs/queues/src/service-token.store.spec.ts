import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { openServiceToken, sealServiceToken } from './service-token.store.js';

describe('service token sealing', () => {
  const key = randomBytes(32);
  const token = 'arc-secret-token-123';

  it('round-trips, and the stored entry holds the token in no readable form', () => {
    const entry = sealServiceToken(key, 'job-1', token);
    expect(entry).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(entry).not.toContain(token);
    expect(Buffer.from(entry.split('.')[3] ?? '', 'base64url').toString('utf8')).not.toContain(token);
    expect(openServiceToken(key, 'job-1', entry)).toBe(token);
  });

  it('uses a fresh nonce for every seal', () => {
    expect(sealServiceToken(key, 'job-1', token)).not.toBe(sealServiceToken(key, 'job-1', token));
  });

  it('does not open under another key, for another job, or tampered with', () => {
    const entry = sealServiceToken(key, 'job-1', token);
    expect(openServiceToken(randomBytes(32), 'job-1', entry)).toBeNull();
    expect(openServiceToken(key, 'job-2', entry)).toBeNull();
    const [v, iv, tag, sealed] = entry.split('.') as [string, string, string, string];
    const flipped = Buffer.from(sealed, 'base64url');
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    expect(openServiceToken(key, 'job-1', [v, iv, tag, flipped.toString('base64url')].join('.'))).toBeNull();
    expect(openServiceToken(key, 'job-1', token)).toBeNull();
  });

  it('does not open with a shortened authentication tag (GCM would accept a 4-byte prefix)', () => {
    const entry = sealServiceToken(key, 'job-1', token);
    const [v, iv, tag, sealed] = entry.split('.') as [string, string, string, string];
    const short = Buffer.from(tag, 'base64url').subarray(0, 4).toString('base64url');
    expect(openServiceToken(key, 'job-1', [v, iv, short, sealed].join('.'))).toBeNull();
  });
});
