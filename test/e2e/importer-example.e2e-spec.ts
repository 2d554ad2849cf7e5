import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stack, uniqueOwner } from './support/stack.js';

/**
 * The example the README walks a newcomer through: the shipped `importers/stations.yaml` (loaded from the
 * default IMPORTERS_DIR) and its sample file, uploaded as the README shows, end to end.
 */
describe("the README's importer example", () => {
  let stack: Stack;
  let token: string;

  beforeAll(async () => {
    stack = await Stack.start({ env: { STORAGE_LOCAL_ROOT: `${process.env.STORAGE_LOCAL_ROOT}/${randomUUID()}` } });
    token = await stack.mintToken(uniqueOwner('walkthrough'), ['upload']);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('lists the shipped importer', async () => {
    const res = await stack.api<{ data: { slug: string }[] }>('GET', '/api/importers', { token });
    expect(res.status).toBe(200);
    expect(res.body.data.map((i) => i.slug)).toContain('stations');
  });

  it('imports the sample: 18 stations into public.stations, the 2 invalid rows reported', async () => {
    const form = new FormData();
    form.append('file', new Blob([await readFile('importers/samples/stations.csv')]), 'stations.csv');
    const res = await fetch(`${stack.baseUrl}/api/v1/ingest/upload/stations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    expect(res.status).toBe(202);
    const { data: queued } = (await res.json()) as { data: { id: string; status: string } };
    expect(queued.status).toBe('queued');
    const job = await stack.waitForJob(token, queued.id, (j) => j.status !== 'queued' && j.status !== 'processing');
    expect(job.status).toBe('completed_with_errors');

    const run = await stack.api<{ data: Record<string, unknown> }>(
      'GET',
      `/api/v1/ingest/${queued.id}?rows_status=failed`,
      { token },
    );
    expect(run.body.data.progress).toEqual({ total: 20, processed: 20, successful: 18, failed: 2 });
    const summary = run.body.data.summary as { created: number; updated: number; failed: number };
    // Created the first time; updated when this database already holds them (upsert on `code`).
    expect(summary.created + summary.updated).toBe(18);
    expect((run.body.data.rows as { row_number: number }[]).map((r) => r.row_number)).toEqual([19, 20]);

    // Other suites may write their own rows into public.stations: look at the sample's codes only.
    const sample = (await readFile('importers/samples/stations.csv', 'utf8')).trim().split('\n').slice(1);
    const codes = sample.map((line) => line.split(',')[0]?.trim().toUpperCase()).filter((c) => c && c !== 'XYZ-99');
    expect(codes).toHaveLength(18);
    const rows = await stack.sql<{ n: string; zug: string }>(
      `SELECT count(*) AS n, max(elevation_m) FILTER (WHERE code = 'ZUG-01')::text AS zug
         FROM public.stations WHERE code = ANY($1::text[])`,
      [codes],
    );
    expect(rows[0]).toEqual({ n: '18', zug: '2956.0' });
  });
});
