import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArcGisServer, arcgisSiteLonLat, mercator } from '../services/arcgis/arcgis-server.js';
import { MapServerHost, siteLonLat } from '../services/mapserver/mapserver.js';
import { Stack, uniqueOwner } from './support/stack.js';

type Body = Record<string, unknown>;

const SITES = 1234;
/** A layer MapServer can sort (served through OGR): three WFS 2.0 pages of 1,000. */
const PLACES = 2345;
const ARC_TOKEN = 'arc-secret-token-123';

/**
 * Remote services through the whole stack: probe, preview (worker, GDAL through the guarded proxy) and
 * commit into PostGIS, against MapServer 8 (WFS 2.0, OGC API Features) and a local ArcGIS REST server on
 * loopback. Only 127.0.0.1 is allowlisted, so 127.0.0.2 stands for a refused internal target.
 */
describe('remote feature services', () => {
  let stack: Stack;
  let token: string;
  const mapserver = new MapServerHost('.tmp/services/mapserver-e2e', [
    { name: 'sites', count: SITES },
    { name: 'places', count: PLACES, sortable: true },
  ]);
  const arcgis = new ArcGisServer({ count: SITES, token: ARC_TOKEN });
  let internal: Server;
  let internalPort = 0;
  const internalSeen: string[] = [];
  let redirector: Server;
  let redirectorPort = 0;

  beforeAll(async () => {
    await Promise.all([mapserver.start(), arcgis.start()]);
    internal = createServer((req, res) => {
      internalSeen.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"collections":[]}');
    });
    await new Promise<void>((ok) => internal.listen(0, '127.0.0.2', ok));
    internalPort = (internal.address() as AddressInfo).port;
    // An allowed OGC API service whose data lives "elsewhere": every request after the landing page is
    // redirected to the internal address.
    redirector = createServer((req, res) => {
      if (req.url === '/ogc' || req.url?.startsWith('/ogc?')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ links: [{ rel: 'data', href: `http://127.0.0.1:${redirectorPort}/ogc/collections` }] }),
        );
        return;
      }
      res.writeHead(302, { location: `http://127.0.0.2:${internalPort}${req.url ?? '/'}` }).end();
    });
    await new Promise<void>((ok) => redirector.listen(0, '127.0.0.1', ok));
    redirectorPort = (redirector.address() as AddressInfo).port;
    stack = await Stack.start({
      env: {
        SSRF_ALLOWLIST: '127.0.0.1',
        PREVIEW_TIMEOUT_MS: '60000',
        STORAGE_LOCAL_ROOT: `${process.env.STORAGE_LOCAL_ROOT}/${randomUUID()}`,
      },
    });
    token = await stack.mintToken(uniqueOwner('services'), ['upload', 'create_layers']);
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    await Promise.all([mapserver.stop(), arcgis.stop()]);
    await new Promise((ok) => internal.close(ok));
    await new Promise((ok) => redirector.close(ok));
  });

  const tableFacts = async (
    qualified: string,
    idColumn: string,
  ): Promise<{ count: number; srid: number; x: number; y: number }> => {
    const [schema, table] = qualified.split('.') as [string, string];
    const [facts] = await stack.sql<{ n: string; srid: number; x: number; y: number }>(
      `SELECT (SELECT count(*) FROM "${schema}"."${table}") AS n,
              Find_SRID($1, $2, 'geom') AS srid,
              (SELECT ST_X(geom) FROM "${schema}"."${table}" WHERE "${idColumn}" = 1) AS x,
              (SELECT ST_Y(geom) FROM "${schema}"."${table}" WHERE "${idColumn}" = 1) AS y`,
      [schema, table],
    );
    return { count: Number(facts!.n), srid: facts!.srid, x: facts!.x, y: facts!.y };
  };

  /** Preview, commit and wait: the finished job and the dataset's table (`schema.table`). */
  const ingest = async (
    body: Body,
    commitBody: Body = {},
  ): Promise<{ preview: Body; job: Body; table: string; jobId: string }> => {
    const preview = await stack.api<Body>('POST', '/api/services/preview/', { token, body });
    expect(preview.status, preview.text).toBe(200);
    const jobId = String(preview.body.job_id);
    const commit = await stack.api<Body>('POST', `/api/ingest/commit/${jobId}`, {
      token,
      body: { title: `${String(body.layer_name)} via ${String(body.service_type)}`, ...commitBody },
    });
    expect(commit.status, commit.text).toBe(202);
    const job = await stack.waitForJob(token, jobId, (j) => ['completed', 'failed'].includes(String(j.status)), 90_000);
    if (job.status !== 'completed') return { preview: preview.body, job, table: '', jobId };
    const ds = await stack.api<Body>('GET', `/api/datasets/${String(job.dataset_id)}`, { token });
    const [schema, name] = String(ds.body.table_name).split('.') as [string, string];
    return { preview: preview.body, job, table: `"${schema}"."${name}"`, jobId };
  };

  it('needs the create_layers capability', async () => {
    const uploader = await stack.mintToken(uniqueOwner('uploader'), ['upload']);
    const res = await stack.api('POST', '/api/services/probe/', { token: uploader, body: { url: mapserver.wfsUrl } });
    expect(res.status).toBe(403);
  });

  it('probes WFS, OGC API Features and ArcGIS over HTTP', async () => {
    const wfs = await stack.api<Body>('POST', '/api/services/probe/', { token, body: { url: mapserver.wfsUrl } });
    expect(wfs.status, wfs.text).toBe(200);
    expect(wfs.body).toMatchObject({
      service_type: 'WFS 2.0.0',
      layers: [{ name: 'ms:sites' }, { name: 'ms:places' }],
    });
    const oapif = await stack.api<Body>('POST', '/api/services/probe/', { token, body: { url: mapserver.oapifUrl } });
    expect(oapif.body).toMatchObject({
      service_type: 'OGC API Features',
      layers: [{ name: 'sites' }, { name: 'places' }],
    });
    const arc = await stack.api<Body>('POST', '/api/services/probe/', {
      token,
      body: { url: arcgis.serviceUrl(), token: ARC_TOKEN },
    });
    expect(arc.body).toMatchObject({
      service_type: 'ArcGIS FeatureServer',
      layers: [{ name: 'sites', id: '0', feature_count: SITES }, { name: 'inspections' }],
    });
    const bad = await stack.api<Body>('POST', '/api/services/probe/', {
      token,
      body: { url: arcgis.serviceUrl(), token: 'wrong' },
    });
    expect(bad.status).toBe(403);
  });

  it('refuses private targets and credentials in URLs with 422 ssrf-refused', async () => {
    for (const url of [
      `http://127.0.0.2:${internalPort}/wfs`,
      `http://0x7f.0.0.2:${internalPort}/wfs`,
      'http://169.254.169.254/latest/meta-data/',
      `${mapserver.wfsUrl}?token=abc`,
    ]) {
      const res = await stack.api<Body>('POST', '/api/services/probe/', { token, body: { url } });
      expect(res.status, url).toBe(422);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(String(res.body.type)).toMatch(/\/ssrf-refused$/);
      expect(res.text).not.toContain('169.254.169.254/latest');
    }
    expect(internalSeen).toEqual([]);
  });

  const cases = [
    {
      name: 'WFS 2.0.0',
      body: () => ({ url: mapserver.wfsUrl, service_type: 'WFS 2.0.0', layer_name: 'ms:sites', layer_title: 'Sites' }),
      crs: 4326,
      id: 'id',
      xy: siteLonLat(1, SITES),
      tolerance: 1e-5,
    },
    {
      // MapServer writes latitude/longitude in WFS 1.1 (labelled EPSG:4326); PostGIS must get lon/lat.
      name: 'WFS 1.1.0',
      body: () => ({ url: mapserver.wfsUrl, service_type: 'WFS 1.1.0', layer_name: 'sites' }),
      crs: 4326,
      id: 'id',
      xy: siteLonLat(1, SITES),
      tolerance: 1e-5,
    },
    {
      name: 'OGC API Features',
      body: () => ({ url: mapserver.oapifUrl, service_type: 'OGC API Features', layer_name: 'sites' }),
      crs: 4326,
      id: 'id',
      xy: siteLonLat(1, SITES),
      tolerance: 1e-5,
    },
    {
      name: 'ArcGIS FeatureServer',
      body: () => ({
        url: arcgis.serviceUrl(),
        service_type: 'ArcGIS FeatureServer',
        layer_name: 'sites',
        layer_id: '0',
        token: ARC_TOKEN,
      }),
      crs: 3857,
      id: 'objectid',
      xy: mercator(...arcgisSiteLonLat(1, SITES)),
      tolerance: 1e-3,
    },
  ];

  it.each(cases)('previews and commits a $name layer: every feature, right CRS and axis order', async (c) => {
    const preview = await stack.api<Body>('POST', '/api/services/preview/', { token, body: c.body() });
    expect(preview.status, preview.text).toBe(200);
    expect(Object.keys(preview.body).sort()).toEqual(
      [
        'columns',
        'crs',
        'feature_count',
        'geometry_type',
        'job_id',
        'layer_name',
        'sample_rows',
        'source_filename',
      ].sort(),
    );
    expect(preview.body).toMatchObject({ crs: c.crs, feature_count: SITES, geometry_type: 'Point' });
    expect((preview.body.sample_rows as unknown[]).length).toBeGreaterThan(0);
    expect((preview.body.sample_rows as unknown[]).length).toBeLessThanOrEqual(5);
    const jobId = String(preview.body.job_id);

    const stored = await stack.sql<{ status: string; source: Body; params: Body }>(
      'SELECT status, source, params FROM ingest_jobs WHERE id = $1',
      [jobId],
    );
    expect(stored[0]?.status).toBe('pending');
    expect(JSON.stringify(stored)).not.toContain(ARC_TOKEN);

    const commit = await stack.api<Body>('POST', `/api/ingest/commit/${jobId}`, {
      token,
      body: { title: `Sites via ${c.name}` },
    });
    expect(commit.status, commit.text).toBe(202);
    const job = await stack.waitForJob(token, jobId, (j) => ['completed', 'failed'].includes(String(j.status)), 90_000);
    expect(job.status, JSON.stringify(job)).toBe('completed');
    const ds = await stack.api<Body>('GET', `/api/datasets/${String(job.dataset_id)}`, { token });
    expect(ds.body).toMatchObject({ kind: 'vector', crs: c.crs, feature_count: SITES });
    const facts = await tableFacts(String(ds.body.table_name), c.id);
    expect(facts.count).toBe(SITES);
    expect(facts.srid).toBe(c.crs);
    expect(Math.abs(facts.x - c.xy[0])).toBeLessThan(c.tolerance);
    expect(Math.abs(facts.y - c.xy[1])).toBeLessThan(c.tolerance);
    expect(JSON.stringify(await stack.sql('SELECT * FROM ingest_jobs WHERE id = $1', [jobId]))).not.toContain(
      ARC_TOKEN,
    );
  });

  it('pages the ArcGIS layer by object id in pages of maxRecordCount, the token only in a header', async () => {
    const queries = arcgis.requests.filter((r) => r.includes('/0/query') && !r.includes('returnCountOnly'));
    const offsets = queries.map((r) => new URL(r, 'http://x').searchParams.get('resultOffset') ?? '0');
    expect(offsets).toEqual(expect.arrayContaining(['0', '500', '1000']));
    expect(queries.every((r) => /orderByFields=OBJECTID(\+|%20)ASC/.test(r))).toBe(true);
    expect(arcgis.requests.some((r) => r.includes(ARC_TOKEN))).toBe(false);
  });

  it('GDAL redirected by an allowed service to a refused address is stopped by the guard', async () => {
    const preview = await stack.api<Body>('POST', '/api/services/preview/', {
      token,
      body: { url: `http://127.0.0.1:${redirectorPort}/ogc`, service_type: 'OGC API Features', layer_name: 'things' },
    });
    expect(preview.status, preview.text).toBe(422);
    expect(String(preview.body.type)).toMatch(/\/ssrf-refused$/);
    expect(preview.body.rule).toBe('loopback');
    expect(preview.text).not.toContain('127.0.0.2');
    // GDAL asked the allowed server, which redirected it; the refused address never saw a request.
    expect(internalSeen).toEqual([]);
  });

  /** Preview + commit of `places`: the requests MapServer saw meanwhile, and the loaded table's id facts. */
  const ingestPlaces = async (
    serviceType: string,
    layer: string,
  ): Promise<{ requests: string[]; facts: Record<string, unknown> | undefined }> => {
    const before = mapserver.requests.length;
    const { preview, job, table } = await ingest({
      url: mapserver.wfsUrl,
      service_type: serviceType,
      layer_name: layer,
    });
    expect(preview.feature_count).toBe(PLACES);
    expect(job.status, JSON.stringify(job)).toBe('completed');
    const [facts] = await stack.sql(
      `SELECT count(*) AS n, count(DISTINCT id) AS ids, min(id) AS lo, max(id) AS hi FROM ${table}`,
    );
    return { requests: mapserver.requests.slice(before), facts };
  };

  it('WFS 2.0 pages are sorted by the id field: every feature exactly once', async () => {
    const { requests, facts } = await ingestPlaces('WFS 2.0.0', 'ms:places');
    expect(facts).toEqual({ n: String(PLACES), ids: String(PLACES), lo: 1, hi: PLACES });
    const pages = requests
      .map((r) => new URL(r, 'http://x').searchParams)
      .filter((q) => q.get('REQUEST') === 'GetFeature' && q.has('STARTINDEX'));
    // The commit's own pages (the preview reads the first one too): 0, 1000, 2000, each sorted.
    expect(new Set(pages.map((q) => q.get('STARTINDEX')))).toEqual(new Set(['0', '1000', '2000']));
    expect(pages.every((q) => q.get('SORTBY') === 'id ASC')).toBe(true);
  });

  it('WFS 1.1 (one GetFeature, no paging): every feature exactly once', async () => {
    const { facts } = await ingestPlaces('WFS 1.1.0', 'places');
    expect(facts).toEqual({ n: String(PLACES), ids: String(PLACES), lo: 1, hi: PLACES });
  });

  it('a WFS 2.0 layer the server cannot sort is still read whole, without a SORTBY the server would refuse', async () => {
    const before = mapserver.requests.length;
    const { job, table } = await ingest({ url: mapserver.wfsUrl, service_type: 'WFS 2.0.0', layer_name: 'ms:sites' });
    expect(job.status, JSON.stringify(job)).toBe('completed');
    const [facts] = await stack.sql<{ n: string; ids: string }>(
      `SELECT count(*) AS n, count(DISTINCT id) AS ids FROM ${table}`,
    );
    expect(facts).toEqual({ n: String(SITES), ids: String(SITES) });
    const reads = mapserver.requests.slice(before).filter((r) => /REQUEST=GetFeature/.test(r) && /STARTINDEX/.test(r));
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.some((r) => /SORTBY/.test(r))).toBe(false);
  });

  it('reads OGC API Features in pages of 1,000 (GDAL would ask for 10 at a time)', async () => {
    const before = mapserver.requests.length;
    const { job, table } = await ingest({
      url: mapserver.oapifUrl,
      service_type: 'OGC API Features',
      layer_name: 'sites',
    });
    expect(job.status, JSON.stringify(job)).toBe('completed');
    const [facts] = await stack.sql<{ n: string; ids: string }>(
      `SELECT count(*) AS n, count(DISTINCT id) AS ids FROM ${table}`,
    );
    expect(facts).toEqual({ n: String(SITES), ids: String(SITES) });
    const items = mapserver.requests.slice(before).filter((r) => r.includes('/collections/sites/items'));
    // Preview and commit together; at GDAL's default page size the commit alone would take 124.
    expect(items.length).toBeGreaterThanOrEqual(2);
    expect(items.length).toBeLessThanOrEqual(8);
    expect(items.every((r) => new URL(r, 'http://x').searchParams.get('limit') === '1000')).toBe(true);
  });

  it('an OGC API collection the service does not have is a 422, not an empty layer', async () => {
    const res = await stack.api<Body>('POST', '/api/services/preview/', {
      token,
      body: { url: mapserver.oapifUrl, service_type: 'OGC API Features', layer_name: 'nothing_here' },
    });
    expect(res.status, res.text).toBe(422);
    expect(res.text).toContain("no layer named 'nothing_here'");
  });

  it('an ArcGIS MapServer layer: dates (epoch ms) land as timestamps', async () => {
    const { job, table } = await ingest({
      url: arcgis.serviceUrl('MapServer'),
      service_type: 'ArcGIS MapServer',
      layer_name: 'sites',
      layer_id: '0',
      token: ARC_TOKEN,
    });
    expect(job.status, JSON.stringify(job)).toBe('completed');
    const [schema, name] = table.replace(/"/g, '').split('.') as [string, string];
    const [column] = await stack.sql<{ type: string }>(
      `SELECT data_type AS type FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 AND column_name = 'surveyed'`,
      [schema, name],
    );
    expect(column?.type).toBe('timestamp with time zone');
    const [row] = await stack.sql<{ n: string; first: Date }>(
      `SELECT (SELECT count(*) FROM ${table}) AS n, (SELECT surveyed FROM ${table} WHERE objectid = 1) AS first`,
    );
    expect(row?.n).toBe(String(SITES));
    expect(row?.first.toISOString()).toBe(new Date(Date.UTC(2024, 0, 1) + 86_400_000).toISOString());
  });

  it('an ArcGIS table (no geometry) becomes a table dataset with every row', async () => {
    const { preview, job, table } = await ingest({
      url: arcgis.serviceUrl('MapServer'),
      service_type: 'ArcGIS MapServer',
      layer_name: 'inspections',
      layer_id: '1',
      token: ARC_TOKEN,
    });
    expect(preview).toMatchObject({ geometry_type: null, feature_count: 7 });
    expect(job.status, JSON.stringify(job)).toBe('completed');
    const ds = await stack.api<Body>('GET', `/api/datasets/${String(job.dataset_id)}`, { token });
    expect(ds.body).toMatchObject({ kind: 'vector', feature_count: 7, geometry_type: null });
    const [row] = await stack.sql<{ n: string; note: string }>(`SELECT count(*) AS n, max(note) AS note FROM ${table}`);
    expect(row).toEqual({ n: '7', note: 'inspection 7' });
  });

  it('a commit may bring a fresh token: a stale one fails the job as forbidden (ArcGIS 498), a fresh one is used', async () => {
    const body = {
      url: arcgis.serviceUrl(),
      service_type: 'ArcGIS FeatureServer',
      layer_name: 'sites',
      layer_id: '0',
      token: ARC_TOKEN,
    };
    try {
      const first = await stack.api<Body>('POST', '/api/services/preview/', { token, body });
      expect(first.status, first.text).toBe(200);
      // The service's token expires between preview and commit.
      arcgis.setToken('rotated-token-456');
      const stale = await stack.api<Body>('POST', `/api/ingest/commit/${String(first.body.job_id)}`, {
        token,
        body: { title: 'Stale token' },
      });
      expect(stale.status, stale.text).toBe(202);
      const failed = await stack.waitForJob(token, String(first.body.job_id), (j) =>
        ['completed', 'failed'].includes(String(j.status)),
      );
      expect(failed.status).toBe('failed');
      expect(failed.error).toMatchObject({ code: 'remote-forbidden' });

      arcgis.setToken(ARC_TOKEN);
      const second = await stack.api<Body>('POST', '/api/services/preview/', { token, body });
      expect(second.status, second.text).toBe(200);
      const jobId = String(second.body.job_id);
      arcgis.setToken('rotated-token-789');
      // A token the service refuses (498) is a 403 at commit, and the job stays pending for a good one.
      const wrong = await stack.api<Body>('POST', `/api/ingest/commit/${jobId}`, {
        token,
        body: { title: 'Fresh token', token: 'not-the-token' },
      });
      expect(wrong.status, wrong.text).toBe(403);
      expect(wrong.headers.get('content-type')).toContain('application/problem+json');
      expect(wrong.text).not.toContain('not-the-token');
      expect((await stack.api<Body>('GET', `/api/jobs/${jobId}`, { token })).body.status).toBe('pending');
      const commit = await stack.api<Body>('POST', `/api/ingest/commit/${jobId}`, {
        token,
        body: { title: 'Fresh token', token: 'rotated-token-789' },
      });
      expect(commit.status, commit.text).toBe(202);
      const job = await stack.waitForJob(
        token,
        jobId,
        (j) => ['completed', 'failed'].includes(String(j.status)),
        90_000,
      );
      expect(job.status, JSON.stringify(job)).toBe('completed');
      expect(job).toMatchObject({ rows_total: SITES });
    } finally {
      arcgis.setToken(ARC_TOKEN);
    }
  });

  it('no service token in Postgres rows, queue payloads, logs or Redis in clear text', async () => {
    const secret = 'arc-scan-token-zz9';
    arcgis.setToken(secret);
    try {
      const preview = await stack.api<Body>('POST', '/api/services/preview/', {
        token,
        body: {
          url: arcgis.serviceUrl(),
          service_type: 'ArcGIS FeatureServer',
          layer_name: 'sites',
          layer_id: '0',
          token: secret,
        },
      });
      expect(preview.status, preview.text).toBe(200);
      const jobId = String(preview.body.job_id);
      const redisDump = async (): Promise<{ keys: string[]; text: string }> => {
        const redis = stack.redis();
        try {
          const keys: string[] = [];
          let cursor = '0';
          do {
            const [next, found] = await redis.scan(cursor, 'MATCH', `${stack.env.QUEUE_PREFIX}:*`, 'COUNT', 1000);
            keys.push(...found);
            cursor = next;
          } while (cursor !== '0');
          const parts: string[] = [];
          for (const key of keys) {
            const type = await redis.type(key);
            if (type === 'string') parts.push(String(await redis.get(key)));
            else if (type === 'hash') parts.push(JSON.stringify(await redis.hgetall(key)));
            else if (type === 'list') parts.push(JSON.stringify(await redis.lrange(key, 0, -1)));
            else if (type === 'set') parts.push(JSON.stringify(await redis.smembers(key)));
            else if (type === 'zset') parts.push(JSON.stringify(await redis.zrange(key, 0, -1)));
            else if (type === 'stream') parts.push(JSON.stringify(await redis.xrange(key, '-', '+')));
          }
          return { keys, text: parts.join('\n') };
        } finally {
          redis.disconnect();
        }
      };
      // Between preview and commit the token waits in Redis, sealed.
      const waiting = await redisDump();
      expect(waiting.keys.some((k) => k.endsWith(`:service-token:${jobId}`))).toBe(true);
      expect(waiting.text).not.toContain(secret);

      const commit = await stack.api<Body>('POST', `/api/ingest/commit/${jobId}`, {
        token,
        body: { title: 'Token scan', token: secret },
      });
      expect(commit.status, commit.text).toBe(202);
      const job = await stack.waitForJob(
        token,
        jobId,
        (j) => ['completed', 'failed'].includes(String(j.status)),
        90_000,
      );
      expect(job.status, JSON.stringify(job)).toBe('completed');

      const after = await redisDump();
      expect(after.keys.length).toBeGreaterThan(0);
      expect(after.text).not.toContain(secret);
      // Every row of every table the app owns (jobs, datasets, their layers' data).
      const tables = await stack.sql<{ t: string }>(
        `SELECT format('%I.%I', schemaname, tablename) AS t FROM pg_tables
          WHERE schemaname NOT IN ('pg_catalog', 'information_schema', 'tiger', 'topology')`,
      );
      expect(tables.length).toBeGreaterThan(3);
      for (const { t } of tables) {
        const [hit] = await stack.sql<{ n: string }>(`SELECT count(*) AS n FROM ${t} x WHERE x::text LIKE $1`, [
          `%${secret}%`,
        ]);
        expect(hit?.n, t).toBe('0');
      }
      const logs = [...stack.gateway.output, ...stack.workers.flatMap((w) => w.output)].join('\n');
      expect(logs).toContain(jobId);
      expect(logs).not.toContain(secret);
      expect(arcgis.requests.some((r) => r.includes(secret))).toBe(false);
    } finally {
      arcgis.setToken(ARC_TOKEN);
    }
  });
});
