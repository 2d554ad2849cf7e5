import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { Queue } from 'bullmq';
import gdal from 'gdal-async';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveVrtSources } from '@app/contracts';
import { TestBucket } from './support/s3.js';
import { Stack, uniqueOwner, type ApiResponse } from './support/stack.js';
import { SIZE, VrtClient, X0, Y0, PX, type TileSpec } from './support/vrt-client.js';

type Body = Record<string, unknown>;

interface VrtRead {
  width: number;
  height: number;
  bands: number;
  /** Value at a tile centre (32 + 64 k, 32 + 64 j) read when the VRT was opened; NaN outside. */
  pixel: (x: number, y: number, band?: number) => number;
}

/** Opens a stored VRT document the way a reader through the configured store does, and reads tile centres. */
async function readVrt(xml: string, key: string, gdalPathOf: (key: string) => string): Promise<VrtRead> {
  const mem = `/vsimem/${randomUUID()}.vrt`;
  gdal.vsimem.set(Buffer.from(resolveVrtSources(xml, key, gdalPathOf)), mem);
  const ds = await gdal.openAsync(mem);
  try {
    const size = await ds.rasterSizeAsync;
    const bands = await ds.bands.countAsync();
    const values = new Map<string, number>();
    for (let b = 1; b <= bands; b += 1) {
      const band = await ds.bands.getAsync(b);
      for (let x = SIZE / 2; x < size.x; x += SIZE)
        for (let y = SIZE / 2; y < size.y; y += SIZE)
          values.set(`${x},${y},${b}`, Number((await band.pixels.readAsync(x, y, 1, 1))[0]));
    }
    return { width: size.x, height: size.y, bands, pixel: (x, y, b = 1) => values.get(`${x},${y},${b}`) ?? NaN };
  } finally {
    ds.close();
    gdal.vsimem.release(mem);
  }
}

const ids = (status: Body): string[] => (status.sources as { dataset_id: string }[]).map((s) => s.dataset_id);

describe('VRT mosaics on local storage', () => {
  let stack: Stack;
  let vrt: VrtClient;
  let workDir: string;
  const storageRoot = resolve(`${process.env.STORAGE_LOCAL_ROOT}/${randomUUID()}`);
  const localPath = (key: string): string => join(storageRoot, key);
  const tiles: Record<string, Body> = {};
  let mosaic: Body;

  beforeAll(async () => {
    workDir = await mkdtemp(join(tmpdir(), 'strata-vrt-e2e-'));
    stack = await Stack.start({ env: { STORAGE_LOCAL_ROOT: storageRoot } });
    vrt = new VrtClient(stack, await stack.mintToken(uniqueOwner('mosaicker'), ['upload']), workDir);
    const specs: Record<string, TileSpec> = {
      a: { x0: X0, y0: Y0, value: 11 },
      b: { x0: X0 + SIZE * PX, y0: Y0, value: 22 },
      c: { x0: X0 + 2 * SIZE * PX, y0: Y0, value: 33 },
      utm32: { x0: X0, y0: Y0, value: 44, epsg: 32632 },
      rgb: { x0: X0, y0: Y0 - SIZE * PX, value: 55, bands: 3 },
      uint16: { x0: X0, y0: Y0 - SIZE * PX, value: 1000, type: gdal.GDT_UInt16 },
      south1: { x0: X0, y0: Y0 - SIZE * PX, value: 66 },
      south2: { x0: X0 + SIZE * PX, y0: Y0 - SIZE * PX, value: 77 },
      band1: { x0: X0, y0: Y0, value: 1 },
      band2: { x0: X0, y0: Y0, value: 2 },
      band3: { x0: X0, y0: Y0, value: 3 },
      lost: { x0: X0 + 3 * SIZE * PX, y0: Y0, value: 88 },
    };
    for (const [name, spec] of Object.entries(specs)) tiles[name] = await vrt.tile(name, spec);
  }, 300_000);

  afterAll(async () => {
    await stack?.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  const readLocal = async (key: string): Promise<VrtRead> =>
    readVrt(await readFile(localPath(key), 'utf8'), key, localPath);
  const id = (name: string): string => String(tiles[name]?.id);

  it('creates a 2-tile mosaic whose VRT GDAL reads: size, extent, pixel values at tile centres', async () => {
    mosaic = await vrt.createReady([id('a'), id('b')]);
    expect(mosaic).toMatchObject({ kind: 'vrt', title: 'Tiles', crs: 32633 });
    expect(mosaic.raster).toMatchObject({
      width: 128,
      height: 64,
      band_count: 1,
      dtype: 'Byte',
      nodata: 0,
      res_x: 10,
      res_y: -10,
      geo_transform: [X0, 10, 0, Y0, 0, -10],
    });
    const key = String(mosaic.storage_key);
    expect(key).toBe(`datasets/${String(mosaic.id)}/generations/1.vrt`);
    const [aw, as, , an] = tiles.a!.extent as number[];
    const [, , be] = tiles.b!.extent as number[];
    const extent = mosaic.extent as number[];
    expect(extent[0]).toBeCloseTo(aw!, 6);
    expect(extent[1]).toBeCloseTo(as!, 3);
    expect(extent[2]).toBeCloseTo(be!, 6);
    expect(extent[3]).toBeCloseTo(an!, 3);

    // Relative to the VRT, never this machine's storage root: GDAL opens the stored file as it is.
    const xml = await readFile(localPath(key), 'utf8');
    expect(xml).not.toContain(storageRoot);
    expect(xml).toContain(`<SourceFilename relativeToVRT="1">../../${id('a')}/`);
    const direct = await gdal.openAsync(localPath(key));
    const band = await direct.bands.getAsync(1);
    const centres = [(await band.pixels.readAsync(32, 32, 1, 1))[0], (await band.pixels.readAsync(96, 32, 1, 1))[0]];
    const size = await direct.rasterSizeAsync;
    direct.close();
    expect([size.x, size.y, ...centres]).toEqual([128, 64, 11, 22]);

    const status = await vrt.status(mosaic.id);
    expect(status).toMatchObject({ status: 'ready', generation: 1 });
    expect(status.sources).toEqual([
      { dataset_id: id('a'), position: 0 },
      { dataset_id: id('b'), position: 1 },
    ]);
    expect(status.generations).toEqual([
      expect.objectContaining({ generation: 1, status: 'published', source_count: 2, error: null }),
    ]);
  });

  it('adds a third tile: regenerating (membership unchanged, 409 for another change), then ready and wider', async () => {
    // The vrt queue is paused so the regenerating state can be observed without racing the worker.
    const queue = new Queue('vrt', {
      prefix: stack.env.QUEUE_PREFIX,
      connection: { url: stack.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
    });
    await queue.pause();
    let accepted: ApiResponse<Body>;
    try {
      accepted = await vrt.add(mosaic.id, id('c'));
      expect(accepted.status, accepted.text).toBe(202);
      expect(accepted.body).toMatchObject({ status: 'accepted' });
      const during = await vrt.status(mosaic.id);
      expect(during).toMatchObject({ status: 'regenerating', generation: 1 });
      expect(ids(during)).toEqual([id('a'), id('b')]);
      expect((await vrt.dataset(mosaic.id)).storage_key).toBe(mosaic.storage_key);
      const again = await vrt.add(mosaic.id, id('south1'));
      expect(again.status, again.text).toBe(409);
      expect(String(again.body.detail)).toMatch(/regenerating/);
    } finally {
      await queue.resume();
      await queue.close();
    }
    const job = await vrt.changed(accepted);
    expect(job.dataset_id).toBe(mosaic.id);
    const after = await vrt.status(mosaic.id);
    expect(after).toMatchObject({ status: 'ready', generation: 2 });
    expect(ids(after)).toEqual([id('a'), id('b'), id('c')]);
    expect((after.generations as Body[]).map((g) => [g.generation, g.status, g.source_count])).toEqual([
      [1, 'published', 2],
      [2, 'published', 3],
    ]);
    const wider = await vrt.dataset(mosaic.id);
    expect(wider.storage_key).toBe(`datasets/${String(mosaic.id)}/generations/2.vrt`);
    expect((wider.raster as Body).width).toBe(192);
    expect((wider.extent as number[])[2]).toBeGreaterThan((mosaic.extent as number[])[2]!);
    const read = await readLocal(String(wider.storage_key));
    expect([read.width, read.height, read.pixel(32, 32), read.pixel(96, 32), read.pixel(160, 32)]).toEqual([
      192, 64, 11, 22, 33,
    ]);
    // The earlier generation is immutable and still there.
    expect((await readLocal(String(mosaic.storage_key))).width).toBe(128);
    mosaic = wider;
  });

  it('adding a linked source again → 409', async () => {
    const res = await vrt.add(mosaic.id, id('c'));
    expect(res.status, res.text).toBe(409);
    expect(String(res.body.detail)).toMatch(/already a source/);
  });

  it('another CRS, another band count, another data type → 422 naming each, nothing staged', async () => {
    for (const [name, code] of [
      ['utm32', 'crs_mismatch'],
      ['rgb', 'band_count_mismatch'],
      ['uint16', 'dtype_mismatch'],
    ] as const) {
      const res = await vrt.add(mosaic.id, id(name));
      expect(res.status, res.text).toBe(422);
      expect(res.body.errors).toEqual([expect.objectContaining({ source_id: id(name), code })]);
    }
    // A creation from all of them lists every incompatibility at once.
    const res = await vrt.create([id('a'), id('utm32'), id('rgb'), id('uint16')]);
    expect(res.status, res.text).toBe(422);
    expect((res.body.errors as Body[]).map((e) => [e.source_id, e.code])).toEqual([
      [id('utm32'), 'crs_mismatch'],
      [id('rgb'), 'band_count_mismatch'],
      [id('uint16'), 'dtype_mismatch'],
    ]);
    const status = await vrt.status(mosaic.id);
    expect(status).toMatchObject({ status: 'ready', generation: 2 });
    expect(status.generations).toHaveLength(2);
  });

  it('404 for a VRT or a source the caller cannot read, before 409 and 422', async () => {
    const stranger = await stack.mintToken(uniqueOwner('stranger'), ['upload']);
    // Their VRT (and an incompatible, linked-elsewhere source): 404 rather than 409 or 422.
    expect((await vrt.add(mosaic.id, id('utm32'), stranger)).status).toBe(404);
    expect((await vrt.add(mosaic.id, randomUUID())).status).toBe(404);
    expect((await vrt.create([id('a'), id('b')], 'mosaic', stranger)).status).toBe(404);
  });

  it('removes a tile → ready and narrower; down to one source → 422; unknown link → 404', async () => {
    await vrt.changed(await vrt.remove(mosaic.id, id('c')));
    const status = await vrt.status(mosaic.id);
    expect(status).toMatchObject({ status: 'ready', generation: 3 });
    expect(ids(status)).toEqual([id('a'), id('b')]);
    const narrower = await vrt.dataset(mosaic.id);
    expect((narrower.raster as Body).width).toBe(128);
    expect((narrower.extent as number[])[2]).toBeLessThan((mosaic.extent as number[])[2]!);
    mosaic = narrower;

    const tooFew = await vrt.remove(mosaic.id, id('a'));
    expect(tooFew.status, tooFew.text).toBe(422);
    const notLinked = await vrt.remove(mosaic.id, id('c'));
    expect(notLinked.status, notLinked.text).toBe(404);
    expect((await vrt.status(mosaic.id)).generation).toBe(3);
  });

  it('two simultaneous adds of different compatible tiles → one 202, one 409; the mosaic holds exactly one', async () => {
    const [first, second] = await Promise.all([vrt.add(mosaic.id, id('south1')), vrt.add(mosaic.id, id('south2'))]);
    expect([first.status, second.status].sort((x, y) => x - y)).toEqual([202, 409]);
    await vrt.changed(first.status === 202 ? first : second);
    const status = await vrt.status(mosaic.id);
    expect(status.status).toBe('ready');
    const members = ids(status);
    expect(members).toHaveLength(3);
    expect(members.filter((m) => m === id('south1') || m === id('south2'))).toHaveLength(1);
    const [links] = await stack.sql<{ n: string }>('SELECT count(*) AS n FROM vrt_links WHERE vrt_dataset_id = $1', [
      mosaic.id,
    ]);
    expect(Number(links?.n)).toBe(3);
    mosaic = await vrt.dataset(mosaic.id);
    expect((mosaic.raster as Body).height).toBe(128);
  });

  it('an add racing the delete of the same tile: one wins, the state stays consistent', async () => {
    const lone = await vrt.tile('racer', { x0: X0 + SIZE * PX, y0: Y0 - 2 * SIZE * PX, value: 99 });
    const [add, del] = await Promise.all([
      vrt.add(mosaic.id, lone.id),
      stack.api<Body>('DELETE', `/api/datasets/${String(lone.id)}`, { token: vrt.token }),
    ]);
    const addWon = add.status === 202;
    if (addWon) await vrt.finished(String(add.body.job_id));
    const exists = (await stack.api('GET', `/api/datasets/${String(lone.id)}`, { token: vrt.token })).status === 200;
    const status = await vrt.status(mosaic.id);
    expect({
      add: add.status,
      del: del.status,
      member: ids(status).includes(String(lone.id)),
      exists,
      vrtIds: (del.body as Body | undefined)?.vrt_ids ?? null,
    }).toEqual(
      addWon
        ? { add: 202, del: 409, member: true, exists: true, vrtIds: [mosaic.id] }
        : { add: 404, del: 200, member: false, exists: false, vrtIds: null },
    );
    expect(status.status).toBe('ready');
    const members = await stack.sql<{ id: string }>(
      'SELECT d.id FROM vrt_links l JOIN datasets d ON d.id = l.source_dataset_id WHERE l.vrt_dataset_id = $1',
      [mosaic.id],
    );
    expect(members.map((m) => m.id).sort()).toEqual([...ids(status)].sort());
    mosaic = await vrt.dataset(mosaic.id);
  });

  it('deleting a tile a VRT uses → 409 naming the VRT; an unused tile can be deleted', async () => {
    const used = await stack.api<Body>('DELETE', `/api/datasets/${id('a')}`, { token: vrt.token });
    expect(used.status, used.text).toBe(409);
    expect(used.body.vrt_ids).toEqual([mosaic.id]);
    expect((await vrt.dataset(id('a'))).id).toBe(id('a'));
    const unused = await stack.api<Body>('DELETE', `/api/datasets/${id('utm32')}`, { token: vrt.token });
    expect(unused.status, unused.text).toBe(200);
    expect(unused.body).toEqual({ id: id('utm32'), status: 'deleted' });
    const gone = await stack.api<Body>('GET', `/api/datasets/${id('utm32')}`, { token: vrt.token });
    expect(gone.status).toBe(404);
  });

  it('a regeneration that fails (a source object removed from storage) → failed, the last good generation still served', async () => {
    const before = await vrt.status(mosaic.id);
    const served = String(mosaic.storage_key);
    await rm(localPath(String(tiles.lost!.storage_key)));
    const job = await vrt.changed(await vrt.add(mosaic.id, id('lost')), 'failed');
    expect((job.error as Body).message).toMatch(/could not be read/);
    const status = await vrt.status(mosaic.id);
    expect(status).toMatchObject({ status: 'failed', generation: before.generation });
    expect(status.sources).toEqual(before.sources);
    expect((status.error as Body).message).toMatch(/could not be read/);
    const history = status.generations as Body[];
    expect(history.at(-1)).toMatchObject({ status: 'failed', source_count: ids(before).length + 1 });
    expect(history.filter((g) => g.status === 'published').at(-1)?.generation).toBe(before.generation);
    const dataset = await vrt.dataset(mosaic.id);
    expect(dataset.storage_key).toBe(served);
    const read = await readLocal(served);
    expect([read.pixel(32, 32), read.pixel(96, 32)]).toEqual([11, 22]);

    // The VRT is not stuck: a later change is accepted again.
    await vrt.changed(await vrt.remove(mosaic.id, ids(status).at(-1)));
    expect((await vrt.status(mosaic.id)).status).toBe('ready');
  });

  it('a band stack of three single-band tiles has 3 bands; a misaligned one is refused', async () => {
    const stacked = await vrt.createReady([id('band1'), id('band2'), id('band3')], 'band_stack');
    expect(stacked.raster).toMatchObject({ width: 64, height: 64, band_count: 3, dtype: 'Byte' });
    const read = await readLocal(String(stacked.storage_key));
    expect([read.bands, read.pixel(32, 32, 1), read.pixel(32, 32, 2), read.pixel(32, 32, 3)]).toEqual([3, 1, 2, 3]);
    const misaligned = await vrt.create([id('band1'), id('b')], 'band_stack');
    expect(misaligned.status, misaligned.text).toBe(422);
    expect(misaligned.body.errors).toEqual([expect.objectContaining({ source_id: id('b'), code: 'grid_misaligned' })]);
  });
});

describe('VRT mosaics on S3 storage (/vsis3/)', () => {
  let stack: Stack;
  let vrt: VrtClient;
  let workDir: string;
  let bucket: TestBucket;

  beforeAll(async () => {
    bucket = await TestBucket.create('strata-vrt');
    workDir = await mkdtemp(join(tmpdir(), 'strata-vrt-s3-e2e-'));
    stack = await Stack.start({ env: bucket.stackEnv() });
    vrt = new VrtClient(stack, await stack.mintToken(uniqueOwner('s3-mosaicker'), ['upload']), workDir);
  }, 120_000);

  afterAll(async () => {
    await stack?.stop();
    await rm(workDir, { recursive: true, force: true });
    await bucket?.drop();
  });

  it('builds from /vsis3/ sources; the stored VRT names them relative to itself, never by bucket', async () => {
    const a = await vrt.tile('s3a', { x0: X0, y0: Y0, value: 11 });
    const b = await vrt.tile('s3b', { x0: X0 + SIZE * PX, y0: Y0, value: 22 });
    const mosaic = await vrt.createReady([a.id, b.id]);
    expect(mosaic.raster).toMatchObject({ width: 128, height: 64, band_count: 1 });
    const key = String(mosaic.storage_key);
    const { s3, name, env } = bucket;
    const object = await s3.send(new GetObjectCommand({ Bucket: name, Key: key }));
    const xml = await object.Body!.transformToString();
    expect(xml).not.toContain(name);
    expect(xml).not.toContain('/vsis3/');
    expect(xml).toContain(`<SourceFilename relativeToVRT="1">../../${String(a.id)}/`);

    // Read through the store, as a worker would.
    for (const [k, v] of Object.entries({
      AWS_S3_ENDPOINT: new URL(env.endpoint).host,
      AWS_HTTPS: 'NO',
      AWS_VIRTUAL_HOSTING: 'FALSE',
      AWS_ACCESS_KEY_ID: env.accessKeyId,
      AWS_SECRET_ACCESS_KEY: env.secretAccessKey,
      AWS_REGION: env.region,
      GDAL_DISABLE_READDIR_ON_OPEN: 'EMPTY_DIR',
    }))
      gdal.config.set(k, v);
    const read = await readVrt(xml, key, (k) => `/vsis3/${name}/${k}`);
    expect([read.width, read.height, read.pixel(32, 32), read.pixel(96, 32)]).toEqual([128, 64, 11, 22]);

    // A regeneration on S3 publishes the next generation under its own key.
    const c = await vrt.tile('s3c', { x0: X0 + 2 * SIZE * PX, y0: Y0, value: 33 });
    await vrt.changed(await vrt.add(mosaic.id, c.id));
    const wider = await vrt.dataset(mosaic.id);
    expect(wider.storage_key).toBe(`datasets/${String(mosaic.id)}/generations/2.vrt`);
    expect((wider.raster as Body).width).toBe(192);
  });
});
