import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import gdal from 'gdal-async';
import type { ApiResponse, Stack } from './stack.js';

type Body = Record<string, unknown>;

/** A generated tile: georeferencing, bands, type and the value every pixel holds. */
export interface TileSpec {
  x0: number;
  y0: number;
  epsg?: number;
  bands?: number;
  type?: string;
  value: number;
}

export const PX = 10;
export const SIZE = 64;
export const X0 = 300000;
export const Y0 = 5800640;

/** A striped, uncompressed GeoTIFF (so Strata converts it to a COG), nodata 0. */
export async function writeTile(path: string, spec: TileSpec): Promise<void> {
  const bands = spec.bands ?? 1;
  const ds = await gdal.drivers
    .get('GTiff')
    .createAsync(path, SIZE, SIZE, bands, spec.type ?? gdal.GDT_Byte, ['TILED=NO', 'COMPRESS=NONE']);
  try {
    ds.geoTransform = [spec.x0, PX, 0, spec.y0, 0, -PX];
    ds.srs = gdal.SpatialReference.fromEPSG(spec.epsg ?? 32633);
    for (let b = 1; b <= bands; b += 1) {
      const band = await ds.bands.getAsync(b);
      band.noDataValue = 0;
      await band.fillAsync(spec.value);
    }
    await ds.flushAsync();
  } finally {
    ds.close();
  }
}

/** A failed precondition of a helper (the tests' own assertions use expect). */
function must(condition: boolean, detail: string): void {
  if (!condition) throw new Error(`unexpected answer: ${detail}`);
}

/** Everything the VRT tests share: tiles made into COGs by Strata itself, and the VRT routes. */
export class VrtClient {
  constructor(
    readonly stack: Stack,
    readonly token: string,
    private readonly dir: string,
  ) {}

  /** Uploads and commits a generated GeoTIFF; resolves to the raster dataset Strata made of it. */
  async tile(name: string, spec: TileSpec): Promise<Body> {
    const path = join(this.dir, `${name}.tif`);
    await writeTile(path, spec);
    const up = await this.stack.upload<Body>(this.token, { name: `${name}.tif`, data: await readFile(path) });
    must(up.status === 201, up.text);
    const jobId = String(up.body.job_id);
    const commit = await this.stack.api<Body>('POST', `/api/ingest/commit/${jobId}`, {
      token: this.token,
      body: { title: name },
    });
    must(commit.status === 202, commit.text);
    const job = await this.finished(jobId);
    must(job.status === 'completed', JSON.stringify(job));
    return this.dataset(job.dataset_id);
  }

  finished(jobId: string): Promise<Body> {
    return this.stack.waitForJob(
      this.token,
      jobId,
      (j) => ['completed', 'failed', 'cancelled'].includes(String(j.status)),
      90_000,
    );
  }

  async dataset(id: unknown): Promise<Body> {
    const res = await this.stack.api<Body>('GET', `/api/datasets/${String(id)}`, { token: this.token });
    must(res.status === 200, res.text);
    return res.body;
  }

  create(ids: unknown[], vrtType = 'mosaic', token = this.token): Promise<ApiResponse<Body>> {
    return this.stack.api<Body>('POST', '/api/ingest/vrt/create', {
      token,
      body: { source_dataset_ids: ids, vrt_type: vrtType, resolution_strategy: 'finest', title: 'Tiles' },
    });
  }

  add(vrtId: unknown, sourceId: unknown, token = this.token): Promise<ApiResponse<Body>> {
    return this.stack.api<Body>('POST', `/api/ingest/vrt/${String(vrtId)}/sources/`, {
      token,
      body: { source_dataset_id: sourceId },
    });
  }

  remove(vrtId: unknown, sourceId: unknown): Promise<ApiResponse<Body>> {
    return this.stack.api<Body>('DELETE', `/api/ingest/vrt/${String(vrtId)}/sources/${String(sourceId)}/`, {
      token: this.token,
    });
  }

  async status(vrtId: unknown): Promise<Body> {
    const res = await this.stack.api<Body>('GET', `/api/datasets/${String(vrtId)}/vrt/status`, { token: this.token });
    must(res.status === 200, res.text);
    return res.body;
  }

  /** Creates a VRT and waits for it; resolves to the VRT dataset. */
  async createReady(ids: unknown[], vrtType = 'mosaic'): Promise<Body> {
    const job = await this.changed(await this.create(ids, vrtType));
    return this.dataset(job.dataset_id);
  }

  /** A change that must be accepted (202 `accepted`): waits for its job to end as `expected`. */
  async changed(res: ApiResponse<Body>, expected = 'completed'): Promise<Body> {
    must(res.status === 202 && res.body.status === 'accepted', res.text);
    const job = await this.finished(String(res.body.job_id));
    must(job.status === expected, JSON.stringify(job));
    return job;
  }
}
