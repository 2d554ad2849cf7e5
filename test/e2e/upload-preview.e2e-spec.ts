import { readFile, readdir } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureFixtures, type FixtureName } from '../fixtures/fixtures.js';
import { Stack, uniqueOwner } from './support/stack.js';

type Body = Record<string, unknown>;
const MAX = 5 * 1024 * 1024;

/** Every object under the stack's storage root (to prove rejected uploads leave nothing behind). */
async function storedObjects(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile() && !e.parentPath.includes('.health'))
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

describe('streamed uploads and worker-side previews', () => {
  let stack: Stack;
  let token: string;
  let fixtures: Record<FixtureName, string>;

  beforeAll(async () => {
    fixtures = await ensureFixtures();
    stack = await Stack.start({
      env: {
        UPLOAD_MAX_FILE_SIZE_BYTES: String(MAX),
        STORAGE_LOCAL_ROOT: `${process.env.STORAGE_LOCAL_ROOT}/${randomUUID()}`,
      },
    });
    token = await stack.mintToken(uniqueOwner('uploader'), ['upload']);
  });

  afterAll(async () => {
    await stack.stop();
  });

  const uploadFixture = async (name: FixtureName, as?: string) =>
    stack.upload<Body>(token, { name: as ?? name, data: await readFile(fixtures[name]) });

  const uploadAndPreview = async (name: FixtureName, layer?: string): Promise<{ jobId: string; preview: Body }> => {
    const up = await uploadFixture(name);
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    expect(up.body).toMatchObject({ status: 'pending', job_id: expect.any(String) });
    const jobId = String(up.body.job_id);
    const query = layer ? `?layer_name=${encodeURIComponent(layer)}` : '';
    const preview = await stack.api<Body>('POST', `/api/ingest/preview/${jobId}${query}`, { token });
    expect(preview.status, JSON.stringify(preview.body)).toBe(200);
    return { jobId, preview: preview.body };
  };

  it('describes the upload limits', async () => {
    const res = await stack.api('GET', '/api/ingest/upload/config', { token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      presigned_uploads: false,
      presigned_threshold_bytes: 100 * 1024 * 1024,
      part_size_bytes: 10 * 1024 * 1024,
      max_file_size_bytes: MAX,
      allowed_extensions: [
        '.gpkg',
        '.zip',
        '.geojson',
        '.json',
        '.topojson',
        '.csv',
        '.xlsx',
        '.tif',
        '.tiff',
        '.fgb',
        '.kml',
      ],
    });
  });

  it('previews a three-layer GeoPackage, any layer, and records the layer list on the job', async () => {
    const { jobId, preview } = await uploadAndPreview('layers3.gpkg');
    expect(preview).toMatchObject({ job_id: jobId, source_filename: 'layers3.gpkg', kind: 'vector' });
    const layers = preview.layers as { name: string; feature_count: number; geometry_type: string }[];
    expect(layers.map((l) => l.name).sort()).toEqual(['parcels', 'roads', 'sites']);
    expect(preview.layer_name).toBe(layers[0]?.name);

    const parcels = await stack.api<Body>('POST', `/api/ingest/preview/${jobId}?layer_name=parcels`, { token });
    expect(parcels.status).toBe(200);
    expect(parcels.body).toMatchObject({
      layer_name: 'parcels',
      crs: 32633,
      geometry_type: 'MultiPolygon',
      feature_count: 10,
    });
    const rows = parcels.body.sample_rows as Record<string, unknown>[];
    expect(rows.length).toBe(5);
    expect(String(rows[0]?.geometry)).toMatch(/^MULTIPOLYGON/);
    expect((parcels.body.columns as { name: string }[]).length).toBeGreaterThan(0);

    const [row] = await stack.sql<{ all_layers: string[]; status: string }>(
      'SELECT all_layers, status FROM ingest_jobs WHERE id = $1',
      [jobId],
    );
    expect(row?.status).toBe('pending');
    expect([...(row?.all_layers ?? [])].sort()).toEqual(['parcels', 'roads', 'sites']);
  });

  it('refuses dash-prefixed and unknown layer names before GDAL sees them', async () => {
    const { jobId } = await uploadAndPreview('layers3.gpkg');
    const dash = await stack.api<Body>('POST', `/api/ingest/preview/${jobId}?layer_name=-oo`, { token });
    expect(dash.status).toBe(422);
    const unknown = await stack.api<Body>('POST', `/api/ingest/preview/${jobId}?layer_name=nope`, { token });
    expect(unknown.status).toBe(422);
    expect(unknown.body).toMatchObject({ unknown_layers: ['nope'] });
    expect((unknown.body.available_layers as string[]).sort()).toEqual(['parcels', 'roads', 'sites']);
  });

  it('previews a zipped shapefile, a GeoJSON file, and CSV/XLSX tables with coordinate columns', async () => {
    const shp = (await uploadAndPreview('parcels_shp.zip')).preview;
    expect(shp).toMatchObject({ kind: 'vector', geometry_type: expect.stringMatching(/Polygon/), crs: 32633 });
    const geojson = (await uploadAndPreview('sample.geojson')).preview;
    expect(geojson).toMatchObject({ kind: 'vector', geometry_type: 'Point', crs: 4326 });
    for (const table of ['points_lonlat.csv', 'points.xlsx'] as const) {
      const preview = (await uploadAndPreview(table)).preview;
      expect(preview, table).toMatchObject({ kind: 'vector', geometry_type: null, feature_count: 100 });
      expect(preview.detected_geometry_columns, table).toMatchObject({ x_column: 'lon', y_column: 'lat' });
    }
  });

  it('previews rasters and reports COG compliance', async () => {
    const plain = (await uploadAndPreview('plain.tif')).preview;
    expect(plain).toMatchObject({ kind: 'raster', crs: 32633, band_count: 1, dtype: 'UInt16', is_cog: false });
    expect(plain.cog_issues).toEqual(expect.arrayContaining([expect.stringMatching(/not tiled/)]));
    const cog = (await uploadAndPreview('cog.tif')).preview;
    expect(cog).toMatchObject({ kind: 'raster', is_cog: true, cog_issues: [], compression: 'DEFLATE' });
    expect(cog.res_x).toEqual(expect.any(Number));
  });

  it('answers 422 for a file GDAL cannot read, without hurting the worker', async () => {
    const up = await uploadFixture('corrupt.gpkg');
    expect(up.status).toBe(201);
    const preview = await stack.api<Body>('POST', `/api/ingest/preview/${String(up.body.job_id)}`, { token });
    expect(preview.status).toBe(422);
    expect(preview.body.detail).toBe('The file could not be read as a supported geospatial format.');
    expect(preview.text).not.toMatch(/staging|\/tmp|\.tmp|sqlite3?_|ERROR \d/);
    // The worker is still serving.
    expect((await uploadAndPreview('sample.geojson')).preview.kind).toBe('vector');
  });

  it('rejects content that does not match its extension, bombs and nested archives, keeping nothing', async () => {
    const before = await storedObjects(stack.env.STORAGE_LOCAL_ROOT ?? '');
    const elf = await uploadFixture('elf.geojson');
    expect(elf.status).toBe(415);
    const bomb = await uploadFixture('bomb.zip');
    expect(bomb.status).toBe(422);
    expect(String(bomb.body.detail)).toMatch(/^The archive was refused/);
    const nested = await uploadFixture('nested.zip');
    expect(nested.status).toBe(422);
    const exe = await stack.upload(token, { name: 'tool.exe', data: Buffer.from('MZ....') });
    expect(exe.status).toBe(422);
    expect(exe.body).toMatchObject({ detail: expect.stringContaining("'.exe'") });
    for (const res of [elf, bomb, nested, exe]) expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    expect(await storedObjects(stack.env.STORAGE_LOCAL_ROOT ?? '')).toEqual(before);
  });

  it('reduces a hostile filename to a safe basename', async () => {
    const up = await uploadFixture('sample.geojson', '../../etc/evil.geojson');
    expect(up.status).toBe(201);
    const job = await stack.api<Body>('GET', `/api/jobs/${String(up.body.job_id)}`, { token });
    expect(job.body.source_filename).toBe('evil.geojson');
  });

  it('answers a small refused upload while the client is still sending, reads the rest and keeps the connection', async () => {
    const boundary = `----strata${randomUUID()}`;
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="tool.exe"\r\nContent-Type: application/octet-stream\r\n\r\n`;
    // The first write carries a little of the file too: the multipart parser holds back the part
    // header's last CRLF (it could start a boundary) until more bytes arrive.
    const first = Buffer.concat([Buffer.from(head), Buffer.alloc(1024, 'M')]);
    const rest = Buffer.concat([Buffer.alloc(256 * 1024, 'M'), Buffer.from(`\r\n--${boundary}--\r\n`)]);
    const url = new URL(`${stack.baseUrl}/api/ingest/upload`);
    const outcome = await new Promise<{ status: number; connection: string | undefined; body: string }>(
      (resolve, reject) => {
        const req = request({
          hostname: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': `multipart/form-data; boundary=${boundary}`,
            'content-length': first.length + rest.length,
          },
        });
        // Any write failure (EPIPE, reset) fails the test: the server must read what it was promised.
        req.on('error', reject);
        let sentAll = false;
        let answer: { status: number; connection: string | undefined; body: string } | undefined;
        const settle = (): void => {
          if (sentAll && answer) resolve(answer);
        };
        req.on('finish', () => {
          sentAll = true;
          settle();
        });
        req.on('response', (res) => {
          // Only now, with the answer in hand, send the rest of the declared body.
          req.end(rest);
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => {
            answer = { status: res.statusCode ?? 0, connection: res.headers.connection, body };
            settle();
          });
        });
        req.flushHeaders();
        req.write(first);
      },
    );
    expect(outcome.status).toBe(422);
    expect(JSON.parse(outcome.body)).toMatchObject({ detail: expect.stringContaining("'.exe'") });
    expect(outcome.connection).not.toBe('close');
  });

  it('answers 413 as soon as a streamed upload passes the limit, and keeps no partial file', async () => {
    const before = await storedObjects(stack.env.STORAGE_LOCAL_ROOT ?? '');
    const boundary = `----strata${randomUUID()}`;
    const url = new URL(`${stack.baseUrl}/api/ingest/upload`);
    let sent = 0;
    const status = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          hostname: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
        },
        (res) => {
          let body = '';
          res.on('data', (c: Buffer) => (body += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      // The server answers and closes while we are still sending: writing then fails (EPIPE, reset),
      // but the answer has arrived and is read. Only a connection that ends without one fails the test.
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
      });
      req.on('close', () => {
        if (sent !== Number.POSITIVE_INFINITY) reject(new Error('the connection closed without a response'));
      });
      req.write(
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\nContent-Type: text/csv\r\n\r\n`,
      );
      const chunk = Buffer.alloc(64 * 1024, 'a');
      // Offer up to 4× the limit, but stop as soon as the server has answered.
      const pump = (): void => {
        while (sent < 4 * MAX) {
          sent += chunk.length;
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
        req.end(`\r\n--${boundary}--\r\n`);
      };
      req.on('response', () => (sent = Number.POSITIVE_INFINITY));
      pump();
    });
    expect(status.status).toBe(413);
    expect(JSON.parse(status.body)).toMatchObject({ status: 413, max_file_size_bytes: MAX });
    expect(await storedObjects(stack.env.STORAGE_LOCAL_ROOT ?? '')).toEqual(before);
  });

  it('refuses requests that are not a multipart upload of a `file` field', async () => {
    const json = await stack.api('POST', '/api/ingest/upload', { token, body: { file: 'x' } });
    expect(json.status).toBe(415);
    const wrongField = await stack.upload(token, { name: 'a.geojson', data: Buffer.from('{}') }, 'document');
    expect(wrongField.status).toBe(400);
  });

  it('previews only pending jobs, and only for their owner', async () => {
    const up = await uploadFixture('sample.geojson');
    const jobId = String(up.body.job_id);
    const stranger = await stack.mintToken(uniqueOwner('stranger'), ['upload']);
    expect((await stack.api('POST', `/api/ingest/preview/${jobId}`, { token: stranger })).status).toBe(404);
    expect((await stack.api('POST', `/api/jobs/${jobId}/cancel`, { token })).status).toBe(200);
    const late = await stack.api<Body>('POST', `/api/ingest/preview/${jobId}`, { token });
    expect(late.status).toBe(409);
    expect(late.body.detail).toBe("Job is 'cancelled'; only a pending job can be previewed.");
  });

  it('says clearly that presigned uploads need S3 storage', async () => {
    const res = await stack.api<Body>('POST', '/api/ingest/upload/presigned', {
      token,
      body: { filename: 'a.gpkg', file_size: 1000 },
    });
    expect(res.status).toBe(400);
    expect(res.body.detail).toBe(
      'Presigned uploads need S3 storage (STORAGE_DRIVER=s3); use POST /api/ingest/upload instead.',
    );
  });

  it('requires the upload capability', async () => {
    const layersOnly = await stack.mintToken(uniqueOwner('analyst'), ['create_layers']);
    expect((await stack.api('GET', '/api/ingest/upload/config', { token: layersOnly })).status).toBe(403);
    expect((await stack.upload(layersOnly, { name: 'a.geojson', data: Buffer.from('{}') })).status).toBe(403);
  });
});

describe('preview without a preview worker', () => {
  let stack: Stack;
  let token: string;
  let fixtures: Record<FixtureName, string>;

  beforeAll(async () => {
    fixtures = await ensureFixtures();
    stack = await Stack.start({ env: { PREVIEW_TIMEOUT_MS: '1000' }, workerEnv: { WORKER_QUEUES: 'system' } });
    token = await stack.mintToken(uniqueOwner('uploader'), ['upload']);
  });

  afterAll(async () => {
    await stack.stop();
  });

  it('answers 504 with a problem body and leaves the job previewable', async () => {
    const up = await stack.upload<Body>(token, {
      name: 'sample.geojson',
      data: await readFile(fixtures['sample.geojson']),
    });
    const jobId = String(up.body.job_id);
    const res = await stack.api<Body>('POST', `/api/ingest/preview/${jobId}`, { token });
    expect(res.status).toBe(504);
    expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    expect(res.body.detail).toMatch(/can be previewed again/);
    expect((await stack.api<Body>('GET', `/api/jobs/${jobId}`, { token })).body.status).toBe('pending');
    await stack.startWorker({ WORKER_QUEUES: 'preview' });
    // With a 1 s preview timeout, a busy machine may still answer 504 while the new worker gets going;
    // each 504 leaves the job previewable, so asking again must succeed.
    let status = 0;
    for (let attempt = 0; attempt < 30 && status !== 200; attempt += 1) {
      status = (await stack.api('POST', `/api/ingest/preview/${jobId}`, { token })).status;
      expect([200, 504]).toContain(status);
    }
    expect(status).toBe(200);
  });
});
