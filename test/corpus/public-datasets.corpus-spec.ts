import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stack, uniqueOwner } from '../e2e/support/stack.js';

/**
 * Real-world files: public datasets that npm packages ship (pinned as dev dependencies), each driven
 * through upload → preview → commit (or fan-out) over HTTP, and compared with what GDAL's own
 * `ogrinfo` says about the very same file: layers, feature counts, geometry types, CRS, extents and how
 * many geometries GEOS finds valid.
 */

type Body = Record<string, unknown>;
const execFileAsync = promisify(execFile);
const require = createRequire(import.meta.url);

/** A file shipped by a package, uploaded under `name` (the extension decides the upload checks). */
interface CorpusFile {
  name: string;
  from: string;
}

const CORPUS = {
  countriesGeoJson: { name: 'countries-land-10km.geojson', from: '@geo-maps/countries-land-10km/map.geo.json' },
  worldAtlas: { name: 'countries-10m.topojson', from: 'world-atlas/countries-10m.json' },
  usCounties: { name: 'counties-10m.json', from: 'us-atlas/counties-10m.json' },
  usStatesAlbers: { name: 'states-albers-10m.json', from: 'us-atlas/states-albers-10m.json' },
} satisfies Record<string, CorpusFile>;

interface OgrLayer {
  name: string;
  featureCount: number;
  /** `EPSG:n` read from the layer's SRS, or null when the layer has none. */
  epsg: number | null;
  extent: [number, number, number, number];
  /** Geometries GEOS finds valid (SpatiaLite's ST_IsValid: an empty geometry counts as invalid). */
  valid: number;
  empty: number;
  /** Distinct geometry types of the features, e.g. ['MULTIPOLYGON', 'POLYGON']. */
  types: string[];
}

const ogrinfoCache = new Map<string, Promise<OgrLayer>>();

/** What `ogrinfo` (GDAL's command-line tool, not Strata's code) reports for one layer of a file. */
function ogrinfo(path: string, layer: string): Promise<OgrLayer> {
  const key = `${path}\0${layer}`;
  let facts = ogrinfoCache.get(key);
  if (!facts) {
    facts = runOgrinfo(path, layer);
    ogrinfoCache.set(key, facts);
  }
  return facts;
}

async function runOgrinfo(path: string, layer: string): Promise<OgrLayer> {
  const run = async (args: string[]): Promise<string> =>
    (await execFileAsync('ogrinfo', ['-ro', ...args], { maxBuffer: 64 * 1024 * 1024 })).stdout;
  const summary = await run(['-so', path, layer]);
  const number = (pattern: RegExp, text: string): number => {
    const match = pattern.exec(text);
    if (!match?.[1]) throw new Error(`ogrinfo output lacks ${String(pattern)}:\n${text}`);
    return Number(match[1]);
  };
  const extent = /Extent: \(([-\d.]+), ([-\d.]+)\) - \(([-\d.]+), ([-\d.]+)\)/.exec(summary);
  if (!extent) throw new Error(`ogrinfo reports no extent:\n${summary}`);
  const epsg = /ID\["EPSG",(\d+)\]\]\s*$/m.exec(summary.slice(summary.indexOf('Layer SRS WKT:')));
  const stats = await run([
    path,
    '-dialect',
    'SQLite',
    '-sql',
    `SELECT sum(ST_IsValid(geometry)) AS valid, sum(ST_IsEmpty(geometry)) AS empty, group_concat(DISTINCT ST_GeometryType(geometry)) AS types FROM "${layer}"`,
  ]);
  const types = /types \(String\) = (.*)$/m.exec(stats)?.[1] ?? '';
  return {
    name: layer,
    featureCount: number(/^Feature Count: (\d+)$/m, summary),
    epsg: epsg?.[1] ? Number(epsg[1]) : null,
    extent: [Number(extent[1]), Number(extent[2]), Number(extent[3]), Number(extent[4])],
    valid: number(/valid \(Integer\) = (\d+)/, stats),
    empty: number(/empty \(Integer\) = (\d+)/, stats),
    types: types.split(',').filter(Boolean).sort(),
  };
}

/** The layer names `ogrinfo` lists for a file, in file order. */
async function ogrLayers(path: string): Promise<string[]> {
  const { stdout } = await execFileAsync('ogrinfo', ['-ro', '-so', '-q', path]);
  return [...stdout.matchAll(/^\d+: (.+?)(?: \([^)]*\))?$/gm)].map((m) => m[1]!);
}

/** The column type Strata should end with: lines and polygons are stored multi, so every row fits. */
function expectedGeometryType(types: string[]): string {
  const multi = new Set(types.map((t) => (/^(POLYGON|LINESTRING)$/.test(t) ? `MULTI${t}` : t)));
  expect(multi.size, `one geometry type expected, found ${types.join(', ')}`).toBe(1);
  const label: Record<string, string> = {
    POINT: 'Point',
    MULTIPOINT: 'MultiPoint',
    MULTILINESTRING: 'MultiLineString',
    MULTIPOLYGON: 'MultiPolygon',
  };
  return label[[...multi][0]!]!;
}

describe('corpus: public datasets from npm packages, compared with ogrinfo', () => {
  let stack: Stack;
  let token: string;
  const storageRoot = resolve(`${process.env.STORAGE_LOCAL_ROOT}/${randomUUID()}`);
  const workDir = resolve(`.tmp/corpus-${randomUUID().slice(0, 8)}`);
  const paths: Record<string, string> = {};

  beforeAll(async () => {
    await mkdir(workDir, { recursive: true });
    // ogrinfo reads the file under the name Strata gets, so layer names derived from it agree.
    for (const file of Object.values(CORPUS)) {
      paths[file.name] = join(workDir, file.name);
      await copyFile(require.resolve(file.from), paths[file.name]!);
    }
    stack = await Stack.start({ env: { STORAGE_LOCAL_ROOT: storageRoot } });
    token = await stack.mintToken(uniqueOwner('corpus'), ['upload']);
  });

  afterAll(async () => {
    await stack?.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  /** Upload and preview; the preview must list the layers and counts ogrinfo lists. */
  const staged = async (file: CorpusFile): Promise<{ jobId: string; preview: Body }> => {
    const up = await stack.upload<Body>(token, { name: file.name, data: await readFile(paths[file.name]!) });
    expect(up.status, up.text).toBe(201);
    const jobId = String(up.body.job_id);
    const res = await stack.api<Body>('POST', `/api/ingest/preview/${jobId}`, { token });
    expect(res.status, res.text).toBe(200);
    const names = await ogrLayers(paths[file.name]!);
    const layers = res.body.layers as { name: string; feature_count: number }[];
    expect(layers.map((l) => l.name)).toEqual(names);
    for (const layer of layers) {
      expect(layer.feature_count, layer.name).toBe((await ogrinfo(paths[file.name]!, layer.name)).featureCount);
    }
    return { jobId, preview: res.body };
  };

  const finished = (jobId: string) =>
    stack.waitForJob(token, jobId, (j) => ['completed', 'failed', 'cancelled'].includes(String(j.status)), 150_000);

  const fanOut = (jobId: string, body: Body) =>
    stack.api<Body>('POST', `/api/ingest/commit-fan-out/${jobId}`, { token, body });

  /** A finished layer job against ogrinfo: dataset facts, the table's rows and their validity. */
  const compare = async (job: Body, file: CorpusFile, layer: string, expectedCrs: number): Promise<Body> => {
    expect(job.status, JSON.stringify(job)).toBe('completed');
    const ogr = await ogrinfo(paths[file.name]!, layer);
    const res = await stack.api<Body>('GET', `/api/datasets/${String(job.dataset_id)}`, { token });
    expect(res.status).toBe(200);
    const ds = res.body;
    expect(ds).toMatchObject({
      kind: 'vector',
      crs: expectedCrs,
      feature_count: ogr.featureCount,
      geometry_type: expectedGeometryType(ogr.types),
    });
    const extent = ds.extent as number[];
    ogr.extent.forEach((value, i) => expect(extent[i], `extent[${i}]`).toBeCloseTo(value, 5));

    const [schema, table] = String(ds.table_name).split('.');
    // PostGIS calls an empty geometry valid, SpatiaLite does not: empties are counted apart.
    const [facts] = await stack.sql<{ n: string; valid: string; empty: string; srid: number }>(
      `SELECT count(*) AS n, count(*) FILTER (WHERE ST_IsValid(geom) AND NOT ST_IsEmpty(geom)) AS valid,
              count(*) FILTER (WHERE ST_IsEmpty(geom)) AS empty, Find_SRID($1, $2, 'geom') AS srid
         FROM "${schema}"."${table}"`,
      [schema, table],
    );
    const strata = {
      rows: Number(facts!.n),
      valid: Number(facts!.valid),
      empty: Number(facts!.empty),
      srid: facts!.srid,
    };
    expect(strata).toEqual({ rows: ogr.featureCount, valid: ogr.valid, empty: ogr.empty, srid: expectedCrs });
    return ds;
  };

  const warningCodes = (job: Body): string[] => (job.warnings as { code: string }[]).map((w) => w.code);

  it('Natural Earth countries as GeoJSON (@geo-maps/countries-land-10km): one commit, EPSG:4326 from the file', async () => {
    const file = CORPUS.countriesGeoJson;
    const { jobId, preview } = await staged(file);
    expect((await ogrinfo(paths[file.name]!, 'countries-land-10km')).epsg).toBe(4326);
    expect(preview.crs).toBe(4326);
    const res = await stack.api<Body>('POST', `/api/ingest/commit/${jobId}`, {
      token,
      body: { title: 'Countries (geo-maps)' },
    });
    expect(res.status, res.text).toBe(202);
    const job = await finished(jobId);
    await compare(job, file, 'countries-land-10km', 4326);
    expect(warningCodes(job)).not.toContain('crs-assumed');
  });

  it('Natural Earth as TopoJSON (world-atlas, .topojson): a fan-out with shared and per-layer options, EPSG:4326 assumed and said so', async () => {
    const file = CORPUS.worldAtlas;
    const { jobId, preview } = await staged(file);
    // GDAL's TopoJSON driver names no CRS: the preview says so, the load assumes lon/lat.
    expect((await ogrinfo(paths[file.name]!, 'countries')).epsg).toBeNull();
    expect(preview.crs).toBeNull();
    const res = await fanOut(jobId, {
      summary: 'Natural Earth 1:10m, via world-atlas',
      layers: [
        { layer_name: 'countries', title: 'World countries' },
        { layer_name: 'land', title: 'World land', summary: 'All land as one multipolygon' },
      ],
    });
    expect(res.status, res.text).toBe(202);
    const results = res.body.results as Body[];
    expect(results.map((r) => [r.layer_name, r.status])).toEqual([
      ['countries', 'queued'],
      ['land', 'queued'],
    ]);
    const summaries: Record<string, string> = {
      countries: 'Natural Earth 1:10m, via world-atlas',
      land: 'All land as one multipolygon',
    };
    for (const result of results) {
      const job = await finished(String(result.new_job_id));
      const ds = await compare(job, file, String(result.layer_name), 4326);
      expect(ds.summary).toBe(summaries[String(result.layer_name)]);
      const assumed = (job.warnings as { code: string; message: string }[]).find((w) => w.code === 'crs-assumed');
      expect(assumed?.message).toMatch(/EPSG:4326 .*was assumed/);
    }
  });

  it('US counties, states and nation (us-atlas counties-10m.json): a three-layer fan-out', async () => {
    const file = CORPUS.usCounties;
    const { jobId } = await staged(file);
    const res = await fanOut(jobId, {
      layers: [{ layer_name: 'counties' }, { layer_name: 'states' }, { layer_name: 'nation' }],
    });
    expect(res.status, res.text).toBe(202);
    for (const result of res.body.results as Body[]) {
      const job = await finished(String(result.new_job_id));
      await compare(job, file, String(result.layer_name), 4326);
      expect(warningCodes(job)).toContain('crs-assumed');
    }
    expect((await stack.api<Body>('GET', `/api/jobs/${jobId}`, { token })).body.status).toBe('fanned_out');
  });

  it('a projected TopoJSON (us-atlas states-albers-10m.json) is refused, then fixed by retrying the children with srid_override', async () => {
    const file = CORPUS.usStatesAlbers;
    const { jobId } = await staged(file);
    // Screen coordinates of an Albers projection: far outside ±180/±90.
    const ogr = await ogrinfo(paths[file.name]!, 'states');
    expect(ogr.extent[3]).toBeGreaterThan(90);

    const res = await fanOut(jobId, { layers: [{ layer_name: 'states' }, { layer_name: 'nation' }] });
    expect(res.status, res.text).toBe(202);
    const children = (res.body.results as Body[]).map((r) => ({
      id: String(r.new_job_id),
      layer: String(r.layer_name),
    }));
    for (const child of children) {
      const job = await finished(child.id);
      expect(job.status).toBe('failed');
      expect(job.error).toMatchObject({
        code: 'missing-crs',
        message: expect.stringMatching(/not longitude\/latitude/),
      });
    }
    expect(
      await stack.sql('SELECT id FROM datasets WHERE source_job_id = ANY($1::uuid[])', [children.map((c) => c.id)]),
    ).toEqual([]);

    // A raster option is not one a vector layer takes: 422, and the job stays failed.
    const wrongKind = await stack.api<Body>('POST', `/api/jobs/${children[0]!.id}/retry`, {
      token,
      body: { strict_cog: true },
    });
    expect(wrongKind.status, wrongKind.text).toBe(422);
    expect(wrongKind.body.errors).toEqual([
      { loc: ['body', 'strict_cog'], msg: expect.any(String), type: 'not_applicable' },
    ]);
    expect((await stack.api<Body>('GET', `/api/jobs/${children[0]!.id}`, { token })).body.status).toBe('failed');

    // The way out without a new upload: retry each child, naming the CRS (here a relabel to Web Mercator).
    for (const child of children) {
      const retried = await stack.api<Body>('POST', `/api/jobs/${child.id}/retry`, {
        token,
        body: { srid_override: 3857, title: `Albers ${child.layer}` },
      });
      expect(retried.status, retried.text).toBe(202);
      const job = await stack.waitForJob(
        token,
        child.id,
        (j) => j.status === 'completed' || (j.status === 'failed' && Number(j.attempts) > 1),
        150_000,
      );
      expect(job.status, JSON.stringify(job)).toBe('completed');
      const ds = await stack.api<Body>('GET', `/api/datasets/${String(job.dataset_id)}`, { token });
      expect(ds.body).toMatchObject({
        crs: 3857,
        title: `Albers ${child.layer}`,
        feature_count: (await ogrinfo(paths[file.name]!, child.layer)).featureCount,
      });
    }
  });
});
