import { randomBytes, randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sealServiceToken } from '@app/queues';
import { cookieValue, openDashboardSession, sealDashboardSession } from './dashboard-session.js';
import { isQueueDashboardPath } from './queue-dashboard.auth.js';

const key = randomBytes(32);
const now = 1_800_000_000;
const session = { tokenId: randomUUID(), expiresAt: now + 3600 };

describe('dashboard session', () => {
  it('opens what it sealed, and holds no more than the token id and the expiry', () => {
    const sealed = sealDashboardSession(key, session);
    expect(openDashboardSession(key, sealed, now)).toEqual(session);
    expect(sealed).toMatch(/^d1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain(session.tokenId);
    expect(sealDashboardSession(key, session)).not.toBe(sealed);
  });

  it('does not open once expired', () => {
    const sealed = sealDashboardSession(key, session);
    expect(openDashboardSession(key, sealed, session.expiresAt - 1)).not.toBeNull();
    expect(openDashboardSession(key, sealed, session.expiresAt)).toBeNull();
  });

  it('does not open under another key, tampered, truncated or malformed', () => {
    const sealed = sealDashboardSession(key, session);
    expect(openDashboardSession(randomBytes(32), sealed, now)).toBeNull();
    const [v, iv, tag, body] = sealed.split('.') as [string, string, string, string];
    const flip = (s: string): string => (s.startsWith('A') ? `B${s.slice(1)}` : `A${s.slice(1)}`);
    expect(openDashboardSession(key, [v, iv, tag, flip(body)].join('.'), now)).toBeNull();
    expect(openDashboardSession(key, [v, flip(iv), tag, body].join('.'), now)).toBeNull();
    // A shortened authentication tag must not be accepted (GCM would otherwise check only its prefix).
    const shortTag = Buffer.from(tag, 'base64url').subarray(0, 4).toString('base64url');
    expect(openDashboardSession(key, [v, iv, shortTag, body].join('.'), now)).toBeNull();
    for (const bad of ['', 'd1', 'd1...', `${sealed}.x`, `d2.${iv}.${tag}.${body}`, 'stk_abc']) {
      expect(openDashboardSession(key, bad, now)).toBeNull();
    }
  });

  it('does not open a value sealed for another purpose with the same key', () => {
    expect(openDashboardSession(key, sealServiceToken(key, 'x', 'secret').replace(/^v1/, 'd1'), now)).toBeNull();
  });
});

describe('cookieValue', () => {
  it('finds one cookie among others', () => {
    expect(cookieValue('a=1; strata_queue_dashboard=d1.x.y.z; b=2', 'strata_queue_dashboard')).toBe('d1.x.y.z');
    expect(cookieValue('xstrata_queue_dashboard=1', 'strata_queue_dashboard')).toBeUndefined();
    expect(cookieValue(undefined, 'a')).toBeUndefined();
  });
});

describe('isQueueDashboardPath', () => {
  it('matches the dashboard and below, nothing else', () => {
    expect(isQueueDashboardPath('/admin/queues')).toBe(true);
    expect(isQueueDashboardPath('/admin/queues/api/queues')).toBe(true);
    expect(isQueueDashboardPath('/admin/queuesx')).toBe(false);
    expect(isQueueDashboardPath('/api/admin/diagnostics')).toBe(false);
  });
});
