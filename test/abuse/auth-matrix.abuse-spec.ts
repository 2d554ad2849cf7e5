import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_CAPABILITIES, Capability } from '@app/security';
import { stationsImporter, urlImporter, writeImporters, type ImporterFiles } from '../e2e/support/importers.js';
import { TestBucket, s3TestEnv } from '../e2e/support/s3.js';
import { freePort, Stack, uniqueOwner } from '../e2e/support/stack.js';
import { answerOf, type Answer } from './support/answers.js';
import { PROBLEM_JSON, leakIn, writeResults } from './support/matrix-results.js';

/**
 * The authorization matrix, generated from the committed openapi.json: every operation × {no token,
 * garbage token, revoked token, a token without the capability the operation needs, a scrape-only token,
 * another owner's resource} must answer 401 / 401 / 401 / 403 / 403 / 404 as problem+json that leaks
 * nothing. The scrape-only token (`metrics` alone, owner A's own) is Prometheus' credential, not an API
 * one: it is also what the capability column sends where an operation needs no capability, and only what
 * needs `metrics` lets it through (200). The capability an operation needs is read from its
 * `x-required-capabilities` (written by `@RequireCapabilities`), so a route added or re-guarded changes
 * the matrix by itself; what this file supplies per operation is only how to fill it in (path
 * parameters, a valid body) and, for the owner column, which resource of owner A it names or why it
 * names none. The file fails when openapi.json has an operation it does not cover, or when one of its
 * entries (or public allow-list entries) names an operation that no longer exists.
 *
 * Fixtures belong to owner A and are created once (through the API where that is cheap, in the database
 * where a worker would be needed: datasets, a VRT, an ended importer run). No worker consumes the queues
 * the routes use, and a snapshot of both owners' jobs, datasets, VRT state and stored objects taken
 * before the matrix must be unchanged after it: no refused request did anything.
 */

type Json = Record<string, unknown>;
type Column = 'no_token' | 'garbage_token' | 'revoked_token' | 'lacking_capability' | 'scrape_only' | 'other_owner';

const COLUMNS: { id: Column; title: string; expected: number; code: string }[] = [
  { id: 'no_token', title: 'No token', expected: 401, code: 'unauthenticated' },
  { id: 'garbage_token', title: 'Garbage token', expected: 401, code: 'unauthenticated' },
  { id: 'revoked_token', title: 'Revoked token', expected: 401, code: 'unauthenticated' },
  { id: 'lacking_capability', title: 'Token without the capability', expected: 403, code: 'forbidden' },
  { id: 'scrape_only', title: 'Scrape-only token', expected: 403, code: 'forbidden' },
  { id: 'other_owner', title: "Another owner's resource", expected: 404, code: 'not-found' },
];

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

interface Operation {
  key: string;
  method: string;
  path: string;
  public: boolean;
  /** From `x-required-capabilities`; undefined when openapi.json does not say (a failure for a guarded route). */
  capabilities: string[] | undefined;
}

function operationsOf(document: { paths: Record<string, Record<string, Json>> }): Operation[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => HTTP_METHODS.includes(method))
      .map(([method, op]) => {
        const listed = op['x-required-capabilities'];
        return {
          key: `${method.toUpperCase()} ${path}`,
          method: method.toUpperCase(),
          path,
          public: !Array.isArray(op.security) || op.security.length === 0,
          capabilities: Array.isArray(listed) ? listed.map(String) : undefined,
        };
      }),
  );
}

const OPERATIONS = operationsOf(JSON.parse(readFileSync('openapi.json', 'utf8')) as Parameters<typeof operationsOf>[0]);

/**
 * Operations anyone may call, each with why. Checked both ways against openapi.json: each must exist
 * there without a security requirement, and every operation without one must be listed here.
 */
const PUBLIC_OPERATIONS: Record<string, string> = {
  'GET /api/health/live': 'Liveness probe for orchestrators: says only that the process answers.',
  'GET /api/health/ready':
    'Readiness probe for orchestrators and load balancers: names which dependency is down, nothing more.',
};

/**
 * Served by the gateway (or a worker) outside openapi.json. Each is requested: a public one must answer
 * 200 without a token (it still exists), a guarded one goes through the same columns as the matrix.
 */
const PUBLIC_PAGES: Record<string, string> = {
  'GET /docs': 'Swagger UI: the API description, no data.',
  'GET /docs-json': 'The OpenAPI document itself (the same as the committed openapi.json).',
  'GET worker:/health/live': "The worker's liveness probe (its metrics port, loopback by default).",
  'GET worker:/health/ready': "The worker's readiness probe: which dependency is down, nothing more.",
};

interface Fixtures {
  uploadJob: string;
  presignedJob: string;
  vectorDataset: string;
  raster1: string;
  raster2: string;
  vrt: string;
  run: string;
  /** B's own VRT and raster, for the body-borne owner checks. */
  bVrt: string;
  bRaster: string;
}

/** A request, as every column sends it (only the token differs). */
interface Request {
  params?: Record<string, string>;
  body?: unknown;
  /** Multipart upload (field `file`). */
  file?: { name: string; data: Buffer };
}

type Owner =
  /** The request names resources of A (`ids`): B gets the same 404 as for ids that do not exist. */
  | { kind: 'owned'; ids: (f: Fixtures) => string[] }
  /** A list: B gets 200 without any of A's items. */
  | { kind: 'filtered'; ids: (f: Fixtures) => string[]; items: (body: Json) => string[] }
  | { kind: 'na'; reason: string };

interface Case {
  request: (f: Fixtures) => Request;
  owner: Owner;
  /** GET only: A's own token gets 200 (the fixture is real, so B's 404 is isolation, not absence). */
  control?: boolean;
}

const GEOJSON = Buffer.from(
  '{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"name":"a"},"geometry":{"type":"Point","coordinates":[15,45]}}]}',
);
const CSV = Buffer.from('code,name\nA1,Alpha\nB2,Beta\n');

const NOT_OWNED = {
  create: 'Creates a new resource for the caller; names none of anyone else’s.',
  remote: 'Names a remote URL, not a stored resource (SSRF: ssrf-routes.abuse-spec.ts).',
  importer: 'Importer definitions are shared operator configuration (IMPORTERS_DIR), not owned.',
  config: 'Server-wide settings; no owned resource.',
  metrics: 'Process-wide metrics; no owned resource.',
} as const;

/** A JSON value as text when it is a string, else ''. */
const asText = (value: unknown): string => (typeof value === 'string' ? value : '');

const listIds = (body: Json): string[] => ((body.data as Json[] | undefined) ?? []).map((d) => String(d.id));

/** How to fill in each operation. Keys must match openapi.json exactly (checked both ways). */
const CASES: Record<string, Case> = {
  'POST /api/admin/diagnostics': {
    request: () => ({ body: { steps: 1, step_ms: 0 } }),
    owner: { kind: 'na', reason: NOT_OWNED.create },
  },
  'GET /api/datasets': {
    request: () => ({}),
    owner: { kind: 'filtered', ids: (f) => [f.vectorDataset, f.raster1, f.raster2, f.vrt], items: listIds },
    control: true,
  },
  'GET /api/datasets/{id}': {
    request: (f) => ({ params: { id: f.vectorDataset } }),
    owner: { kind: 'owned', ids: (f) => [f.vectorDataset] },
    control: true,
  },
  'DELETE /api/datasets/{id}': {
    request: (f) => ({ params: { id: f.vectorDataset } }),
    owner: { kind: 'owned', ids: (f) => [f.vectorDataset] },
  },
  'GET /api/datasets/{id}/vrt/status': {
    request: (f) => ({ params: { id: f.vrt } }),
    owner: { kind: 'owned', ids: (f) => [f.vrt] },
    control: true,
  },
  'GET /api/importers': { request: () => ({}), owner: { kind: 'na', reason: NOT_OWNED.importer }, control: true },
  'GET /api/importers/{slug}': {
    request: () => ({ params: { slug: 'stations' } }),
    owner: { kind: 'na', reason: NOT_OWNED.importer },
    control: true,
  },
  'POST /api/ingest/commit-fan-out/{job_id}': {
    request: (f) => ({
      params: { job_id: f.uploadJob },
      body: { layers: [{ layer_name: 'points', title: 'Hijack' }] },
    }),
    owner: { kind: 'owned', ids: (f) => [f.uploadJob] },
  },
  'POST /api/ingest/commit/{job_id}': {
    request: (f) => ({ params: { job_id: f.uploadJob }, body: { title: 'Hijack' } }),
    owner: { kind: 'owned', ids: (f) => [f.uploadJob] },
  },
  'POST /api/ingest/preview/{job_id}': {
    request: (f) => ({ params: { job_id: f.uploadJob } }),
    owner: { kind: 'owned', ids: (f) => [f.uploadJob] },
  },
  'POST /api/ingest/upload': {
    request: () => ({ file: { name: 'points.geojson', data: GEOJSON } }),
    owner: { kind: 'na', reason: NOT_OWNED.create },
  },
  'GET /api/ingest/upload/config': { request: () => ({}), owner: { kind: 'na', reason: NOT_OWNED.config } },
  'POST /api/ingest/upload/presigned': {
    request: () => ({ body: { filename: 'points.geojson', file_size: GEOJSON.length } }),
    owner: { kind: 'na', reason: NOT_OWNED.create },
  },
  'POST /api/ingest/upload/presigned/{job_id}/abort': {
    request: (f) => ({ params: { job_id: f.presignedJob } }),
    owner: { kind: 'owned', ids: (f) => [f.presignedJob] },
  },
  'POST /api/ingest/upload/presigned/{job_id}/complete': {
    request: (f) => ({ params: { job_id: f.presignedJob }, body: { parts: [] } }),
    owner: { kind: 'owned', ids: (f) => [f.presignedJob] },
  },
  'POST /api/ingest/vrt/create': {
    // A's rasters in the body: B may not build a mosaic out of them.
    request: (f) => ({
      body: {
        source_dataset_ids: [f.raster1, f.raster2],
        vrt_type: 'mosaic',
        resolution_strategy: 'finest',
        title: 'Hijack',
      },
    }),
    owner: { kind: 'owned', ids: (f) => [f.raster1, f.raster2] },
  },
  'POST /api/ingest/vrt/{dataset_id}/regenerate': {
    request: (f) => ({ params: { dataset_id: f.vrt } }),
    owner: { kind: 'owned', ids: (f) => [f.vrt] },
  },
  'POST /api/ingest/vrt/{dataset_id}/sources': {
    request: (f) => ({ params: { dataset_id: f.vrt }, body: { source_dataset_id: f.raster1 } }),
    owner: { kind: 'owned', ids: (f) => [f.vrt, f.raster1] },
  },
  'DELETE /api/ingest/vrt/{dataset_id}/sources/{source_dataset_id}': {
    request: (f) => ({ params: { dataset_id: f.vrt, source_dataset_id: f.raster1 } }),
    owner: { kind: 'owned', ids: (f) => [f.vrt, f.raster1] },
  },
  'GET /api/jobs/{id}': {
    request: (f) => ({ params: { id: f.uploadJob } }),
    owner: { kind: 'owned', ids: (f) => [f.uploadJob] },
    control: true,
  },
  'POST /api/jobs/{id}/cancel': {
    request: (f) => ({ params: { id: f.uploadJob } }),
    owner: { kind: 'owned', ids: (f) => [f.uploadJob] },
  },
  'GET /api/jobs/{id}/children': {
    request: (f) => ({ params: { id: f.uploadJob } }),
    owner: { kind: 'owned', ids: (f) => [f.uploadJob] },
    control: true,
  },
  'POST /api/jobs/{id}/retry': {
    request: (f) => ({ params: { id: f.uploadJob } }),
    owner: { kind: 'owned', ids: (f) => [f.uploadJob] },
  },
  'POST /api/services/preview': {
    request: () => ({
      body: { url: 'https://services.example.org/ogc', service_type: 'OGC API Features', layer_name: 'roads' },
    }),
    owner: { kind: 'na', reason: NOT_OWNED.remote },
  },
  'POST /api/services/probe': {
    request: () => ({ body: { url: 'https://services.example.org/ogc' } }),
    owner: { kind: 'na', reason: NOT_OWNED.remote },
  },
  'GET /api/v1/ingest': {
    request: () => ({}),
    owner: { kind: 'filtered', ids: (f) => [f.run], items: listIds },
    control: true,
  },
  'POST /api/v1/ingest/trigger/{slug}': {
    request: () => ({ params: { slug: 'feed' }, body: { dry_run: true } }),
    owner: { kind: 'na', reason: NOT_OWNED.importer },
  },
  'POST /api/v1/ingest/upload/{slug}': {
    request: () => ({ params: { slug: 'stations' }, file: { name: 'stations.csv', data: CSV } }),
    owner: { kind: 'na', reason: NOT_OWNED.importer },
  },
  'GET /api/v1/ingest/{id}': {
    request: (f) => ({ params: { id: f.run } }),
    owner: { kind: 'owned', ids: (f) => [f.run] },
    control: true,
  },
  'POST /api/v1/ingest/{id}/cancel': {
    request: (f) => ({ params: { id: f.run } }),
    owner: { kind: 'owned', ids: (f) => [f.run] },
  },
  'GET /api/v1/ingest/{id}/errors/summary': {
    request: (f) => ({ params: { id: f.run } }),
    owner: { kind: 'owned', ids: (f) => [f.run] },
    control: true,
  },
  'GET /api/v1/ingest/{id}/failed-rows/download': {
    request: (f) => ({ params: { id: f.run } }),
    owner: { kind: 'owned', ids: (f) => [f.run] },
    control: true,
  },
  'POST /api/v1/ingest/{id}/retry': {
    request: (f) => ({ params: { id: f.run }, body: { dry_run: true } }),
    owner: { kind: 'owned', ids: (f) => [f.run] },
  },
  'GET /metrics': { request: () => ({}), owner: { kind: 'na', reason: NOT_OWNED.metrics } },
};

/**
 * Guarded surfaces outside openapi.json (middleware and the worker's own server), through the same
 * columns. `capabilities` is what their code checks (queue-dashboard.auth.ts, metrics-server.service.ts).
 */
const EXTRA_GUARDED: { key: string; capabilities: string[]; reason: string }[] = [
  { key: 'GET /admin/queues', capabilities: ['admin'], reason: 'Queue dashboard (bull-board); every queue, no owner.' },
  {
    key: 'GET /admin/queues/api/queues',
    capabilities: ['admin'],
    reason: "The dashboard's JSON API: job data of every owner, admin only.",
  },
  { key: 'GET worker:/metrics', capabilities: ['metrics'], reason: "A worker's Prometheus metrics; no owner." },
];

/**
 * Owner checks where A's resource travels in the body of a request on B's own resource: B may not pull
 * A's dataset into B's VRT, nor mix it into a new one.
 */
const BODY_OWNER_CASES: {
  key: string;
  path: (f: Fixtures) => string;
  method: string;
  body: (f: Fixtures) => Json;
  ids: (f: Fixtures) => string[];
}[] = [
  {
    key: "POST /api/ingest/vrt/{B's VRT}/sources with A's raster",
    method: 'POST',
    path: (f) => `/api/ingest/vrt/${f.bVrt}/sources`,
    body: (f) => ({ source_dataset_id: f.raster1 }),
    ids: (f) => [f.raster1],
  },
  {
    key: "POST /api/ingest/vrt/create from B's raster and A's raster",
    method: 'POST',
    path: () => '/api/ingest/vrt/create',
    body: (f) => ({
      source_dataset_ids: [f.bRaster, f.raster1],
      vrt_type: 'mosaic',
      resolution_strategy: 'finest',
      title: 'Mixed',
    }),
    ids: (f) => [f.raster1],
  },
];

const IMPORTERS: ImporterFiles = {
  'stations.yaml': stationsImporter('public.abuse_stations', 4096),
  'feed.yaml': urlImporter('public.abuse_stations', 'https://data.example.org/stations.csv'),
};

interface Cell {
  expected: string;
  observed: string;
  ok: boolean;
  reason?: string;
}

interface Row {
  operation: string;
  source: 'openapi' | 'outside openapi';
  capabilities: string[];
  cells: Partial<Record<Column, Cell>>;
  control?: Cell;
}

describe('authorization matrix (generated from openapi.json)', () => {
  let stack: Stack;
  let workerBase = '';
  let importersDir = '';
  let bucket: TestBucket;
  let ownerA = '';
  let ownerB = '';
  /** A and B with every capability. */
  let tokenA = '';
  let tokenB = '';
  let revoked = '';
  /** A's token with `metrics` alone: Prometheus' credential. */
  let scrapeOnly = '';
  const garbage = `stk_${randomBytes(32).toString('base64url')}`;
  /** A's tokens lacking one set of capabilities, by the sorted required list. */
  const lacking = new Map<string, string>();
  let f: Fixtures;
  let before: string[] = [];
  const rows: Row[] = [];
  const bodyOwnerRows: { check: string; expected: string; observed: string; ok: boolean }[] = [];
  const publicRows: { operation: string; reason: string; observed: string; ok: boolean }[] = [];

  const secrets = (): string[] =>
    [tokenA, tokenB, revoked, scrapeOnly, garbage, ...lacking.values()]
      .flatMap((t) => [t, t.slice(0, 12)])
      .filter(Boolean);

  /** The token a column sends for an operation needing `capabilities`; null when the column does not apply. */
  const tokenFor = (column: Column, capabilities: string[]): string | null | undefined => {
    if (column === 'no_token') return undefined;
    if (column === 'garbage_token') return garbage;
    if (column === 'revoked_token') return revoked;
    if (column === 'other_owner') return tokenB;
    // Needing no capability is needing an API token: the scrape-only one lacks that.
    if (column === 'scrape_only' || capabilities.length === 0) return scrapeOnly;
    return lacking.get([...capabilities].sort().join(',')) ?? null;
  };

  /** What a column expects of an operation needing `capabilities`: the scrape-only token may scrape. */
  const expectationFor = (
    column: (typeof COLUMNS)[number],
    capabilities: string[],
  ): { status: number; code: string } | 'scrape' =>
    column.id === 'scrape_only' && capabilities.includes(Capability.Metrics)
      ? 'scrape'
      : { status: column.expected, code: column.code };

  /** The scrape-only token on what it is for: 200, a Prometheus exposition. */
  function checkScrape(res: Answer, where: string): Cell {
    const problems: string[] = [];
    if (res.status !== 200) problems.push(`status ${res.status}`);
    if (!/^text\/plain\b/.test(res.headers.get('content-type') ?? '')) {
      problems.push(`content-type ${res.headers.get('content-type') ?? 'none'}`);
    }
    expect(problems, `${where}: ${res.text.slice(0, 300)}`).toEqual([]);
    return {
      expected: '200',
      observed: problems.length === 0 ? `${res.status}` : `${res.status} (${problems.join('; ')})`,
      ok: problems.length === 0,
    };
  }

  const withoutCapabilities = (required: string[]): string[] =>
    ALL_CAPABILITIES.filter((c) => c !== Capability.Admin && !required.includes(c));

  async function send(method: string, path: string, token: string | undefined, request: Request): Promise<Answer> {
    const worker = path.startsWith('worker:');
    const url = worker ? `${workerBase}${path.slice('worker:'.length)}` : `${stack.baseUrl}${path}`;
    const headers: Record<string, string> = {};
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    let body: string | FormData | undefined;
    if (request.file) {
      const form = new FormData();
      form.append('file', new Blob([request.file.data]), request.file.name);
      body = form;
    } else if (request.body !== undefined) {
      body = JSON.stringify(request.body);
      headers['content-type'] = 'application/json';
    }
    return answerOf(await fetch(url, { method, headers, body, redirect: 'manual' }));
  }

  const fill = (path: string, params: Record<string, string> = {}): string =>
    path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = params[name];
      if (value === undefined) throw new Error(`no value for path parameter {${name}} of ${path}`);
      return encodeURIComponent(value);
    });

  /** Checks a refusal: status, problem+json of the right type, nothing leaked. The observed summary. */
  function checkRefusal(
    res: Awaited<ReturnType<typeof send>>,
    expected: { status: number; code: string },
    where: string,
  ): Cell {
    const problems: string[] = [];
    if (res.status !== expected.status) problems.push(`status ${res.status}`);
    if (!PROBLEM_JSON.test(res.headers.get('content-type') ?? '')) {
      problems.push(`content-type ${res.headers.get('content-type') ?? 'none'}`);
    }
    const type = asText(res.body.type);
    if (!type.endsWith(`/${expected.code}`)) problems.push(`type ${type}`);
    if (res.body.status !== res.status || typeof res.body.title !== 'string' || typeof res.body.detail !== 'string') {
      problems.push('not a complete problem document');
    }
    if (expected.status === 401 && res.headers.get('www-authenticate') !== 'Bearer realm="strata"') {
      problems.push('no WWW-Authenticate challenge');
    }
    const leak = leakIn(res.text, res.headers, secrets());
    if (leak) problems.push(`leaks ${leak}`);
    expect(problems, `${where}: ${res.text.slice(0, 300)}`).toEqual([]);
    return {
      expected: `${expected.status}`,
      observed: problems.length === 0 ? `${res.status}` : `${res.status} (${problems.join('; ')})`,
      ok: problems.length === 0,
    };
  }

  /** Row counts and states of everything both owners hold, and the stored objects. */
  async function snapshot(): Promise<string[]> {
    const lines = await stack.sql<{ line: string }>(
      `WITH mine AS (SELECT id FROM datasets WHERE owner = ANY($1))
       SELECT 'job ' || id || ' ' || kind || ' ' || status || ' ' || updated_at || ' ' || coalesce(source->>'key', '') AS line
         FROM ingest_jobs WHERE owner = ANY($1)
       UNION ALL SELECT 'dataset ' || id || ' ' || updated_at FROM datasets WHERE owner = ANY($1)
       UNION ALL SELECT 'vrt ' || dataset_id || ' v' || version || ' g' || generation || ' ' || coalesce(pending_generation, 0)
         FROM vrt_mosaics WHERE dataset_id IN (SELECT id FROM mine)
       UNION ALL SELECT 'link ' || vrt_dataset_id || ' ' || source_dataset_id || ' ' || position
         FROM vrt_links WHERE vrt_dataset_id IN (SELECT id FROM mine) OR source_dataset_id IN (SELECT id FROM mine)
       UNION ALL SELECT 'generation ' || vrt_dataset_id || ' ' || generation || ' ' || status
         FROM vrt_generations WHERE vrt_dataset_id IN (SELECT id FROM mine)
       UNION ALL SELECT 'rows ' || count(*) FROM ingest_rows WHERE job_id IN (SELECT id FROM ingest_jobs WHERE owner = ANY($1))
       UNION ALL SELECT 'tokens ' || count(*) || ' revoked ' || count(revoked_at) FROM api_tokens WHERE owner = ANY($1)`,
      [[ownerA, ownerB]],
    );
    const objects = await bucket.s3.send(new ListObjectsV2Command({ Bucket: bucket.name }));
    return [
      ...lines.map((r) => r.line),
      ...(objects.Contents ?? []).map((o) => `object ${o.Key ?? ''} ${o.Size ?? 0}`),
    ].sort();
  }

  beforeAll(async () => {
    bucket = await TestBucket.create(
      'strata-abuse',
      s3TestEnv('the presigned-upload routes exist only with S3 storage'),
    );
    importersDir = await writeImporters(IMPORTERS, { prefix: 'strata-abuse-importers' });
    const workerPort = await freePort();
    workerBase = `http://127.0.0.1:${workerPort}`;
    stack = await Stack.start({
      env: {
        ...bucket.stackEnv(),
        IMPORTERS_DIR: importersDir,
        SWEEPER_INTERVAL_MS: '0',
      },
      // Only the `system` queue (diagnostics, which no refused request creates): nothing a route queues runs.
      workerEnv: { WORKER_QUEUES: 'system', WORKER_METRICS_PORT: String(workerPort), WORKER_METRICS_HOST: '127.0.0.1' },
    });

    ownerA = uniqueOwner('matrix-a');
    ownerB = uniqueOwner('matrix-b');
    const every = ALL_CAPABILITIES.map(String);
    // The first CLI call alone (it builds when dist/ is stale), the others side by side.
    tokenA = await stack.mintToken(ownerA, every);
    [tokenB, revoked, scrapeOnly] = await Promise.all([
      stack.mintToken(ownerB, every),
      stack.mintToken(ownerA, every),
      stack.mintToken(ownerA, [Capability.Metrics]),
    ]);
    const requiredSets = new Map<string, string[]>();
    for (const op of OPERATIONS) {
      if (op.capabilities?.length) requiredSets.set([...op.capabilities].sort().join(','), op.capabilities);
    }
    for (const extra of EXTRA_GUARDED) requiredSets.set([...extra.capabilities].sort().join(','), extra.capabilities);
    await Promise.all(
      [...requiredSets].map(async ([key, required]) => {
        const others = withoutCapabilities(required);
        if (others.length > 0) lacking.set(key, await stack.mintToken(ownerA, others));
      }),
    );
    // Revoked through the operator CLI, as an operator would.
    const listed = (await stack.cli('token:list', '--user', ownerA)).stdout.trim().split('\n');
    const revokedId = listed.find((line) => line.split('\t')[2] === `${revoked.slice(0, 12)}…`)?.split('\t')[0];
    if (!revokedId) throw new Error(`the revoked token is not in token:list:\n${listed.join('\n')}`);
    const revokedOut = (await stack.cli('token:revoke', revokedId)).stdout;
    if (!revokedOut.includes(`Revoked ${revokedId}`)) throw new Error(`token:revoke said: ${revokedOut}`);

    // A's upload job (pending) and presigned upload (pending, nothing uploaded).
    const upload = await stack.upload<{ job_id: string }>(tokenA, { name: 'points.geojson', data: GEOJSON });
    if (upload.status !== 201) throw new Error(`upload: ${upload.text}`);
    const presigned = await stack.api<{ job_id: string }>('POST', '/api/ingest/upload/presigned', {
      token: tokenA,
      body: { filename: 'later.geojson', file_size: GEOJSON.length },
    });
    if (presigned.status !== 201) throw new Error(`presigned upload: ${presigned.text}`);

    // Datasets, rasters and VRTs straight into the database: building them needs a worker and GDAL, and
    // what is checked here is who may reach them.
    const insertDataset = async (owner: string, kind: string, title: string, extra: Json = {}): Promise<string> => {
      const [row] = await stack.sql<{ id: string }>(
        `INSERT INTO datasets (owner, kind, title, table_name, storage_key, crs, geometry_type, feature_count, extent, columns)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '{15,45,15.5,45.2}', '[]') RETURNING id`,
        [
          owner,
          kind,
          title,
          extra.table_name ?? null,
          extra.storage_key ?? null,
          extra.crs ?? 4326,
          extra.geometry_type ?? null,
          extra.feature_count ?? null,
        ],
      );
      return row?.id ?? '';
    };
    const insertVrt = async (owner: string, sources: string[]): Promise<string> => {
      const id = await insertDataset(owner, 'vrt', 'Mosaic', { storage_key: `datasets/${randomUUID()}/g1.vrt` });
      await stack.sql(
        `INSERT INTO vrt_mosaics (dataset_id, vrt_type, resolution_strategy, version, generation, last_generation)
         VALUES ($1, 'mosaic', 'finest', 0, 1, 1)`,
        [id],
      );
      for (const [position, source] of sources.entries()) {
        await stack.sql('INSERT INTO vrt_links (vrt_dataset_id, source_dataset_id, position) VALUES ($1, $2, $3)', [
          id,
          source,
          position,
        ]);
      }
      await stack.sql(
        `INSERT INTO vrt_generations (vrt_dataset_id, generation, status, source_ids, storage_key, completed_at)
         VALUES ($1, 1, 'published', $2::uuid[], 'g1.vrt', now())`,
        [id, sources],
      );
      return id;
    };
    const vectorDataset = await insertDataset(ownerA, 'vector', 'Parcels', {
      table_name: `strata_data.abuse_${randomUUID().slice(0, 8)}`,
      geometry_type: 'MultiPolygon',
      feature_count: 12,
    });
    const raster1 = await insertDataset(ownerA, 'raster', 'Tile 1', { storage_key: 'datasets/r1/r1.tif' });
    const raster2 = await insertDataset(ownerA, 'raster', 'Tile 2', { storage_key: 'datasets/r2/r2.tif' });
    const vrt = await insertVrt(ownerA, [raster1, raster2]);
    const bRaster = await insertDataset(ownerB, 'raster', 'B tile', { storage_key: 'datasets/b1/b1.tif' });
    const bRaster2 = await insertDataset(ownerB, 'raster', 'B tile 2', { storage_key: 'datasets/b2/b2.tif' });
    const bVrt = await insertVrt(ownerB, [bRaster, bRaster2]);

    // A's importer run, ended with failed rows (as the pipeline would leave it), so every run route applies.
    const form = new FormData();
    form.append('file', new Blob([CSV]), 'stations.csv');
    const runRes = await fetch(`${stack.baseUrl}/api/v1/ingest/upload/stations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokenA}` },
      body: form,
    });
    const runBody = (await runRes.json()) as { data: { id: string } };
    if (runRes.status !== 202) throw new Error(`importer upload: ${JSON.stringify(runBody)}`);
    const run = runBody.data.id;
    await stack.sql(
      `UPDATE ingest_jobs SET status = 'completed_with_errors', started_at = now(), completed_at = now(),
         rows_total = 2, rows_processed = 2, rows_failed = 1 WHERE id = $1`,
      [run],
    );
    await stack.sql(
      `INSERT INTO ingest_rows (job_id, row_number, status, data, errors) VALUES
         ($1, 1, 'succeeded', '{"code":"A1","name":"Alpha"}', NULL),
         ($1, 2, 'failed', '{"code":"","name":"Beta"}', '[{"field":"code","message":"code is required"}]')`,
      [run],
    );

    f = {
      uploadJob: upload.body.job_id,
      presignedJob: presigned.body.job_id,
      vectorDataset,
      raster1,
      raster2,
      vrt,
      run,
      bVrt,
      bRaster,
    };
    before = await snapshot();
  });

  afterAll(async () => {
    if (rows.length > 0) {
      await writeResults('auth-matrix', {
        generated_at: new Date().toISOString(),
        openapi_operations: OPERATIONS.length,
        columns: COLUMNS,
        public: publicRows,
        rows,
        body_owner_checks: bodyOwnerRows,
      });
    }
    await stack?.stop();
    await bucket?.drop().catch(() => undefined);
    if (importersDir) await rm(importersDir, { recursive: true, force: true });
  });

  it('covers every operation of openapi.json, each stating the capabilities it needs', () => {
    const guarded = OPERATIONS.filter((op) => !op.public);
    expect(guarded.length).toBeGreaterThan(0);
    const uncovered = guarded.filter((op) => !CASES[op.key]).map((op) => op.key);
    const stale = Object.keys(CASES).filter((key) => !guarded.some((op) => op.key === key));
    expect(uncovered, 'operations in openapi.json that this matrix does not cover').toEqual([]);
    expect(stale, 'matrix entries for operations openapi.json no longer has (or that became public)').toEqual([]);
    const unstated = guarded.filter((op) => op.capabilities === undefined).map((op) => op.key);
    expect(unstated, 'operations without x-required-capabilities').toEqual([]);
    const unknown = guarded.flatMap((op) =>
      (op.capabilities ?? []).filter((c) => !(ALL_CAPABILITIES as readonly string[]).includes(c)),
    );
    expect(unknown, 'capabilities the Capability enum does not know').toEqual([]);
  });

  it('lets only the reasoned public allow-list through without a token', async () => {
    const open = OPERATIONS.filter((op) => op.public).map((op) => op.key);
    expect(open.sort(), 'public operations in openapi.json vs the allow-list').toEqual(
      Object.keys(PUBLIC_OPERATIONS).sort(),
    );
    for (const [key, reason] of [...Object.entries(PUBLIC_OPERATIONS), ...Object.entries(PUBLIC_PAGES)]) {
      const [method, path] = key.split(' ') as [string, string];
      const res = await send(method, path, undefined, {});
      const leak = leakIn(res.text, res.headers, secrets());
      expect(res.status, `${key} must still exist and be public`).toBe(200);
      expect(leak, key).toBeNull();
      publicRows.push({ operation: key, reason, observed: `${res.status}`, ok: res.status === 200 && !leak });
    }
  });

  it.each(OPERATIONS.filter((op) => !op.public))('$key', async (op) => {
    const c = CASES[op.key];
    if (!c) throw new Error(`${op.key} is not covered (see the first test)`);
    const capabilities = op.capabilities ?? [];
    const request = c.request(f);
    const path = fill(op.path, request.params);
    const row: Row = { operation: op.key, source: 'openapi', capabilities, cells: {} };
    rows.push(row);
    for (const column of COLUMNS) {
      const where = `${op.key} × ${column.title}`;
      if (column.id === 'other_owner') {
        row.cells.other_owner = await ownerCell(op, c, request, path, where);
        continue;
      }
      const token = tokenFor(column.id, capabilities);
      if (token === null) {
        row.cells[column.id] = {
          expected: 'n/a',
          observed: 'n/a',
          ok: true,
          reason: 'Every capability but admin is needed: no token lacks only some.',
        };
        continue;
      }
      const res = await send(op.method, path, token, request);
      const expected = expectationFor(column, capabilities);
      row.cells[column.id] = expected === 'scrape' ? checkScrape(res, where) : checkRefusal(res, expected, where);
    }
    const controlProblems: string[] = [];
    if (c.control) {
      if (op.method !== 'GET') controlProblems.push('controls are for reads only');
      const res = await send(op.method, path, tokenA, request);
      if (res.status !== 200) controlProblems.push(`as its owner: ${res.status} ${res.text.slice(0, 300)}`);
      row.control = { expected: '200', observed: `${res.status}`, ok: res.status === 200 };
    }
    expect(controlProblems, op.key).toEqual([]);
    expect(Object.values(row.cells).every((cell) => cell.ok)).toBe(true);
  });

  async function ownerCell(op: Operation, c: Case, request: Request, path: string, where: string): Promise<Cell> {
    const owner = c.owner;
    if (owner.kind === 'na') return { expected: 'n/a', observed: 'n/a', ok: true, reason: owner.reason };
    if (owner.kind === 'filtered') {
      const res = await send(op.method, path, tokenB, request);
      const seen = owner.items(res.body);
      const leaked = owner.ids(f).filter((id) => seen.includes(id));
      const mine = owner.items((await send(op.method, path, tokenA, request)).body);
      const listProblems = [
        ...(res.status === 200 ? [] : [`status ${res.status}`]),
        ...leaked.map((id) => `A's ${id} in B's list`),
        ...owner
          .ids(f)
          .filter((id) => !mine.includes(id))
          .map((id) => `A's ${id} missing from A's own list`),
      ];
      return {
        expected: "200 without A's items",
        observed: listProblems.length
          ? listProblems.join('; ')
          : `${res.status}, ${leaked.length} of A's ${owner.ids(f).length} items`,
        ok: listProblems.length === 0,
      };
    }
    // B names A's resources; then the same request naming ids that do not exist: the two 404s must be
    // the same answer (no way to tell "someone else's" from "nothing there").
    const theirs = await send(op.method, path, tokenB, request);
    const cell = checkRefusal(theirs, { status: 404, code: 'not-found' }, where);
    const ids = owner.ids(f);
    const swap = new Map(ids.map((id) => [id, randomUUID()]));
    const swapText = (text: string): string => [...swap].reduce((t, [from, to]) => t.replaceAll(from, to), text);
    const missingRequest: Request = {
      ...request,
      params: request.params
        ? Object.fromEntries(Object.entries(request.params).map(([k, v]) => [k, swap.get(v) ?? v]))
        : undefined,
      body: request.body === undefined ? undefined : (JSON.parse(swapText(JSON.stringify(request.body))) as unknown),
    };
    const missing = await send(op.method, fill(op.path, missingRequest.params), tokenB, missingRequest);
    checkRefusal(missing, { status: 404, code: 'not-found' }, `${where} (ids that do not exist)`);
    const normalise = (body: Json, map: Map<string, string>): string => {
      let detail = asText(body.detail);
      for (const [i, [real, made]] of [...map].entries()) {
        detail = detail.replaceAll(real, `<id${i}>`).replaceAll(made, `<id${i}>`);
      }
      return `${asText(body.type)}|${asText(body.title)}|${detail}`;
    };
    expect(normalise(theirs.body, swap), `${where}: "not yours" must read like "not there"`).toBe(
      normalise(missing.body, swap),
    );
    return { ...cell, observed: `${cell.observed} (same as a missing id)` };
  }

  it.each(EXTRA_GUARDED)('$key (outside openapi.json)', async (extra) => {
    const [method, path] = extra.key.split(' ') as [string, string];
    const row: Row = { operation: extra.key, source: 'outside openapi', capabilities: extra.capabilities, cells: {} };
    rows.push(row);
    for (const column of COLUMNS) {
      if (column.id === 'other_owner') {
        row.cells.other_owner = { expected: 'n/a', observed: 'n/a', ok: true, reason: extra.reason };
        continue;
      }
      const token = tokenFor(column.id, extra.capabilities);
      if (token === null) continue;
      const res = await send(method, path, token, {});
      const where = `${extra.key} × ${column.title}`;
      const expected = expectationFor(column, extra.capabilities);
      row.cells[column.id] = expected === 'scrape' ? checkScrape(res, where) : checkRefusal(res, expected, where);
    }
    const res = await send(method, path, tokenA, {});
    expect(res.status, `${extra.key} with every capability`).toBe(200);
    row.control = { expected: '200', observed: `${res.status}`, ok: res.status === 200 };
  });

  it.each(BODY_OWNER_CASES)('$key: 404, like a dataset that does not exist', async (check) => {
    const res = await send(check.method, check.path(f), tokenB, { body: check.body(f) });
    const cell = checkRefusal(res, { status: 404, code: 'not-found' }, check.key);
    bodyOwnerRows.push({ check: check.key, expected: '404', observed: cell.observed, ok: cell.ok });
    expect(cell.ok).toBe(true);
  });

  it('refuses other malformed credentials the same way', async () => {
    const target = `/api/jobs/${f.uploadJob}`;
    const attempts: Record<string, string> = {
      'a near miss of a real token (one character changed)': `Bearer ${tokenA.slice(0, -1)}${tokenA.endsWith('A') ? 'B' : 'A'}`,
      'the Basic scheme': `Basic ${Buffer.from(`${ownerA}:${tokenA}`).toString('base64')}`,
      'an empty bearer': 'Bearer ',
      'an 8 KiB token': `Bearer stk_${'x'.repeat(8 * 1024)}`,
      'the token twice': `Bearer ${tokenA} ${tokenA}`,
    };
    for (const [what, authorization] of Object.entries(attempts)) {
      const res = await fetch(`${stack.baseUrl}${target}`, { headers: { authorization } });
      const text = await res.text();
      expect(res.status, what).toBe(401);
      expect(res.headers.get('content-type'), what).toMatch(PROBLEM_JSON);
      expect(leakIn(text, res.headers, secrets()), what).toBeNull();
    }
    // Past Node's header limit (16 KiB) the HTTP parser answers 431 before any application code runs.
    const huge = await fetch(`${stack.baseUrl}${target}`, {
      headers: { authorization: `Bearer stk_${'x'.repeat(20 * 1024)}` },
    });
    expect(huge.status).toBe(431);
    expect(leakIn(await huge.text(), huge.headers, secrets())).toBeNull();
  });

  it('changed nothing: no refused request created, altered or deleted anything', async () => {
    expect(await snapshot()).toEqual(before);
    // Nothing was queued either: the only queue a worker consumes here is empty.
    const jobs = await stack.sql<{ n: string }>('SELECT count(*) AS n FROM ingest_jobs WHERE owner = ANY($1)', [
      [ownerA, ownerB],
    ]);
    expect(Number(jobs[0]?.n)).toBe(3);
  });
});
