import { randomUUID } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArcGisServer, arcgisSiteLonLat } from '../services/arcgis/arcgis-server.js';
import { MapServerHost, siteLonLat } from '../services/mapserver/mapserver.js';
import { writeImporters } from './support/importers.js';
import { Stack, uniqueOwner } from './support/stack.js';

/**
 * Importers whose source is a remote feature service (`source.type: service`), triggered over HTTP and
 * run by a worker against MapServer 8 (WFS 2.0, OGC API Features) and the local ArcGIS REST server on
 * 127.0.0.1 (the only allowlisted address; 127.0.0.2 stands for a refused internal target). Checks the
 * table contents and counters, the CRS, dry runs, paging over several pages, a rule failure with its
 * row number, retries, overrides (and their SSRF check), tokens and failures.
 */

type Body = Record<string, unknown>;
interface Run extends Body {
  id: string;
  status: string;
  dry_run: boolean;
  parent_id: string | null;
  progress: { total: number; processed: number; successful: number; failed: number };
  summary: {
    created: number;
    updated: number;
    skipped: number;
    failed: number;
    errors: { code?: string; message?: string }[];
  } | null;
  rows?: { row_number: number; status: string; data: Body; errors: { message: string; validation?: Body } | null }[];
}

const BASE = '/api/v1/ingest';
const TERMINAL = new Set(['completed', 'completed_with_errors', 'failed', 'cancelled']);
const SCHEMA = `svc_${randomUUID().slice(0, 8)}`;
/** MapServer layer served through OGR (sortable): three WFS 2.0 pages of 1,000. */
const PLACES = 2345;
/** Shapefile layer for OGC API Features: two pages of 1,000. */
const SITES = 1234;
/** ArcGIS layer: pages of maxRecordCount 500. */
const ARC_SITES = 1234;
const ARC_TOKEN = 'arc-importer-token-789';

describe('service importers (source.type: service)', () => {
  let stack: Stack;
  let token: string;
  let importersDir: string;
  const mapserver = new MapServerHost('.tmp/services/mapserver-svcimp', [
    { name: 'sites', count: SITES },
    { name: 'places', count: PLACES, sortable: true },
  ]);
  const arcgis = new ArcGisServer({ count: ARC_SITES, token: ARC_TOKEN });
  let internal: Server;
  let internalPort = 0;
  const internalSeen: string[] = [];
  let closedPort = 0;
  /** Forwards to MapServer, holding every WFS page (GetFeature with STARTINDEX) while `hold` is set. */
  let gate: Server;
  let gatePort = 0;
  let hold = true;
  const held: (() => void)[] = [];

  const importers = (): [string, string][] => [
    [
      'wfs-places.yaml',
      `title: Places over WFS
source:
  type: service
  service: {url: "${mapserver.wfsUrl}", service_type: wfs, layer_name: "ms:places"}
  overridable: [service.url, service.layer_name]
target: {table: ${SCHEMA}.places, key: [id]}
fields:
  id: {type: integer, rules: [required]}
  name: {transforms: [upper], rules: [required]}
  kind: {rules: [{in: [well, spring]}]}
  depth: {type: numeric, rules: [{max: 586}]}
geometry: {column: geom, srid: 4326, from: source}
duplicates: {strategy: upsert}
chunk_size: 500
`,
    ],
    [
      'oapif-sites.yaml',
      `title: Sites over OGC API Features
source:
  type: service
  service: {url: "${mapserver.oapifUrl}", service_type: oapif, layer_name: sites}
target: {table: ${SCHEMA}.oapif_sites, create: true, key: [id]}
fields:
  id: {type: integer}
  name: {}
geometry: {column: geom, srid: 4326, from: source}
duplicates: {strategy: upsert}
`,
    ],
    [
      'arcgis-sites.yaml',
      `title: Sites from ArcGIS
source:
  type: service
  service: {url: "${arcgis.serviceUrl()}", service_type: arcgis, layer_name: sites, layer_id: 0}
target: {table: ${SCHEMA}.arc_sites, create: true, key: [code]}
fields:
  code: {type: integer}
  label: {}
  surveyed: {type: timestamptz}
geometry: {column: geom, srid: 4326, from: source}
duplicates: {strategy: upsert}
transaction: run
`,
    ],
  ];

  beforeAll(async () => {
    await Promise.all([mapserver.start(), arcgis.start()]);
    internal = createServer((req, res) => {
      internalSeen.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((ok) => internal.listen(0, '127.0.0.2', ok));
    internalPort = (internal.address() as AddressInfo).port;
    // A port on the allowlisted address where nothing listens (an unreachable service).
    const probe = createServer();
    await new Promise<void>((ok) => probe.listen(0, '127.0.0.1', ok));
    closedPort = (probe.address() as AddressInfo).port;
    await new Promise((ok) => probe.close(ok));

    gate = createServer((req, res) => {
      const forward = (): void => {
        const upstream = request(
          { host: '127.0.0.1', port: mapserver.port, path: req.url, method: req.method, headers: req.headers },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        upstream.on('error', () => res.destroy());
        upstream.end();
      };
      if (hold && /STARTINDEX=/i.test(req.url ?? '')) held.push(forward);
      else forward();
    });
    await new Promise<void>((ok) => gate.listen(0, '127.0.0.1', ok));
    gatePort = (gate.address() as AddressInfo).port;

    importersDir = await writeImporters(Object.fromEntries(importers()), { prefix: 'strata-svcimp-e2e' });
    stack = await Stack.start({
      env: {
        IMPORTERS_DIR: importersDir,
        SSRF_ALLOWLIST: '127.0.0.1',
        JOB_ATTEMPTS: '2',
        JOB_BACKOFF_MS: '200',
        STORAGE_LOCAL_ROOT: `${process.env.STORAGE_LOCAL_ROOT}/${randomUUID()}`,
      },
    });
    token = await stack.mintToken(uniqueOwner('svcimp'), ['upload']);
    await stack.sql(`CREATE SCHEMA ${SCHEMA}`);
    await stack.sql(
      `CREATE TABLE ${SCHEMA}.places (id integer PRIMARY KEY, name text NOT NULL, kind text, depth numeric,
        geom geometry(Point, 4326), CONSTRAINT places_not_five CHECK (id <> 5))`,
    );
  }, 180_000);

  afterAll(async () => {
    await stack?.stop();
    await Promise.all([mapserver.stop(), arcgis.stop()]);
    await new Promise((ok) => internal?.close(ok));
    hold = false;
    for (const release of held.splice(0)) release();
    gate?.closeAllConnections();
    await new Promise((ok) => gate?.close(ok));
  });

  async function trigger(slug: string, body: Body = {}): Promise<Run> {
    const res = await stack.api<{ data: Run }>('POST', `${BASE}/trigger/${slug}`, { token, body });
    expect(res.status, res.text).toBe(202);
    return res.body.data;
  }

  async function show(id: string, query = ''): Promise<Run> {
    const res = await stack.api<{ data: Run }>('GET', `${BASE}/${id}${query}`, { token });
    expect(res.status, res.text).toBe(200);
    return res.body.data;
  }

  async function finished(id: string, timeoutMs = 120_000): Promise<Run> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const run = await show(id);
      if (TERMINAL.has(run.status)) return run;
      if (Date.now() > deadline) throw new Error(`run ${id} is still ${run.status}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  const failedRows = async (id: string) =>
    (await show(id, '?rows_status=failed&rows_per_page=500')).rows?.map((r) => ({
      row: r.row_number,
      data: r.data,
      errors: r.errors,
    })) ?? [];

  /** The GetFeature pages MapServer served since `before`. */
  const wfsPages = (before: number) =>
    mapserver.requests
      .slice(before)
      .map((r) => new URL(r, 'http://x').searchParams)
      .filter((q) => q.get('REQUEST') === 'GetFeature' && q.has('STARTINDEX'));

  const placesFacts = async () => {
    const [facts] = await stack.sql<{ n: string; ids: string; lo: number; hi: number; srid: number }>(
      `SELECT count(*) AS n, count(DISTINCT id) AS ids, min(id) AS lo, max(id) AS hi,
              Find_SRID($1, 'places', 'geom') AS srid FROM ${SCHEMA}.places`,
      [SCHEMA],
    );
    return facts;
  };

  const FAILED_PLACE = {
    row: PLACES,
    // Attributes by name, as the service delivers them (GDAL adds WFS's `gml_id`).
    data: {
      gml_id: `places.${PLACES}`,
      id: PLACES,
      name: `site ${PLACES}`,
      kind: PLACES % 3 === 0 ? 'well' : 'spring',
      depth: PLACES * 0.25,
    },
    errors: { message: 'Validation failed.', validation: { depth: [expect.any(String)] } },
  };

  /** Refused by the table's CHECK constraint until the retry test drops it. */
  const CHECKED_PLACE = {
    row: 5,
    data: { gml_id: 'places.5', id: 5, name: 'site 5', kind: 'spring', depth: 1.25 },
    errors: { message: expect.stringContaining('places_not_five') },
  };

  let placesRun: Run;

  it('a dry run over WFS 2.0 reads every page, reports what a real run would do, and leaves the table empty', async () => {
    const before = mapserver.requests.length;
    const run = await finished((await trigger('wfs-places', { dry_run: true })).id);
    expect(run.dry_run).toBe(true);
    expect(run.status, JSON.stringify(run)).toBe('completed_with_errors');
    expect(run.progress).toEqual({ total: PLACES, processed: PLACES, successful: PLACES - 2, failed: 2 });
    expect(run.summary).toMatchObject({ created: PLACES - 2, updated: 0, skipped: 0, failed: 2 });
    expect(await failedRows(run.id)).toEqual([CHECKED_PLACE, FAILED_PLACE]);
    expect((await placesFacts())?.n).toBe('0');
    const pages = wfsPages(before);
    expect(new Set(pages.map((q) => q.get('STARTINDEX')))).toEqual(new Set(['0', '1000', '2000']));
    expect(pages.every((q) => q.get('SORTBY') === 'id ASC')).toBe(true);
  });

  it('a run over WFS 2.0 imports every feature once, in SRID 4326, lon/lat, and fails the one row a rule refuses', async () => {
    placesRun = await finished((await trigger('wfs-places')).id);
    expect(placesRun.status, JSON.stringify(placesRun)).toBe('completed_with_errors');
    expect(placesRun.progress).toEqual({ total: PLACES, processed: PLACES, successful: PLACES - 2, failed: 2 });
    expect(placesRun.summary).toMatchObject({ created: PLACES - 2, updated: 0, skipped: 0, failed: 2 });
    expect(await failedRows(placesRun.id)).toEqual([CHECKED_PLACE, FAILED_PLACE]);
    expect(await placesFacts()).toEqual({
      n: String(PLACES - 2),
      ids: String(PLACES - 2),
      lo: 1,
      hi: PLACES - 1,
      srid: 4326,
    });
    const rows = await stack.sql(
      `SELECT id, name, kind, depth::text AS depth, ST_SRID(geom) AS srid, ST_X(geom) AS x, ST_Y(geom) AS y
         FROM ${SCHEMA}.places WHERE id IN (1, 3, ${PLACES - 1}) ORDER BY id`,
    );
    const at = (i: number) => {
      const [x, y] = siteLonLat(i, PLACES);
      // MapServer writes 6 decimals.
      return { x: expect.closeTo(x, 5), y: expect.closeTo(y, 5) };
    };
    expect(rows).toEqual([
      { id: 1, name: 'SITE 1', kind: 'spring', depth: '0.25', srid: 4326, ...at(1) },
      { id: 3, name: 'SITE 3', kind: 'well', depth: '0.75', srid: 4326, ...at(3) },
      { id: PLACES - 1, name: `SITE ${PLACES - 1}`, kind: 'spring', depth: '586', srid: 4326, ...at(PLACES - 1) },
    ]);
  });

  it('running it again updates every row; the dry run before changed nothing', async () => {
    await stack.sql(`UPDATE ${SCHEMA}.places SET name = 'changed' WHERE id = 7`);
    const run = await finished((await trigger('wfs-places')).id);
    expect(run.status).toBe('completed_with_errors');
    expect(run.summary).toMatchObject({ created: 0, updated: PLACES - 2, skipped: 0, failed: 2 });
    const [row] = await stack.sql(`SELECT name FROM ${SCHEMA}.places WHERE id = 7`);
    expect(row).toEqual({ name: 'SITE 7' });
  });

  it('a retry re-reads only the failed rows (stored with the run, geometry included, not from the service), keeping their numbers', async () => {
    await stack.sql(`ALTER TABLE ${SCHEMA}.places DROP CONSTRAINT places_not_five`);
    const before = mapserver.requests.length;
    const res = await stack.api<{ data: Run }>('POST', `${BASE}/${placesRun.id}/retry`, { token, body: {} });
    expect(res.status, res.text).toBe(202);
    const retry = await finished(res.body.data.id);
    expect(retry.parent_id).toBe(placesRun.id);
    expect(retry.status).toBe('completed_with_errors');
    expect(retry.progress).toEqual({ total: 2, processed: 2, successful: 1, failed: 1 });
    expect(retry.summary).toMatchObject({ created: 1, updated: 0, skipped: 0, failed: 1 });
    expect(await failedRows(retry.id)).toEqual([FAILED_PLACE]);
    const [x, y] = siteLonLat(5, PLACES);
    expect(
      await stack.sql(
        `SELECT id, name, ST_SRID(geom) AS srid, ST_X(geom) AS x, ST_Y(geom) AS y FROM ${SCHEMA}.places WHERE id = 5`,
      ),
    ).toEqual([{ id: 5, name: 'SITE 5', srid: 4326, x: expect.closeTo(x, 5), y: expect.closeTo(y, 5) }]);
    expect(mapserver.requests.length).toBe(before);
  });

  it('reads OGC API Features in pages into a table it creates', async () => {
    const before = mapserver.requests.length;
    const run = await finished((await trigger('oapif-sites')).id);
    expect(run.status, JSON.stringify(run)).toBe('completed');
    expect(run.progress).toEqual({ total: SITES, processed: SITES, successful: SITES, failed: 0 });
    expect(run.summary).toMatchObject({ created: SITES, updated: 0, skipped: 0, failed: 0 });
    const [facts] = await stack.sql(
      `SELECT count(*) AS n, count(DISTINCT id) AS ids, min(id) AS lo, max(id) AS hi,
              Find_SRID($1, 'oapif_sites', 'geom') AS srid FROM ${SCHEMA}.oapif_sites`,
      [SCHEMA],
    );
    expect(facts).toEqual({ n: String(SITES), ids: String(SITES), lo: 1, hi: SITES, srid: 4326 });
    const [first] = await stack.sql<{ name: string; x: number; y: number }>(
      `SELECT name, ST_X(geom) AS x, ST_Y(geom) AS y FROM ${SCHEMA}.oapif_sites WHERE id = 1`,
    );
    const [x, y] = siteLonLat(1, SITES);
    // MapServer's OGC API writes 6 decimals.
    expect(first).toEqual({ name: 'site 1', x: expect.closeTo(x, 5), y: expect.closeTo(y, 5) });
    const items = mapserver.requests.slice(before).filter((r) => r.includes('/collections/sites/items'));
    expect(items.length).toBeGreaterThanOrEqual(2);
    expect(items.every((r) => new URL(r, 'http://x').searchParams.get('limit') === '1000')).toBe(true);
  });

  it('reads an ArcGIS FeatureServer layer with a run token (never stored), reprojected from 3857, dates as timestamps', async () => {
    const before = arcgis.requests.length;
    const run = await finished((await trigger('arcgis-sites', { source: { token: ARC_TOKEN } })).id);
    expect(run.status, JSON.stringify(run)).toBe('completed');
    expect(run.summary).toMatchObject({ created: ARC_SITES, updated: 0, skipped: 0, failed: 0 });
    expect(run.progress.total).toBe(ARC_SITES);
    const [facts] = await stack.sql(
      `SELECT count(*) AS n, count(DISTINCT code) AS codes, Find_SRID($1, 'arc_sites', 'geom') AS srid
         FROM ${SCHEMA}.arc_sites`,
      [SCHEMA],
    );
    expect(facts).toEqual({ n: String(ARC_SITES), codes: String(ARC_SITES), srid: 4326 });
    const [first] = await stack.sql<{ label: string; surveyed: Date; x: number; y: number }>(
      `SELECT label, surveyed, ST_X(geom) AS x, ST_Y(geom) AS y FROM ${SCHEMA}.arc_sites WHERE code = 10`,
    );
    const [lon, lat] = arcgisSiteLonLat(1, ARC_SITES);
    expect(first?.label).toBe('site 1');
    expect(first?.surveyed.toISOString()).toBe(new Date(Date.UTC(2024, 0, 1) + 86_400_000).toISOString());
    expect(first?.x).toBeCloseTo(lon, 7);
    expect(first?.y).toBeCloseTo(lat, 7);
    // Pages by object id, in pages of the service's maxRecordCount; the token only ever in a header.
    const queries = arcgis.requests.slice(before).filter((r) => r.includes('/0/query'));
    const offsets = queries.map((r) => new URL(r, 'http://x').searchParams.get('resultOffset') ?? '0');
    expect(offsets).toEqual(expect.arrayContaining(['0', '500', '1000']));
    expect(arcgis.requests.some((r) => r.includes(ARC_TOKEN))).toBe(false);
    const stored = await stack.sql('SELECT * FROM ingest_jobs WHERE id = $1', [run.id]);
    expect(JSON.stringify(stored)).not.toContain(ARC_TOKEN);
  });

  it('without the token the ArcGIS run fails at once: the service refused access', async () => {
    const run = await finished((await trigger('arcgis-sites')).id);
    expect(run.status).toBe('failed');
    expect(run.summary?.errors).toEqual([
      { code: 'import-source-rejected', message: 'The remote service refused access; check the token.' },
    ]);
  });

  it('overrides: the layer of the service, SSRF-checked URLs (422), keys the importer does not allow (422)', async () => {
    // Another layer of the same service (the shapefile layer, which MapServer cannot sort: pages in its
    // order). Its ids 1…1234 are all in the table already.
    const other = await finished(
      (await trigger('wfs-places', { dry_run: true, source: { service: { layer_name: 'ms:sites' } } })).id,
    );
    expect(other.status, JSON.stringify(other)).toBe('completed');
    expect(other.summary).toMatchObject({ created: 0, updated: SITES, skipped: 0, failed: 0 });

    for (const url of [`http://127.0.0.2:${internalPort}/wfs`, 'http://169.254.169.254/latest/meta-data/']) {
      const res = await stack.api<Body>('POST', `${BASE}/trigger/wfs-places`, {
        token,
        body: { source: { service: { url } } },
      });
      expect(res.status, res.text).toBe(422);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(String(res.body.type)).toMatch(/\/ssrf-refused$/);
    }
    const notAllowed = await stack.api<Body>('POST', `${BASE}/trigger/wfs-places`, {
      token,
      body: { source: { service: { layer_id: '3' } } },
    });
    expect(notAllowed.status, notAllowed.text).toBe(422);
    expect(notAllowed.body.errors).toEqual([
      expect.objectContaining({ loc: ['body', 'source', 'service', 'layer_id'], type: 'not_overridable' }),
    ]);
    const flat = await stack.api<Body>('POST', `${BASE}/trigger/oapif-sites`, {
      token,
      body: { source: { service: { url: mapserver.oapifUrl } } },
    });
    expect(flat.status, flat.text).toBe(422);
    expect(internalSeen).toEqual([]);
  });

  it('a cancel while the service is being read stops the read: the run ends cancelled, the table untouched', async () => {
    const [before] = await stack.sql(`SELECT count(*) AS n, max(name) AS name FROM ${SCHEMA}.places`);
    const url = `http://127.0.0.1:${gatePort}/mapserv/geo`;
    const run = await trigger('wfs-places', { source: { service: { url } } });
    // The first page is asked for (and held): the run is reading the service, its total already known.
    const deadline = Date.now() + 60_000;
    let reading = await show(run.id);
    while (held.length === 0 || reading.progress.total !== PLACES) {
      if (Date.now() > deadline) throw new Error(`the run never read a page: ${JSON.stringify(reading)}`);
      await new Promise((r) => setTimeout(r, 200));
      reading = await show(run.id);
    }
    expect(reading.status).toBe('processing');
    const cancel = await stack.api('POST', `${BASE}/${run.id}/cancel`, { token });
    expect(cancel.status, cancel.text).toBe(200);
    const ended = await finished(run.id);
    expect(ended.status).toBe('cancelled');
    expect(ended.progress.processed).toBe(0);
    hold = false;
    for (const release of held.splice(0)) release();
    expect(await stack.sql(`SELECT count(*) AS n, max(name) AS name FROM ${SCHEMA}.places`)).toEqual([before]);
  });

  it('an unreachable service fails the run (after its retries) with a message that names no address', async () => {
    const url = `http://127.0.0.1:${closedPort}/wfs`;
    const run = await finished((await trigger('wfs-places', { source: { service: { url } } })).id);
    expect(run.status).toBe('failed');
    expect(run.summary?.errors).toEqual([
      {
        code: 'remote-unavailable',
        message: 'The service holding the source was unavailable or did not answer in time; retry later.',
      },
    ]);
    expect(JSON.stringify(run)).not.toContain(String(closedPort));
  });

  it('a layer the service does not have fails the run with the layer named', async () => {
    const run = await finished((await trigger('wfs-places', { source: { service: { layer_name: 'ms:nothing' } } })).id);
    expect(run.status).toBe('failed');
    expect(run.summary?.errors).toEqual([
      { code: 'reader-layer-not-found', message: "The service has no layer named 'ms:nothing'." },
    ]);
  });
});
