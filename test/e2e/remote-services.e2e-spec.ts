import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArcGisServer, arcgisSiteLonLat, mercator } from '../services/arcgis/arcgis-server.js';
import { MapServerHost, siteLonLat } from '../services/mapserver/mapserver.js';
import { Stack, uniqueOwner } from './support/stack.js';

type Body = Record<string, unknown>;

const SITES = 1234;
const ARC_TOKEN = 'arc-secret-token-123';

/**
 * Remote services through the whole stack: probe, preview (worker, GDAL through the guarded proxy) and
 * commit into PostGIS, against MapServer 8 (WFS 2.0, OGC API Features) and a local ArcGIS REST server on
 * loopback. Only 127.0.0.1 is allowlisted, so 127.0.0.2 stands for a refused internal target.
 */
describe('remote feature services', () => {
  let stack: Stack;
  let token: string;
  const mapserver = new MapServerHost('.tmp/services/mapserver-e2e', [{ name: 'sites', count: SITES }]);
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

  it('needs the create_layers capability', async () => {
    const uploader = await stack.mintToken(uniqueOwner('uploader'), ['upload']);
    const res = await stack.api('POST', '/api/services/probe/', { token: uploader, body: { url: mapserver.wfsUrl } });
    expect(res.status).toBe(403);
  });

  it('probes WFS, OGC API Features and ArcGIS over HTTP', async () => {
    const wfs = await stack.api<Body>('POST', '/api/services/probe/', { token, body: { url: mapserver.wfsUrl } });
    expect(wfs.status, wfs.text).toBe(200);
    expect(wfs.body).toMatchObject({ service_type: 'WFS 2.0.0', layers: [{ name: 'ms:sites' }] });
    const oapif = await stack.api<Body>('POST', '/api/services/probe/', { token, body: { url: mapserver.oapifUrl } });
    expect(oapif.body).toMatchObject({ service_type: 'OGC API Features', layers: [{ name: 'sites' }] });
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
});
