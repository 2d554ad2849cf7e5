import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_QUEUES } from '@app/queues';
import { Stack, uniqueOwner } from './support/stack.js';

const DASHBOARD = '/admin/queues';
const COOKIE = 'strata_queue_dashboard';

interface QueueListing {
  queues: { name: string; readOnlyMode: boolean }[];
}

describe('queue dashboard (bull-board at /admin/queues)', () => {
  let stack: Stack;
  let adminToken: string;
  let uploadToken: string;
  const tokens: string[] = [];

  beforeAll(async () => {
    stack = await Stack.start({ env: { STORAGE_LOCAL_ROOT: `${process.env.STORAGE_LOCAL_ROOT}/${randomUUID()}` } });
    adminToken = await stack.mintToken(uniqueOwner('operator'), ['admin']);
    // Every capability but admin: none of them opens the dashboard.
    uploadToken = await stack.mintToken(uniqueOwner('uploader'), ['upload', 'create_layers', 'metrics']);
    tokens.push(adminToken, uploadToken);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  /** A request as a browser makes it: no redirect following, an optional cookie. */
  const get = (path: string, init: { cookie?: string; headers?: Record<string, string>; method?: string } = {}) =>
    fetch(`${stack.baseUrl}${path}`, {
      method: init.method ?? 'GET',
      redirect: 'manual',
      headers: { ...init.headers, ...(init.cookie ? { cookie: `${COOKIE}=${init.cookie}` } : {}) },
    });

  /** Exchanges a token for a session cookie; returns the Set-Cookie header and the cookie's value. */
  const signIn = async (token: string, query = '') => {
    const res = await get(`${DASHBOARD}?token=${encodeURIComponent(token)}${query}`);
    expect(res.status).toBe(303);
    const setCookie = res.headers.get('set-cookie') ?? '';
    const value = new RegExp(`^${COOKIE}=([^;]+)`).exec(setCookie)?.[1];
    expect(value).toBeTruthy();
    return { res, setCookie, value: value! };
  };

  const expectProblem = async (res: Response, status: number): Promise<Record<string, unknown>> => {
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ status, type: expect.stringMatching(/^https:\/\//), title: expect.any(String) });
    return body;
  };

  it('answers 401 problem+json without a token, with a garbage one and with a forged cookie', async () => {
    for (const path of [DASHBOARD, `${DASHBOARD}/`, `${DASHBOARD}/api/queues`, `${DASHBOARD}/static/images/logo.svg`]) {
      const res = await get(path);
      await expectProblem(res, 401);
      expect(res.headers.get('www-authenticate')).toContain('Bearer');
    }
    await expectProblem(await get(`${DASHBOARD}?token=garbage`), 401);
    await expectProblem(await get(`${DASHBOARD}?token=stk_${'A'.repeat(43)}`), 401);
    await expectProblem(await get(`${DASHBOARD}/api/queues`, { headers: { authorization: 'Bearer garbage' } }), 401);
    // A cookie that does not open: refused, and the browser told to drop it.
    const forged = await get(`${DASHBOARD}/api/queues`, { cookie: `d1.${'A'.repeat(16)}.${'A'.repeat(22)}.AAAA` });
    await expectProblem(forged, 401);
    expect(forged.headers.get('set-cookie')).toMatch(new RegExp(`^${COOKIE}=;.*Expires=Thu, 01 Jan 1970`));
    // The raw token is not a cookie value either.
    await expectProblem(await get(`${DASHBOARD}/api/queues`, { cookie: adminToken }), 401);
  });

  it('answers 403 to a token without the admin capability, and gives it no session', async () => {
    const exchange = await get(`${DASHBOARD}?token=${uploadToken}`);
    const body = await expectProblem(exchange, 403);
    expect(String(body.detail)).toContain('admin');
    expect(exchange.headers.get('set-cookie')).toBeNull();
    const api = await get(`${DASHBOARD}/api/queues`, { headers: { authorization: `Bearer ${uploadToken}` } });
    const text = JSON.stringify(await expectProblem(api, 403));
    for (const queue of ALL_QUEUES) expect(text).not.toContain(`"${queue}"`);
  });

  it('exchanges an admin token for an HttpOnly, SameSite=Strict session cookie on the dashboard path, then drops the token from the URL', async () => {
    const { res, setCookie, value } = await signIn(adminToken, '&status=failed');
    expect(res.headers.get('location')).toBe(`${DASHBOARD}?status=failed`);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const attributes = setCookie.split(';').map((a) => a.trim().toLowerCase());
    expect(attributes).toContain('httponly');
    expect(attributes).toContain('samesite=strict');
    expect(attributes).toContain(`path=${DASHBOARD}`);
    expect(attributes).toContain('max-age=3600');
    expect(attributes).not.toContain('secure'); // plain HTTP here…
    // The session stands for the token without containing it.
    expect(value).not.toContain(adminToken);
    expect(value).not.toContain(adminToken.slice(4));

    // …Secure when the request came over HTTPS (a TLS-terminating proxy on loopback, which the gateway trusts).
    const https = await get(`${DASHBOARD}?token=${adminToken}`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(https.status).toBe(303);
    expect((https.headers.get('set-cookie') ?? '').toLowerCase()).toMatch(/;\s*secure(;|$)/);

    const page = await get(DASHBOARD, { cookie: value });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('<title>Strata queues</title>');
  });

  it('lists every Strata queue, read-only, to an admin session and an admin bearer token', async () => {
    const { value } = await signIn(adminToken);
    for (const init of [{ cookie: value }, { headers: { authorization: `Bearer ${adminToken}` } }]) {
      const res = await get(`${DASHBOARD}/api/queues`, init);
      expect(res.status).toBe(200);
      const listing = (await res.json()) as QueueListing;
      expect(listing.queues.map((q) => q.name).sort()).toEqual([...ALL_QUEUES].sort());
      expect(listing.queues.every((q) => q.readOnlyMode)).toBe(true);
    }
    // Read-only is enforced by the server, not just hidden in the UI.
    const empty = await get(`${DASHBOARD}/api/queues/system/empty`, { cookie: value, method: 'PUT' });
    expect(empty.status).toBe(405);
  });

  it("shows a real job's data", async () => {
    const started = await stack.api('POST', '/api/admin/diagnostics', {
      token: adminToken,
      body: { steps: 1, step_ms: 10 },
    });
    expect(started.status).toBe(202);
    const jobId = String(started.body.id);
    await stack.waitForJob(adminToken, jobId, (j) => j.status === 'completed');
    const { value } = await signIn(adminToken);
    const res = await get(`${DASHBOARD}/api/queues/system/${jobId}`, { cookie: value });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      job: { id: string; name: string; data: Record<string, unknown> };
      status: string;
    };
    expect(body.status).toBe('completed');
    expect(body.job).toMatchObject({ id: jobId, name: 'diagnostics', data: { jobId, steps: 1, stepMs: 10 } });
  });

  it('keeps the API under its own, stricter security headers, and the dashboard out of the OpenAPI document', async () => {
    const { value } = await signIn(adminToken);
    const dashboardCsp = (await get(DASHBOARD, { cookie: value })).headers.get('content-security-policy') ?? '';
    expect(dashboardCsp).toContain("script-src 'self'");
    expect(dashboardCsp).toContain("frame-ancestors 'none'");
    expect(dashboardCsp).not.toMatch(/script-src[^;]*unsafe/);
    const apiCsp = (await get('/api/health/live')).headers.get('content-security-policy') ?? '';
    expect(apiCsp).toContain('upgrade-insecure-requests');
    expect(apiCsp).not.toBe(dashboardCsp);

    const doc = await stack.api<{ paths: Record<string, unknown> }>('GET', '/docs-json');
    expect(Object.keys(doc.body.paths).filter((p) => p.includes('queues'))).toEqual([]);
  });

  it('ends the session when its token is revoked, and on sign-out', async () => {
    const owner = uniqueOwner('revoked-operator');
    const token = await stack.mintToken(owner, ['admin']);
    tokens.push(token);
    const { value } = await signIn(token);
    expect((await get(`${DASHBOARD}/api/queues`, { cookie: value })).status).toBe(200);

    const [row] = await stack.sql<{ id: string }>('SELECT id FROM api_tokens WHERE owner = $1', [owner]);
    await stack.cli('token:revoke', row!.id);
    const after = await get(`${DASHBOARD}/api/queues`, { cookie: value });
    await expectProblem(after, 401);
    expect(after.headers.get('set-cookie')).toMatch(new RegExp(`^${COOKIE}=;`));
    await expectProblem(await get(`${DASHBOARD}?token=${token}`), 401);

    const other = await signIn(adminToken);
    const out = await get(`${DASHBOARD}/logout`, { cookie: other.value });
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toMatch(new RegExp(`^${COOKIE}=;.*Path=${DASHBOARD}`));
  });

  it('never writes a token to the log, though it logs the dashboard requests', async () => {
    await stack.gateway.waitForLog((l) => (l.req as { url?: string } | undefined)?.url === DASHBOARD);
    const requestLines = stack.gateway
      .logs()
      .filter((l) => ((l.req as { url?: string } | undefined)?.url ?? '').startsWith(DASHBOARD));
    expect(requestLines.length).toBeGreaterThan(5);
    const output = [...stack.gateway.output, ...stack.workers.flatMap((w) => w.output)].join('\n');
    for (const token of tokens) {
      expect(output).not.toContain(token);
      expect(output).not.toContain(token.slice(4, 24));
    }
    expect(output).not.toContain('token=');
  });
});
