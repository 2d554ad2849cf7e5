import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stack, freePort, uniqueOwner } from './support/stack.js';

/** The value of one series in a Prometheus text exposition (0 when absent). */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const body = /\{([^}]*)\}/.exec(line)?.[1] ?? '';
    const found = Object.fromEntries([...body.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v)) return Number(line.split(' ').at(-1));
  }
  return 0;
}

describe('Prometheus metrics on the gateway and the worker', () => {
  let stack: Stack;
  let metricsToken: string;
  /** The scraper's owner with `upload`: it owns a job the scrape token must not reach. */
  let scraperUploadToken: string;
  let uploadToken: string;
  let adminToken: string;
  let workerPort: number;

  beforeAll(async () => {
    // No worker at first: queued jobs stay waiting, so the queue gauges have something to show.
    stack = await Stack.start({
      workers: 0,
      env: { STORAGE_LOCAL_ROOT: `${process.env.STORAGE_LOCAL_ROOT}/${randomUUID()}` },
    });
    const scraper = uniqueOwner('prometheus');
    metricsToken = await stack.mintToken(scraper, ['metrics']);
    scraperUploadToken = await stack.mintToken(scraper, ['upload']);
    uploadToken = await stack.mintToken(uniqueOwner('uploader'), ['upload']);
    adminToken = await stack.mintToken(uniqueOwner('operator'), ['admin']);
    workerPort = await freePort();
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const scrapeGateway = async (token = metricsToken) => stack.api<string>('GET', '/metrics', { token });

  it('serves /metrics at the root only to tokens with the metrics capability', async () => {
    const anonymous = await stack.api('GET', '/metrics');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toContain('application/problem+json');
    expect((await scrapeGateway(uploadToken)).status).toBe(403);
    const ok = await scrapeGateway();
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toContain('text/plain');
    expect(ok.text).toContain('strata_process_resident_memory_bytes{app="gateway"}');
    expect((await scrapeGateway(adminToken)).status).toBe(200);
  });

  it("refuses a metrics-only token every API route, even on its own owner's job", async () => {
    const upload = await stack.upload<{ job_id: string }>(scraperUploadToken, {
      name: 'mine.geojson',
      data: Buffer.from(
        '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Point","coordinates":[1,2]}}]}',
      ),
    });
    expect(upload.status).toBe(201);
    const job = `/api/jobs/${upload.body.job_id}`;
    expect((await stack.api('GET', job, { token: scraperUploadToken })).status).toBe(200);
    const refused: [string, string][] = [
      ['GET', job],
      ['GET', '/api/datasets'],
      ['POST', `${job}/cancel`],
      ['GET', '/api/ingest/upload/config'],
      ['GET', '/api/v1/ingest'],
    ];
    for (const [method, path] of refused) {
      const res = await stack.api(method, path, { token: metricsToken });
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.headers.get('content-type'), `${method} ${path}`).toContain('application/problem+json');
      expect(res.body, `${method} ${path}`).toMatchObject({
        status: 403,
        type: expect.stringMatching(/\/forbidden$/),
        detail: 'This token may only scrape /metrics.',
      });
    }
    expect((await stack.api<{ status: string }>('GET', job, { token: scraperUploadToken })).body.status).toBe(
      'pending',
    );
    expect((await scrapeGateway()).status).toBe(200);
    // `metrics` beside another capability is an ordinary token.
    const both = await stack.mintToken(uniqueOwner('prometheus'), ['metrics', 'upload']);
    expect((await stack.api('GET', '/api/datasets', { token: both })).status).toBe(200);
    expect((await scrapeGateway(both)).status).toBe(200);
  });

  it('times requests by route template and status, never by raw path', async () => {
    const id = randomUUID();
    expect((await stack.api('GET', `/api/jobs/${id}`, { token: uploadToken })).status).toBe(404);
    const text = (await scrapeGateway()).text;
    expect(
      sample(text, 'strata_http_request_duration_seconds_count', {
        method: 'GET',
        route: '/api/jobs/:id',
        status: '404',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain(id);
  });

  it('counts uploaded bytes', async () => {
    const before = sample((await scrapeGateway()).text, 'strata_uploaded_bytes_total', { route: 'ingest/upload' });
    const data = Buffer.from(
      JSON.stringify({
        type: 'FeatureCollection',
        features: [{ type: 'Feature', properties: { n: 1 }, geometry: { type: 'Point', coordinates: [1, 2] } }],
      }),
    );
    expect((await stack.upload(uploadToken, { name: 'one.geojson', data })).status).toBe(201);
    const after = sample((await scrapeGateway()).text, 'strata_uploaded_bytes_total', { route: 'ingest/upload' });
    expect(after - before).toBe(data.length);
  });

  it('reports queue depth and the age of the oldest waiting job, then job outcomes on the worker', async () => {
    const queued = await stack.api<{ id: string }>('POST', '/api/admin/diagnostics', {
      token: adminToken,
      body: { steps: 1, step_ms: 10 },
    });
    expect(queued.status).toBe(202);
    await new Promise((r) => setTimeout(r, 1100));
    const waiting = (await scrapeGateway()).text;
    expect(sample(waiting, 'strata_queue_jobs', { queue: 'system', state: 'waiting' })).toBe(1);
    expect(sample(waiting, 'strata_queue_oldest_waiting_seconds', { queue: 'system' })).toBeGreaterThanOrEqual(1);

    await stack.startWorker({ WORKER_METRICS_PORT: String(workerPort), WORKER_METRICS_HOST: '127.0.0.1' });
    await stack.waitForJob(adminToken, queued.body.id, (job) => job.status === 'completed');
    const workerUrl = `http://127.0.0.1:${workerPort}`;
    expect((await fetch(`${workerUrl}/health/live`)).status).toBe(200);
    expect((await fetch(`${workerUrl}/health/ready`)).status).toBe(200);
    const anonymous = await fetch(`${workerUrl}/metrics`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toContain('application/problem+json');
    const forbidden = await fetch(`${workerUrl}/metrics`, { headers: { authorization: `Bearer ${uploadToken}` } });
    expect(forbidden.status).toBe(403);
    const scraped = await fetch(`${workerUrl}/metrics`, { headers: { authorization: `Bearer ${metricsToken}` } });
    expect(scraped.status).toBe(200);
    const text = await scraped.text();
    expect(sample(text, 'strata_jobs_total', { app: 'worker', kind: 'diagnostics', outcome: 'completed' })).toBe(1);
    expect(sample(text, 'strata_job_duration_seconds_count', { kind: 'diagnostics', outcome: 'completed' })).toBe(1);
    expect(sample((await scrapeGateway()).text, 'strata_queue_jobs', { queue: 'system', state: 'waiting' })).toBe(0);
  });
});
