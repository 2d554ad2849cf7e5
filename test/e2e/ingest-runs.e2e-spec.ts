import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stationsImporter, urlImporter, writeImporters, type ImporterFiles } from './support/importers.js';
import { Stack, uniqueOwner } from './support/stack.js';

/**
 * The runs API (seed 004) over HTTP, for everything that works without the importer pipeline: the
 * worker here consumes only the `system` queue, so runs stay `queued` and rows are written into the
 * database directly, as the pipeline would. The full pipeline (runs that complete, cancel mid-run, retry
 * keeping row numbers, re-upload of the failed-rows file) is covered by its own e2e suite after merge.
 */

type Body = Record<string, unknown>;
type Run = Body & { id: string; status: string };
const BASE = '/api/v1/ingest';
const MAX_UPLOAD = 2048;
const CSV = Buffer.from('code,name\nA1,Alpha\nB2,Beta\n');

const IMPORTERS: ImporterFiles = {
  'stations.yaml': stationsImporter('public.stations', MAX_UPLOAD),
  'feed.yaml': urlImporter('public.stations', 'https://93.184.215.14/stations.csv'),
  'store.yaml': `
title: Stations from storage
source:
  type: storage
  formats: [csv]
  key: incoming/stations.csv
  overridable: [key]
target: {table: public.stations, key: [code]}
fields:
  code: {type: text}
`,
};

describe('ingest runs API (seed 004)', () => {
  let stack: Stack;
  let storageRoot: string;
  let owner: string;
  let token: string;
  let otherToken: string;
  let readOnlyToken: string;

  beforeAll(async () => {
    const importersDir = await writeImporters(IMPORTERS, { prefix: 'strata-importers' });
    storageRoot = `${process.env.STORAGE_LOCAL_ROOT}/${randomUUID()}`;
    await mkdir(join(storageRoot, 'incoming'), { recursive: true });
    await writeFile(join(storageRoot, 'incoming', 'stations.csv'), CSV);
    stack = await Stack.start({
      env: { IMPORTERS_DIR: importersDir, STORAGE_LOCAL_ROOT: storageRoot, SWEEPER_INTERVAL_MS: '0' },
      workerEnv: { WORKER_QUEUES: 'system' },
    });
    owner = uniqueOwner('runs');
    token = await stack.mintToken(owner, ['upload']);
    otherToken = await stack.mintToken(uniqueOwner('runs-other'), ['upload']);
    readOnlyToken = await stack.mintToken(owner, ['create_layers']);
  });

  afterAll(async () => {
    await stack?.stop();
  });

  async function upload(
    slug: string,
    file: { name: string; data: Buffer },
    fields: Record<string, string> = {},
    as = token,
  ): Promise<{ status: number; body: Body }> {
    const form = new FormData();
    for (const [name, value] of Object.entries(fields)) form.append(name, value);
    form.append('file', new Blob([file.data]), file.name);
    const res = await fetch(`${stack.baseUrl}${BASE}/upload/${slug}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${as}` },
      body: form,
    });
    return { status: res.status, body: (await res.json()) as Body };
  }

  async function queuedRun(fields: Record<string, string> = {}): Promise<Run> {
    const res = await upload('stations', { name: 'stations.csv', data: CSV }, fields);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return res.body.data as Run;
  }

  /** Ends a run as the pipeline would, with the given rows. */
  async function endedRun(status: string, rows: { n: number; data: Body; errors?: Body | null }[] = []): Promise<Run> {
    const run = await queuedRun();
    await stack.sql(
      `UPDATE ingest_jobs SET status = $2, started_at = now(), completed_at = now(), rows_total = $3,
         rows_processed = $3, rows_failed = $4 WHERE id = $1`,
      [run.id, status, rows.length, rows.filter((r) => r.errors).length],
    );
    for (const row of rows) {
      await stack.sql(
        `INSERT INTO ingest_rows (job_id, row_number, status, data, errors) VALUES ($1, $2, $3, $4::jsonb, $5::jsonb)`,
        [
          run.id,
          row.n,
          row.errors ? 'failed' : 'succeeded',
          JSON.stringify(row.data),
          row.errors ? JSON.stringify(row.errors) : null,
        ],
      );
    }
    return run;
  }

  describe('upload', () => {
    it('answers 202 with the run already queued, visible as a job and on the import queue', async () => {
      const res = await upload('stations', { name: 'stations.csv', data: CSV }, { dry_run: 'true' });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      const run = res.body.data as Run;
      expect(run).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        importer: 'stations',
        status: 'queued',
        user_id: owner,
        original_filename: 'stations.csv',
        dry_run: true,
        parent_id: null,
        progress: { total: 0, processed: 0, successful: 0, failed: 0 },
        summary: null,
        started_at: null,
        completed_at: null,
      });
      const job = await stack.api('GET', `/api/jobs/${run.id}`, { token });
      expect(job.status).toBe(200);
      expect(job.body).toMatchObject({ id: run.id, status: 'queued', importer: 'stations', dry_run: true });
      const [row] = await stack.sql<{ kind: string; source: Body; params: Body }>(
        'SELECT kind, source, params FROM ingest_jobs WHERE id = $1',
        [run.id],
      );
      expect(row).toMatchObject({
        kind: 'import-run',
        source: { type: 'stored-file', size: CSV.length },
        params: { kind: 'import-run', format: 'csv' },
      });
      const redis = stack.redis();
      try {
        expect(await redis.exists(`${stack.env.QUEUE_PREFIX}:import:${run.id}`)).toBe(1);
      } finally {
        redis.disconnect();
      }
    });

    it.each([
      ['1', true],
      ['0', false],
      ['false', false],
    ])('reads dry_run=%s as %s', async (value, expected) => {
      expect((await queuedRun({ dry_run: value })).dry_run).toBe(expected);
    });

    it('refuses an unreadable dry_run with 400', async () => {
      const res = await upload('stations', { name: 'stations.csv', data: CSV }, { dry_run: 'maybe' });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([
        { loc: ['body', 'dry_run'], msg: 'dry_run must be one of 1, true, 0, false', type: 'isBoolean' },
      ]);
    });

    it('404 for an unknown importer, 422 for one that does not take uploads', async () => {
      const unknown = await upload('nope', { name: 'a.csv', data: CSV });
      expect(unknown.status).toBe(404);
      expect(unknown.body).toMatchObject({ status: 404, type: expect.stringContaining('not-found') });
      const feed = await upload('feed', { name: 'a.csv', data: CSV });
      expect(feed.status).toBe(422);
    });

    it("413 past the importer's size cap, 415 for a type it does not take or content that is not its type", async () => {
      const big = await upload('stations', { name: 'big.csv', data: Buffer.alloc(MAX_UPLOAD + 1, 'a') });
      expect(big.status).toBe(413);
      expect(big.body).toMatchObject({ max_file_size_bytes: MAX_UPLOAD });
      // Nothing of the refused file is kept, not even a partial object.
      const kept = await readdir(join(storageRoot, 'imports'), { recursive: true }).catch(() => []);
      expect(kept.filter((name) => name.includes('big.csv'))).toEqual([]);
      const xlsx = await upload('stations', { name: 'stations.xlsx', data: CSV });
      expect(xlsx.status).toBe(415);
      expect(xlsx.body).toMatchObject({ accepted_formats: ['csv'] });
      const png = await upload('stations', {
        name: 'stations.csv',
        data: Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'), Buffer.alloc(16)]),
      });
      expect(png.status).toBe(415);
      const [count] = await stack.sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM ingest_jobs WHERE owner = $1 AND source_filename IN ('big.csv', 'stations.xlsx')`,
        [owner],
      );
      expect(count?.n).toBe(0);
    });
  });

  describe('trigger', () => {
    it('starts a URL importer, a replaced URL included, and a storage importer', async () => {
      const plain = await stack.api<{ data: Run }>('POST', `${BASE}/trigger/feed`, { token });
      expect(plain.status, plain.text).toBe(202);
      expect(plain.body.data).toMatchObject({ status: 'queued', importer: 'feed', original_filename: 'stations.csv' });
      const replaced = await stack.api<{ data: Run }>('POST', `${BASE}/trigger/feed`, {
        token,
        body: { dry_run: true, source: { url: 'https://93.184.215.14/other.csv' } },
      });
      expect(replaced.status, replaced.text).toBe(202);
      expect(replaced.body.data.dry_run).toBe(true);
      const [row] = await stack.sql<{ source: Body }>('SELECT source FROM ingest_jobs WHERE id = $1', [
        replaced.body.data.id,
      ]);
      expect(row?.source).toEqual({ type: 'remote-file', url: 'https://93.184.215.14/other.csv' });

      const stored = await stack.api<{ data: Run }>('POST', `${BASE}/trigger/store`, { token });
      expect(stored.status, stored.text).toBe(202);
      const [storedRow] = await stack.sql<{ source: Body }>('SELECT source FROM ingest_jobs WHERE id = $1', [
        stored.body.data.id,
      ]);
      expect(storedRow?.source).toEqual({ type: 'storage-object', key: 'incoming/stations.csv' });
    });

    it('refuses keys the importer does not list, SSRF targets, keys outside its directory, and upload importers', async () => {
      const notListed = await stack.api('POST', `${BASE}/trigger/feed`, { token, body: { source: { key: 'x.csv' } } });
      expect(notListed.status).toBe(422);
      expect(notListed.body.errors).toEqual([
        { loc: ['body', 'source', 'key'], msg: 'key cannot be overridden for this importer', type: 'not_overridable' },
      ]);
      const ssrf = await stack.api('POST', `${BASE}/trigger/feed`, {
        token,
        body: { source: { url: 'http://127.0.0.1:6379/' } },
      });
      expect(ssrf.status).toBe(422);
      expect(String(ssrf.body.type)).toContain('ssrf-refused');
      const outside = await stack.api('POST', `${BASE}/trigger/store`, {
        token,
        body: { source: { key: 'staging/someone/else.csv' } },
      });
      expect(outside.status).toBe(422);
      const missing = await stack.api('POST', `${BASE}/trigger/store`, {
        token,
        body: { source: { key: 'incoming/none.csv' } },
      });
      expect(missing.status).toBe(422);
      expect((await stack.api('POST', `${BASE}/trigger/stations`, { token })).status).toBe(422);
      expect((await stack.api('POST', `${BASE}/trigger/nope`, { token })).status).toBe(404);
      expect((await stack.api('POST', `${BASE}/trigger/feed`, { token, body: { extra: 1 } })).status).toBe(400);
      expect((await stack.api('POST', `${BASE}/trigger/feed`, { token, body: { dry_run: 'maybe' } })).status).toBe(400);
    });
  });

  it('lists runs newest first with seed-004 pagination and the importer and status filters', async () => {
    const listOwner = uniqueOwner('runs-list');
    const listToken = await stack.mintToken(listOwner, ['upload']);
    const started: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const res = await upload('stations', { name: `s${i}.csv`, data: CSV }, {}, listToken);
      started.push((res.body.data as Run).id);
    }
    const feed = await stack.api<{ data: Run }>('POST', `${BASE}/trigger/feed`, { token: listToken });
    await stack.sql(`UPDATE ingest_jobs SET status = 'failed' WHERE id = $1`, [started[0]]);

    const all = await stack.api<{ data: Run[]; links: Body; meta: Body }>('GET', BASE, { token: listToken });
    expect(all.status).toBe(200);
    expect(all.body.data.map((r) => r.id)).toEqual([feed.body.data.id, ...[...started].reverse()]);
    expect(all.body.meta).toMatchObject({ current_page: 1, from: 1, to: 4, total: 4, last_page: 1, per_page: 15 });

    const page = await stack.api<{ data: Run[]; links: Body; meta: Body }>(
      'GET',
      `${BASE}?importer=stations&per_page=1&page=2`,
      { token: listToken },
    );
    expect(page.status).toBe(200);
    expect(page.body.data.map((r) => r.id)).toEqual([started[1]]);
    const path = `${stack.baseUrl}${BASE}`;
    expect(page.body.links).toEqual({
      first: `${path}?importer=stations&per_page=1&page=1`,
      last: `${path}?importer=stations&per_page=1&page=3`,
      prev: `${path}?importer=stations&per_page=1&page=1`,
      next: `${path}?importer=stations&per_page=1&page=3`,
    });
    expect(page.body.meta).toMatchObject({ current_page: 2, from: 2, to: 2, last_page: 3, total: 3, path });
    expect((page.body.meta.links as Body[]).map((l) => l.label)).toEqual([
      '&laquo; Previous',
      '1',
      '2',
      '3',
      'Next &raquo;',
    ]);

    const failed = await stack.api<{ data: Run[] }>('GET', `${BASE}?status=failed`, { token: listToken });
    expect(failed.body.data.map((r) => r.id)).toEqual([started[0]]);
    expect((await stack.api('GET', `${BASE}?per_page=101`, { token: listToken })).status).toBe(400);
    expect((await stack.api('GET', `${BASE}?status=bogus`, { token: listToken })).status).toBe(400);
  });

  it('shows a run with its rows paged, ordered by row number and filtered by status', async () => {
    const run = await endedRun('completed_with_errors', [
      { n: 3, data: { code: 'C3' }, errors: { message: 'Validation failed.', validation: { name: ['Required.'] } } },
      { n: 1, data: { code: 'C1' } },
      { n: 2, data: { code: 'C2' }, errors: { message: 'boom' } },
    ]);
    const show = await stack.api<{ data: Run & { rows: Body[] } }>('GET', `${BASE}/${run.id}`, { token });
    expect(show.status).toBe(200);
    expect(show.body.data.rows).toEqual([
      { row_number: 1, status: 'success', data: { code: 'C1' }, errors: null },
      { row_number: 2, status: 'failed', data: { code: 'C2' }, errors: { message: 'boom' } },
      {
        row_number: 3,
        status: 'failed',
        data: { code: 'C3' },
        errors: { message: 'Validation failed.', validation: { name: ['Required.'] } },
      },
    ]);
    expect(show.body.data.progress).toEqual({ total: 3, processed: 3, successful: 1, failed: 2 });
    const paged = await stack.api<{ data: { rows: Body[] } }>(
      'GET',
      `${BASE}/${run.id}?rows_status=failed&rows_per_page=1&rows_page=2`,
      { token },
    );
    expect(paged.body.data.rows.map((r) => r.row_number)).toEqual([3]);
    expect((await stack.api('GET', `${BASE}/${run.id}?rows_per_page=501`, { token })).status).toBe(400);
    expect((await stack.api('GET', `${BASE}/not-a-uuid`, { token })).status).toBe(400);
  });

  it('cancels a queued run at once (then 409), and refuses to retry a run that has not ended', async () => {
    const run = await queuedRun();
    const retryEarly = await stack.api('POST', `${BASE}/${run.id}/retry`, { token });
    expect(retryEarly.status).toBe(409);
    const cancel = await stack.api('POST', `${BASE}/${run.id}/cancel`, { token });
    expect(cancel.status).toBe(200);
    expect(cancel.body).toEqual({ message: 'Cancellation request sent.' });
    const after = await stack.api<{ data: Run }>('GET', `${BASE}/${run.id}`, { token });
    expect(after.body.data.status).toBe('cancelled');
    expect(after.body.data.completed_at).not.toBeNull();
    const again = await stack.api('POST', `${BASE}/${run.id}/cancel`, { token });
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toContain('application/problem+json');
    // Ended without failed rows: nothing to retry.
    const nothing = await stack.api('POST', `${BASE}/${run.id}/retry`, { token });
    expect(nothing.status).toBe(400);
    expect(nothing.body).toMatchObject({ detail: 'The original run has no failed rows to retry.' });
  });

  it('retries the failed rows in a child run; of two concurrent retries one wins and the other gets 409', async () => {
    const run = await endedRun('completed_with_errors', [
      { n: 1, data: { code: 'C1' } },
      { n: 2, data: { code: '' }, errors: { message: 'boom' } },
    ]);
    const bad = await stack.api('POST', `${BASE}/${run.id}/retry`, { token, body: { dry_run: 'maybe' } });
    expect(bad.status).toBe(400);
    const [a, b] = await Promise.all([
      stack.api<{ data: Run }>('POST', `${BASE}/${run.id}/retry`, { token, body: { dry_run: true } }),
      stack.api<{ data: Run }>('POST', `${BASE}/${run.id}/retry`, { token, body: { dry_run: true } }),
    ]);
    expect([a.status, b.status].sort((x, y) => x - y)).toEqual([202, 409]);
    const child = (a.status === 202 ? a : b).body.data;
    expect(child).toMatchObject({ parent_id: run.id, status: 'queued', importer: 'stations', dry_run: true });
    const [row] = await stack.sql<{ source: Body }>('SELECT source FROM ingest_jobs WHERE id = $1', [child.id]);
    expect(row?.source).toEqual({ type: 'failed-rows', job_id: run.id });
  });

  it('summarises failures and streams them as a formula-safe CSV with the original headers', async () => {
    const run = await endedRun('completed_with_errors', [
      { n: 1, data: { code: 'A1', name: 'ok' } },
      {
        n: 2,
        data: { code: '=HYPERLINK("x")', name: 'Zug, "Spitze"' },
        errors: { message: 'Validation failed.', validation: { code: ['Invalid.'] } },
      },
      {
        n: 4,
        data: { code: '-5', name: '@home' },
        errors: { message: 'Validation failed.', validation: { code: ['Invalid.'], name: ['Bad.'] } },
      },
      { n: 5, data: { code: 'B2', name: 'x' }, errors: { message: "Duplicate entry found for key 'code'." } },
    ]);
    const summary = await stack.api('GET', `${BASE}/${run.id}/errors/summary`, { token });
    expect(summary.status).toBe(200);
    expect(summary.body).toEqual({
      data: {
        total_failed_rows: 3,
        error_summary: [
          { message: 'Validation failed.', count: 2 },
          { message: "Duplicate entry found for key 'code'.", count: 1 },
        ],
        validation_summary: [
          { message: 'code: Invalid.', count: 2 },
          { message: 'name: Bad.', count: 1 },
        ],
      },
    });

    const res = await fetch(`${stack.baseUrl}${BASE}/${run.id}/failed-rows/download`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=UTF-8');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="failed-rows-${run.id}.csv"`);
    const lines = (await res.text()).split('\r\n');
    expect(lines[0]).toBe('code,name,_error_message,_row_number');
    expect(lines.slice(1)).toEqual([
      `"'=HYPERLINK(""x"")","Zug, ""Spitze""",Validation failed. code: Invalid.,2`,
      `-5,'@home,Validation failed. code: Invalid.; name: Bad.,4`,
      `B2,x,Duplicate entry found for key 'code'.,5`,
      '',
    ]);

    const clean = await endedRun('completed', [{ n: 1, data: { code: 'A' } }]);
    const none = await stack.api('GET', `${BASE}/${clean.id}/failed-rows/download`, { token });
    expect(none.status).toBe(404);
    expect(none.body).toMatchObject({ detail: 'No failed rows found for this ingest run.' });
  });

  it('needs a token everywhere and the upload capability for writes', async () => {
    const run = await queuedRun();
    expect((await stack.api('GET', BASE)).status).toBe(401);
    expect((await stack.api('GET', `${BASE}/${run.id}`)).status).toBe(401);
    // Reading needs only a valid token.
    expect((await stack.api('GET', `${BASE}/${run.id}`, { token: readOnlyToken })).status).toBe(200);
    const denied = await upload('stations', { name: 'stations.csv', data: CSV }, {}, readOnlyToken);
    expect(denied.status).toBe(403);
    for (const path of ['trigger/feed', `${run.id}/cancel`, `${run.id}/retry`]) {
      expect((await stack.api('POST', `${BASE}/${path}`, { token: readOnlyToken })).status, path).toBe(403);
    }
  });

  it('hides a run from other owners on every route (404)', async () => {
    const run = await endedRun('completed_with_errors', [{ n: 1, data: { code: '' }, errors: { message: 'x' } }]);
    const routes: [string, string][] = [
      ['GET', `${BASE}/${run.id}`],
      ['GET', `${BASE}/${run.id}/errors/summary`],
      ['GET', `${BASE}/${run.id}/failed-rows/download`],
      ['POST', `${BASE}/${run.id}/cancel`],
      ['POST', `${BASE}/${run.id}/retry`],
      ['GET', `/api/jobs/${run.id}`],
    ];
    for (const [method, path] of routes) {
      const res = await stack.api(method, path, { token: otherToken });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    const list = await stack.api<{ data: Run[] }>('GET', BASE, { token: otherToken });
    expect(list.body.data.map((r) => r.id)).not.toContain(run.id);
    const [row] = await stack.sql<{ n: number }>('SELECT count(*)::int AS n FROM ingest_jobs WHERE parent_id = $1', [
      run.id,
    ]);
    expect(row?.n).toBe(0);
  });

  describe('operator CLI', () => {
    it('lists, shows, cancels and retries runs without a token', async () => {
      const queued = await queuedRun();
      const ended = await endedRun('completed_with_errors', [
        { n: 1, data: { code: 'A' } },
        { n: 2, data: { code: '' }, errors: { message: 'Validation failed.', validation: { code: ['Required.'] } } },
      ]);
      const list = await stack.cli('ingest:list', '--user', owner);
      expect(list.stdout).toContain(`${queued.id}\tstations\tqueued`);
      expect(list.stdout).toContain(`${ended.id}\tstations\tcompleted_with_errors\t2/2 rows\t1 failed\t${owner}`);

      const status = await stack.cli('ingest:status', ended.id);
      const shown = JSON.parse(status.stdout) as { data: Run; errors: Body };
      expect(shown.data).toMatchObject({ id: ended.id, status: 'completed_with_errors', user_id: owner });
      expect(shown.errors).toMatchObject({
        total_failed_rows: 1,
        validation_summary: [{ message: 'code: Required.', count: 1 }],
      });

      const cancel = await stack.cli('ingest:cancel', queued.id);
      expect(cancel.stdout).toBe(`Run ${queued.id} cancelled.\n`);
      const [after] = await stack.sql<{ status: string }>('SELECT status FROM ingest_jobs WHERE id = $1', [queued.id]);
      expect(after?.status).toBe('cancelled');

      const retry = await stack.cli('ingest:retry', ended.id, '--dry-run');
      const childId = /^Run ([0-9a-f-]{36}) queued/.exec(retry.stdout)?.[1];
      const [child] = await stack.sql<{ parent_id: string; dry_run: boolean; owner: string }>(
        'SELECT parent_id, dry_run, owner FROM ingest_jobs WHERE id = $1',
        [childId],
      );
      expect(child).toEqual({ parent_id: ended.id, dry_run: true, owner });
    });

    it('ingest:run stores the file, starts the run and follows it to its end', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'strata-cli-run-'));
      const file = join(dir, 'stations.csv');
      await writeFile(file, CSV);
      // A worker that consumes the import queue, so the run ends and the command returns.
      const worker = await stack.startWorker({ WORKER_QUEUES: 'import' });
      try {
        const cliOwner = uniqueOwner('cli');
        const result = await stack
          .cli('ingest:run', 'stations', '--file', file, '--user', cliOwner)
          .then((r) => ({ ...r, code: 0 }))
          .catch((error: { stdout: string; stderr: string; code: number }) => error);
        const id = /^Run ([0-9a-f-]{36}) queued \(importer stations\)\./m.exec(result.stdout)?.[1];
        expect(id, result.stdout + result.stderr).toBeDefined();
        const [row] = await stack.sql<{ status: string; owner: string; source: Body }>(
          'SELECT status, owner, source FROM ingest_jobs WHERE id = $1',
          [id],
        );
        expect(row?.owner).toBe(cliOwner);
        expect(row?.source).toMatchObject({ type: 'stored-file', size: CSV.length });
        expect(result.stdout).toContain(`Run ${id} ended ${row?.status}.`);
        expect(['completed', 'completed_with_errors', 'failed', 'cancelled']).toContain(row?.status);
        expect(result.code).toBe(row?.status === 'completed' || row?.status === 'completed_with_errors' ? 0 : 1);
      } finally {
        await worker.stop();
      }
    });

    it('refuses a file the importer does not take, before anything is stored', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'strata-cli-bad-'));
      const file = join(dir, 'stations.xlsx');
      await writeFile(file, CSV);
      const failed = await stack
        .cli('ingest:run', 'stations', '--file', file)
        .catch((e: { stderr: string; code: number }) => e);
      expect(failed).toMatchObject({ code: 1 });
      expect((failed as { stderr: string }).stderr).toContain("are not accepted by importer 'stations'");
    });
  });
});
