import { randomUUID } from 'node:crypto';
import { openAsBlob } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFixtures, type FixtureName } from '../fixtures/fixtures.js';
import { Stack, uniqueOwner, type ApiResponse } from '../e2e/support/stack.js';
import {
  CORPUS,
  HOSTILE_IMPORTERS,
  importerFile,
  materialize,
  type CorpusContext,
  type Expect,
  type HostileFile,
  type ImporterSlug,
} from './support/hostile-corpus.js';
import { PROBLEM_JSON, leakIn, writeResults } from './support/matrix-results.js';
import { MemorySampler, type MemoryPeaks } from './support/process-memory.js';
import { startXxeWfs, type XxeWfs } from './support/xxe-wfs.js';

/**
 * The hostile-file corpus (issue 13) through both apps over HTTP: each generated file goes through
 * upload → preview → commit, and through an importer's upload where one takes its format. Wherever it
 * ends, never a 5xx; every error problem+json without a stack, path, SQL or credential; a refusal is a 4xx
 * with a code or a job that fails with a user-safe message; the worker lives on and serves a control job;
 * the worker's and its GDAL children's memory stays under a cap (peaks sampled from /proc, per file).
 * A WFS answering XML with external entities goes through probe, preview and commit, and a recording
 * listener named by every entity sees no connection. Results: docs/security.md § Hostile files.
 */

type Json = Record<string, unknown>;

/** Generous caps: a bounded process stays far below them; an unbounded parse of these files does not. */
const CAP_MIB = { worker: 512, gdal: 768, gateway: 512 };

const TERMINAL = new Set(['completed', 'completed_with_errors', 'failed', 'cancelled']);
/** Failure codes that mean a crash or a bug, never a clean refusal. */
const CRASH_CODES = new Set(['internal', 'gdal-crashed']);

interface RouteResult {
  expected: string;
  /** The steps as they happened: `upload 201`, `preview 422 unreadable`, `job failed gdal-source-rejected`. */
  observed: string;
  ok: boolean;
  problems: string[];
  memory: Record<string, MemoryPeaks>;
}

interface Row {
  id: string;
  group: string;
  label: string;
  size: number;
  upload?: RouteResult;
  importer?: RouteResult & { slug: ImporterSlug };
}

const asText = (v: unknown): string => (typeof v === 'string' ? v : '');
const expectedText = (e: Expect): string =>
  `${{ 'upload-4xx': 'upload 4xx', refused: 'refused (4xx or failed job)', any: 'accepted or refused' }[e.outcome]}${
    e.code ? ` (${e.code.source})` : ''
  }`;

describe('hostile files through upload → preview → commit and the importer upload', () => {
  let stack: Stack;
  let token = '';
  let dir = '';
  let importersDir = '';
  let schema = '';
  let listener: Server;
  let listenerUrl = '';
  const listenerSeen: string[] = [];
  let wfs: XxeWfs;
  let sampler: MemorySampler;
  let ctx: CorpusContext;
  const rows: Row[] = [];
  const wfsRows: { step: string; expected: string; observed: string; ok: boolean }[] = [];
  const controls: string[] = [];

  beforeAll(async () => {
    const fixtures = await ensureFixtures();
    dir = await mkdtemp(join(tmpdir(), 'strata-abuse-hostile-'));
    listener = createServer((req, res) => {
      listenerSeen.push(`${req.method ?? ''} ${req.url ?? ''}`);
      res.writeHead(200, { 'content-type': 'text/plain' }).end('LISTENER-WAS-READ');
    });
    listener.on('connection', () => listenerSeen.push('connection'));
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    listenerUrl = `http://127.0.0.1:${(listener.address() as AddressInfo).port}`;
    wfs = await startXxeWfs(listenerUrl);
    ctx = { dir, listener: listenerUrl, fixture: (name: FixtureName) => fixtures[name] };

    schema = `hostile_${randomUUID().slice(0, 8)}`;
    importersDir = join(dir, 'importers');
    await import('node:fs/promises').then((fs) => fs.mkdir(importersDir));
    for (const slug of Object.keys(HOSTILE_IMPORTERS) as ImporterSlug[]) {
      await writeFile(join(importersDir, `${slug}.yaml`), importerFile(slug, schema));
    }
    stack = await Stack.start({
      env: {
        // The test WFS (and the listener, so that a fetch of an entity would get through and be seen).
        SSRF_ALLOWLIST: '127.0.0.1',
        IMPORTERS_DIR: importersDir,
        // Short limits, so a file that keeps GDAL busy meets the watchdogs within the spec's time.
        PREVIEW_TIMEOUT_MS: '20000',
        SOURCE_READ_TIMEOUT_MS: '30000',
        JOB_ATTEMPTS: '2',
        JOB_BACKOFF_MS: '200',
        SWEEPER_INTERVAL_MS: '0',
        REMOTE_CONNECT_TIMEOUT_MS: '2000',
        STORAGE_LOCAL_ROOT: `${process.env.STORAGE_LOCAL_ROOT}/${randomUUID()}`,
      },
    });
    await stack.sql(`CREATE SCHEMA ${schema}`);
    token = await stack.mintToken(uniqueOwner('hostile'), ['upload', 'create_layers']);
    sampler = new MemorySampler(() => ({
      worker: stack.workers[0]?.child.pid,
      gateway: stack.gateway.child.pid,
    }));
  });

  afterAll(async () => {
    sampler?.stop();
    if (rows.length > 0) {
      const overall = Object.fromEntries(
        [...(sampler?.overall ?? new Map<string, MemoryPeaks>())].map(([k, v]) => [
          k,
          { process: Math.round(v.process), children: Math.round(v.children) },
        ]),
      );
      await writeResults('hostile-files', {
        generated_at: new Date().toISOString(),
        caps_mib: CAP_MIB,
        peaks_mib: overall,
        listener_connections: listenerSeen.length,
        files: rows,
        wfs: wfsRows,
        controls,
      });
    }
    await stack?.sql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await stack?.stop();
    await wfs?.close();
    await new Promise((r) => listener?.close(r));
    await rm(dir, { recursive: true, force: true });
  });

  /** A multipart upload streamed from disk (the 200 MiB files never sit in this process's memory). */
  async function postFile(path: string, name: string, route: string): Promise<ApiResponse<Json>> {
    const form = new FormData();
    form.append('file', await openAsBlob(path), name);
    const res = await fetch(`${stack.baseUrl}${route}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    const text = await res.text();
    let body: unknown = {};
    try {
      body = JSON.parse(text);
    } catch {
      // kept as text
    }
    return { status: res.status, headers: res.headers, body: body as Json, text };
  }

  /** What is wrong with an HTTP answer under the corpus's invariants (empty: nothing). */
  function answerProblems(res: ApiResponse<Json>, where: string, echoes: string[] = []): string[] {
    const problems: string[] = [];
    if (res.status >= 500) problems.push(`${where}: ${res.status}`);
    if (res.status >= 400) {
      if (!PROBLEM_JSON.test(res.headers.get('content-type') ?? '')) problems.push(`${where}: not problem+json`);
      // A refusal may quote what the user sent (an archive's entry name such as ../../../tmp/x): not a leak.
      const own = echoes.reduce((text, echo) => text.split(JSON.stringify(echo).slice(1, -1)).join('<sent>'), res.text);
      const leak = leakIn(own, res.headers, [token]);
      if (leak) problems.push(`${where}: leaks ${leak}`);
      if (!asText(res.body.detail)) problems.push(`${where}: no detail`);
    }
    if (res.text.includes('root:x:0:0') || res.text.includes('LISTENER-WAS-READ')) {
      problems.push(`${where}: shows what an external entity named`);
    }
    return problems;
  }

  /** The refusal code of a problem answer: its `code` extension, else the last segment of its type. */
  const codeOf = (res: ApiResponse<Json>): string =>
    asText(res.body.code) || asText(res.body.type).split('/').pop() || String(res.status);

  async function waitForEnd(id: string, timeoutMs = 150_000): Promise<Json> {
    const deadline = Date.now() + timeoutMs;
    let last: Json = {};
    while (Date.now() < deadline) {
      const res = await stack.api('GET', `/api/jobs/${id}`, { token });
      last = res.body;
      if (TERMINAL.has(asText(last.status))) return last;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`job ${id} did not end: ${JSON.stringify(last).slice(0, 300)}`);
  }

  /** What is wrong with an ended job or run (empty: nothing), and its step text. */
  function jobOutcome(
    job: Json,
    kind: 'job' | 'run',
  ): { step: string; problems: string[]; refused: boolean; code: string } {
    const problems: string[] = [];
    const status = asText(job.status);
    const error = (job.error ?? {}) as Json;
    const code = asText(error.code);
    const message = asText(error.message);
    if (status === 'failed') {
      if (CRASH_CODES.has(code)) problems.push(`${kind} failed as ${code}: ${message}`);
      // A refusal says what is wrong with the file; "an internal error (reference …)" is a bug's answer.
      else if (/internal error/i.test(message)) problems.push(`${kind} failed as an internal error (${code})`);
      if (!message) problems.push(`${kind} failed without a message`);
      const leak = leakIn(message, new Headers());
      if (leak) problems.push(`${kind} message leaks ${leak}`);
    }
    const text = JSON.stringify(job);
    if (text.includes('root:x:0:0') || text.includes('LISTENER-WAS-READ'))
      problems.push(`${kind} shows an entity's target`);
    return { step: `${kind} ${status}${code ? ` ${code}` : ''}`, problems, refused: status === 'failed', code };
  }

  /** Checks that a completed vector dataset holds nothing an external entity named. */
  async function datasetProblems(job: Json): Promise<string[]> {
    if (!job.dataset_id) return [];
    const ds = await stack.api('GET', `/api/datasets/${asText(job.dataset_id)}`, { token });
    const table = asText(ds.body.table_name);
    if (!table) return [];
    const [s, t] = table.split('.') as [string, string];
    const found = await stack.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM "${s}"."${t}" x WHERE x::text LIKE '%root:x:0:0%' OR x::text LIKE '%LISTENER-WAS-READ%'`,
    );
    return (found[0]?.n ?? 0) > 0 ? ['the dataset holds what an external entity named'] : [];
  }

  function judge(want: Expect, refused: boolean, uploadRefused: boolean, code: string): string[] {
    const problems: string[] = [];
    if (want.outcome === 'upload-4xx' && !uploadRefused) problems.push('expected the upload to be refused');
    if (want.outcome === 'refused' && !refused) problems.push('expected a refusal');
    if (want.code && refused && !want.code.test(code))
      problems.push(`refusal code ${code}, expected ${want.code.source}`);
    if (want.code && !refused) problems.push(`no refusal, expected ${want.code.source}`);
    return problems;
  }

  /** What one route made of a file, step by step: the table's text, the problems, the first refusal. */
  class Trace {
    readonly steps: string[] = [];
    readonly problems: string[] = [];
    refused = false;
    uploadRefused = false;
    code = '';

    /** An HTTP step; a 4xx is a refusal (its code kept when it is the first). */
    http(label: string, res: ApiResponse<Json>, echoes?: string[]): void {
      this.steps.push(`${label} ${res.status}${res.status >= 400 ? ` ${codeOf(res)}` : ''}`);
      this.problems.push(...answerProblems(res, label, echoes));
      if (res.status < 400) return;
      if (this.steps.length === 1) this.uploadRefused = true;
      this.refuse(this.steps.length === 1 ? `${codeOf(res)} ${asText(res.body.detail)}` : codeOf(res));
    }

    /** The job or run the route started, ended. */
    ended(outcome: ReturnType<typeof jobOutcome>): void {
      this.steps.push(outcome.step);
      this.problems.push(...outcome.problems);
      if (outcome.refused) this.refuse(outcome.code);
    }

    private refuse(code: string): void {
      this.refused = true;
      this.code ||= code;
    }

    result(want: Expect): RouteResult {
      this.problems.push(...judge(want, this.refused, this.uploadRefused, this.code));
      return finish(want, this.steps, this.problems);
    }
  }

  async function throughUpload(file: HostileFile, path: string, want: Expect): Promise<RouteResult> {
    sampler.take();
    const trace = new Trace();
    const up = await postFile(path, file.name, '/api/ingest/upload');
    trace.http('upload', up, file.echoes);
    if (up.status < 400) {
      const jobId = asText(up.body.job_id);
      trace.http('preview', await stack.api('POST', `/api/ingest/preview/${jobId}`, { token }));
      // The commit runs the preview again where it was refused: it must refuse the same way.
      const commit = await stack.api('POST', `/api/ingest/commit/${jobId}`, {
        token,
        body: { title: `Hostile ${file.id}` },
      });
      trace.http('commit', commit);
      if (commit.status === 202) {
        const job = await waitForEnd(jobId);
        trace.ended(jobOutcome(job, 'job'));
        trace.problems.push(...(await datasetProblems(job)));
      }
    }
    return trace.result(want);
  }

  async function throughImporter(file: HostileFile, path: string, want: Expect & { slug: ImporterSlug }) {
    sampler.take();
    const trace = new Trace();
    const up = await postFile(path, file.name, `/api/v1/ingest/upload/${want.slug}`);
    trace.http('upload', up, file.echoes);
    if (up.status < 400) {
      trace.ended(jobOutcome(await waitForEnd(asText((up.body.data as Json | undefined)?.id)), 'run'));
    }
    return { ...trace.result(want), slug: want.slug };
  }

  function finish(want: Expect, steps: string[], problems: string[]): RouteResult {
    const memory = sampler.take();
    const worker = memory.worker ?? { process: 0, children: 0 };
    const gateway = memory.gateway ?? { process: 0, children: 0 };
    if (worker.process > CAP_MIB.worker) problems.push(`worker RSS ${worker.process} MiB over ${CAP_MIB.worker}`);
    if (worker.children > CAP_MIB.gdal) problems.push(`GDAL children RSS ${worker.children} MiB over ${CAP_MIB.gdal}`);
    if (gateway.process > CAP_MIB.gateway) problems.push(`gateway RSS ${gateway.process} MiB over ${CAP_MIB.gateway}`);
    if (!stack.workers[0]?.running) problems.push('the worker process is gone');
    if (!stack.gateway.running) problems.push('the gateway process is gone');
    return { expected: expectedText(want), observed: steps.join(' → '), ok: problems.length === 0, problems, memory };
  }

  /** A plain GeoJSON through upload → preview → commit: the worker still does its job. */
  async function control(label: string): Promise<string> {
    const fixtures = await ensureFixtures();
    const up = await postFile(fixtures['sample.geojson'], 'control.geojson', '/api/ingest/upload');
    expect(up.status, up.text).toBe(201);
    const jobId = asText(up.body.job_id);
    const preview = await stack.api('POST', `/api/ingest/preview/${jobId}`, { token });
    expect(preview.status, preview.text).toBe(200);
    const commit = await stack.api('POST', `/api/ingest/commit/${jobId}`, { token, body: { title: 'Control' } });
    expect(commit.status, commit.text).toBe(202);
    const job = await waitForEnd(jobId);
    expect(job.status, JSON.stringify(job)).toBe('completed');
    controls.push(`${label}: upload 201 → preview 200 → commit 202 → job completed`);
    return asText(job.status);
  }

  it('control before the corpus: a plain GeoJSON is ingested', async () => {
    expect(await control('before')).toBe('completed');
  });

  it('the corpus holds at least 50 files, each with at least one route', () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(50);
    for (const file of CORPUS) expect(Boolean(file.upload ?? file.importer), file.id).toBe(true);
    expect(new Set(CORPUS.map((f) => f.id)).size).toBe(CORPUS.length);
  });

  it.each(CORPUS.map((file) => ({ file, name: `${file.group}: ${file.label}` })))('$name', async ({ file }) => {
    const { path, size } = await materialize(file, ctx);
    const row: Row = { id: file.id, group: file.group, label: file.label, size };
    rows.push(row);
    try {
      if (file.upload) row.upload = await throughUpload(file, path, file.upload);
      if (file.importer) row.importer = await throughImporter(file, path, file.importer);
    } finally {
      // The 200 MiB files go as soon as they have been sent.
      await rm(path, { force: true });
    }
    expect(row.upload?.problems ?? [], `upload: ${row.upload?.observed ?? ''}`).toEqual([]);
    expect(row.importer?.problems ?? [], `importer: ${row.importer?.observed ?? ''}`).toEqual([]);
  });

  describe('a WFS answering XML with external entities (XXE)', () => {
    /** Records a step for the table; what is wrong with it (empty: nothing). */
    const record = (step: string, expected: string, observed: string, problems: string[]): string[] => {
      wfsRows.push({ step, expected, observed, ok: problems.length === 0 });
      return problems.map((p) => `${step}: ${p} (${observed})`);
    };
    let jobId = '';

    it('probe: the capabilities are read without resolving an entity', async () => {
      const res = await stack.api('POST', '/api/services/probe', { token, body: { url: wfs.url } });
      const problems = answerProblems(res, 'probe');
      // The gateway's own reader skips the DOCTYPE: the capabilities still name the layer.
      expect(res.status, res.text).toBe(200);
      const found = record(
        'POST /api/services/probe',
        'no 5xx; no entity resolved',
        `${res.status}${res.status === 200 ? ` ${asText(res.body.service_type)}, ${JSON.stringify((res.body.layers as Json[] | undefined)?.map((l) => l.name) ?? [])}` : ` ${codeOf(res)}`}`,
        problems,
      );
      expect(found).toEqual([]);
    });

    it('preview: GDAL reads the layer through the guarded proxy without resolving an entity', async () => {
      const res = await stack.api('POST', '/api/services/preview', {
        token,
        body: { url: wfs.url, service_type: 'WFS 2.0.0', layer_name: 'xxe:things' },
      });
      const problems = answerProblems(res, 'preview');
      jobId = asText(res.body.job_id);
      const found = record(
        'POST /api/services/preview',
        'no 5xx; no entity resolved',
        `${res.status}${res.status === 200 ? ` ${String(res.body.feature_count)} features` : ` ${codeOf(res)}`}`,
        problems,
      );
      expect(found).toEqual([]);
      // GDAL read the features (their text is the unexpanded entities, or nothing), so the commit has a job.
      expect(res.status, res.text).toBe(200);
    });

    it('commit: the worker ingests (or refuses) the layer without resolving an entity', async () => {
      expect(jobId, 'the preview created a job').not.toBe('');
      const res = await stack.api('POST', `/api/ingest/commit/${jobId}`, { token, body: { title: 'XXE things' } });
      const problems = answerProblems(res, 'commit');
      let observed = `${res.status}`;
      if (res.status === 202) {
        const job = await waitForEnd(jobId);
        const outcome = jobOutcome(job, 'job');
        problems.push(...outcome.problems, ...(await datasetProblems(job)));
        observed += ` → ${outcome.step}`;
      } else observed += ` ${codeOf(res)}`;
      expect(record('POST /api/ingest/commit/{job_id}', 'no 5xx; no entity resolved', observed, problems)).toEqual([]);
    });

    it('the WFS was asked (so the rows above are real reads), and the listener saw nothing', () => {
      expect(wfs.requests).toContain('getcapabilities');
      expect(listenerSeen).toEqual([]);
    });
  });

  it('control after the corpus: the same worker process still ingests a plain GeoJSON', async () => {
    expect(await control('after')).toBe('completed');
    expect(stack.workers).toHaveLength(1);
    expect(stack.workers[0]?.running).toBe(true);
    // Nothing any XXE file named was ever fetched, during the whole corpus.
    expect(listenerSeen).toEqual([]);
    // No importer run wrote what an entity named.
    for (const slug of Object.keys(HOSTILE_IMPORTERS)) {
      const table = slug.replace(/-/g, '_');
      const exists = await stack.sql<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [`${schema}.${table}`]);
      if (!exists[0]?.t) continue;
      const found = await stack.sql<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${schema}.${table} x WHERE x::text LIKE '%root:x:0:0%' OR x::text LIKE '%LISTENER-WAS-READ%'`,
      );
      expect(found[0]?.n, table).toBe(0);
    }
  });
});
