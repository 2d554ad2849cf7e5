import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stack, uniqueOwner } from './support/stack.js';

const PROBLEM = /^application\/problem\+json/;

describe('auth, owner isolation and problem responses (gateway + worker over HTTP)', () => {
  let stack: Stack;
  let alice: string;
  let bob: string;
  let aliceOwner: string;
  let uploadOnly: string;

  beforeAll(async () => {
    stack = await Stack.start();
    aliceOwner = uniqueOwner('alice');
    alice = await stack.mintToken(aliceOwner, ['upload', 'admin']);
    bob = await stack.mintToken(uniqueOwner('bob'), ['upload', 'admin']);
    uploadOnly = await stack.mintToken(uniqueOwner('carol'), ['upload']);
  });

  afterAll(async () => {
    await stack.stop();
  });

  it('serves health checks without a token', async () => {
    const live = await stack.api('GET', '/api/health/live');
    expect(live.status).toBe(200);
    expect(live.body).toEqual({ status: 'ok' });
    const ready = await stack.api<{ status: string; details: Record<string, { status: string }> }>(
      'GET',
      '/api/health/ready',
    );
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ok');
    expect(Object.keys(ready.body.details).sort()).toEqual(['database', 'redis', 'storage']);
  });

  it('keeps an idle keep-alive connection open past Node’s 5 s default, as a proxy in front expects', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const get = (): Promise<{ status: number; keepAlive: string | undefined; reused: boolean }> =>
      new Promise((resolve, reject) => {
        const req = request(`${stack.baseUrl}/api/health/live`, { agent }, (res) => {
          res.resume();
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              keepAlive: res.headers['keep-alive'] as string | undefined,
              reused: req.reusedSocket,
            }),
          );
        });
        req.on('error', reject);
        req.end();
      });
    try {
      const first = await get();
      expect(first).toEqual({ status: 200, keepAlive: 'timeout=65', reused: false });
      await new Promise((r) => setTimeout(r, 6_000));
      // With Node's default the gateway would have closed the connection at 5 s: a new one would be opened.
      expect(await get()).toEqual({ status: 200, keepAlive: 'timeout=65', reused: true });
    } finally {
      agent.destroy();
    }
  });

  it('answers 401 problem+json without a token, with a malformed one and with an unknown one', async () => {
    const id = randomUUID();
    const attempts: Record<string, string>[] = [
      {},
      { authorization: 'Basic abc' },
      { authorization: `Bearer stk_${'x'.repeat(43)}` },
    ];
    for (const headers of attempts) {
      const res = await stack.api('GET', `/api/jobs/${id}`, { headers });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(PROBLEM);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="strata"');
      expect(res.body).toMatchObject({
        status: 401,
        title: 'Authentication required',
        type: expect.stringContaining('unauthenticated'),
      });
    }
  });

  it('stops accepting a token the moment the CLI revokes it', async () => {
    const owner = uniqueOwner('dave');
    const token = await stack.mintToken(owner, ['upload']);
    expect((await stack.api('GET', '/api/datasets', { token })).status).toBe(200);
    const list = await stack.cli('token:list', '--user', owner);
    const [id, listedOwner, prefix] = list.stdout.trim().split('\t');
    expect(listedOwner).toBe(owner);
    expect(prefix).toBe(`${token.slice(0, 12)}…`);
    expect(list.stdout).not.toContain(token);
    const revoked = await stack.cli('token:revoke', id ?? '');
    expect(revoked.stdout).toContain(`Revoked ${id}`);
    expect((await stack.api('GET', '/api/datasets', { token })).status).toBe(401);
  });

  it('answers 403 when the token lacks the capability', async () => {
    const res = await stack.api('POST', '/api/admin/diagnostics', { token: uploadOnly, body: {} });
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(PROBLEM);
    expect(res.body).toMatchObject({ status: 403, detail: "This token lacks the 'admin' capability." });
  });

  it("hides another owner's job behind the same 404 as a missing one", async () => {
    const created = await stack.api<{ id: string }>('POST', '/api/admin/diagnostics', {
      token: alice,
      body: { steps: 1, step_ms: 0 },
    });
    expect(created.status).toBe(202);
    const jobId = created.body.id;
    expect((await stack.api('GET', `/api/jobs/${jobId}`, { token: alice })).status).toBe(200);

    const theirs = await stack.api('GET', `/api/jobs/${jobId}`, { token: bob });
    const missingId = randomUUID();
    const missing = await stack.api('GET', `/api/jobs/${missingId}`, { token: bob });
    expect(theirs.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(theirs.body).toMatchObject({ title: missing.body.title, type: missing.body.type });
    expect(theirs.body.detail).toBe(`Job ${jobId} was not found.`);
    for (const path of [`/api/jobs/${jobId}/cancel`, `/api/jobs/${jobId}/retry`]) {
      expect((await stack.api('POST', path, { token: bob })).status).toBe(404);
    }
    expect((await stack.api('GET', `/api/jobs/${jobId}/children`, { token: bob })).status).toBe(404);
  });

  it('answers each of many concurrent job and list reads by two owners with its own owner’s rows (reads batched under load)', async () => {
    const bobOwner = uniqueOwner('bob-batch');
    const bobs = await stack.mintToken(bobOwner, ['upload']);
    const jobsOf = async (owner: string): Promise<string[]> =>
      (
        await stack.sql<{ id: string }>(
          `INSERT INTO ingest_jobs (owner, status, step, progress, kind, importer, source, params)
           SELECT $1, 'completed', 'done', 1, 'diagnostics', 'diagnostics', '{"type":"none"}',
                  '{"kind":"diagnostics","steps":1,"step_ms":0,"fail_with":null}'
             FROM generate_series(1, 10) RETURNING id`,
          [owner],
        )
      ).map((row) => row.id);
    const [alicesJobs, bobsJobs] = [await jobsOf(aliceOwner), await jobsOf(bobOwner)];
    await stack.sql(`INSERT INTO datasets (owner, kind, title) VALUES ($1, 'raster', 'Bob only')`, [bobOwner]);
    const reads = [
      ...alicesJobs.map((id) => ({ id, token: alice, status: 200 })),
      ...bobsJobs.map((id) => ({ id, token: bobs, status: 200 })),
      ...alicesJobs.map((id) => ({ id, token: bobs, status: 404 })),
      ...bobsJobs.map((id) => ({ id, token: alice, status: 404 })),
    ];
    const lists = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? alice : bobs));
    const [jobAnswers, listAnswers] = await Promise.all([
      Promise.all(
        reads.map((read) => stack.api<{ id?: string }>('GET', `/api/jobs/${read.id}`, { token: read.token })),
      ),
      Promise.all(lists.map((token) => stack.api<{ data: { title: string }[] }>('GET', '/api/datasets', { token }))),
    ]);
    // Each answer as its owner must see it: the job's id or a 404, and in the lists only their own datasets.
    expect(jobAnswers.map((answer) => [answer.status, answer.status === 200 ? answer.body.id : null])).toEqual(
      reads.map((read) => [read.status, read.status === 200 ? read.id : null]),
    );
    const bobsTitle = (titles: string[]): boolean => titles.includes('Bob only');
    expect(listAnswers.map((answer) => bobsTitle(answer.body.data.map((d) => d.title)))).toEqual(
      lists.map((token) => token === bobs),
    );
    expect(listAnswers.filter((_, i) => lists[i] === bobs).map((answer) => answer.body.data.length)).toEqual([
      1, 1, 1, 1, 1,
    ]);
  });

  it("hides another owner's dataset and keeps it out of their list", async () => {
    const [row] = await stack.sql<{ id: string }>(
      `INSERT INTO datasets (owner, kind, title, table_name, crs, geometry_type, feature_count, extent, columns)
       VALUES ($1, 'vector', 'Parcels', $2, 4326, 'MultiPolygon', 12, '{15,45,15.5,45.2}', '[{"name":"name","type":"text"}]')
       RETURNING id`,
      [aliceOwner, `data.parcels_${randomUUID().slice(0, 8)}`],
    );
    const id = row?.id ?? '';
    const mine = await stack.api('GET', `/api/datasets/${id}`, { token: alice });
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({
      id,
      kind: 'vector',
      title: 'Parcels',
      crs: 4326,
      feature_count: 12,
      extent: [15, 45, 15.5, 45.2],
    });
    expect((await stack.api('GET', `/api/datasets/${id}`, { token: bob })).status).toBe(404);
    const bobsList = await stack.api<{ data: { id: string }[] }>('GET', '/api/datasets', { token: bob });
    expect(bobsList.body.data.map((d) => d.id)).not.toContain(id);
    const alicesList = await stack.api<{ data: { id: string }[]; meta: { total: number } }>(
      'GET',
      '/api/datasets?per_page=5',
      { token: alice },
    );
    expect(alicesList.body.data.map((d) => d.id)).toContain(id);
    expect(alicesList.body.meta).toMatchObject({ page: 1, per_page: 5, total: 1 });
  });

  it('turns bad input into 400 problems that point at the offending value', async () => {
    const unknownField = await stack.api('POST', '/api/admin/diagnostics', {
      token: alice,
      body: { steps: 2, evil: true },
    });
    expect(unknownField.status).toBe(400);
    expect(unknownField.body.errors).toEqual([
      { loc: ['body', 'evil'], msg: 'property evil should not exist', type: 'unknown_field' },
    ]);

    const wrongType = await stack.api('POST', '/api/admin/diagnostics', { token: alice, body: { steps: 'many' } });
    expect(wrongType.body.errors).toEqual([
      { loc: ['body', 'steps'], msg: 'steps must be an integer number', type: 'isInt' },
    ]);

    const badJson = await stack.api('POST', '/api/admin/diagnostics', { token: alice, rawBody: '{"steps": ' });
    expect(badJson.status).toBe(400);
    expect(badJson.headers.get('content-type')).toMatch(PROBLEM);
    expect(badJson.body).toMatchObject({
      detail: 'The request body is not valid JSON.',
      request_id: expect.any(String),
    });

    const badId = await stack.api('GET', '/api/jobs/not-a-uuid', { token: alice });
    expect(badId.status).toBe(400);
    expect(badId.body.errors).toEqual([{ loc: ['path', 'id'], msg: 'id must be a UUID', type: 'isUuid' }]);

    const badPage = await stack.api('GET', '/api/datasets?per_page=1000', { token: alice });
    expect(badPage.body.errors).toEqual([
      { loc: ['query', 'per_page'], msg: 'per_page must not be greater than 200', type: 'max' },
    ]);

    const unknownRoute = await stack.api('GET', '/api/nowhere', { token: alice });
    expect(unknownRoute.status).toBe(404);
    expect(unknownRoute.headers.get('content-type')).toMatch(PROBLEM);

    for (const res of [unknownField, wrongType, badJson, badId, badPage, unknownRoute]) {
      expect(res.text).not.toMatch(/at .+\.(js|ts):\d+|node_modules|SELECT |\/work\//);
    }
  });

  it('echoes a caller-supplied request id and never logs bearer tokens', async () => {
    const requestId = `e2e-${randomUUID()}`;
    const res = await stack.api('GET', '/api/datasets', { token: alice, headers: { 'x-request-id': requestId } });
    expect(res.headers.get('x-request-id')).toBe(requestId);
    const line = await stack.gateway.waitForLog((l) => l.request_id === requestId && l.msg === 'request completed');
    expect(line).toMatchObject({ req: { method: 'GET', url: '/api/datasets' }, res: { status: 200 } });
    const everything = stack.gateway.output.join('\n') + stack.workers.map((w) => w.output.join('\n')).join('\n');
    for (const token of [alice, bob, uploadOnly]) expect(everything).not.toContain(token);
  });
});
