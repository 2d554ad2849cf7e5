import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { StorageDriverName, type AppConfig, type S3StorageConfig } from '@app/config';
import type { GdalSelfTest, Inspection } from '@app/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GdalTaskError, GdalTaskRunner } from './gdal-task.runner.js';

/**
 * The real GDAL child process (the worker build's gdal-task.js: `npm run build` first), reading from a
 * real S3 API (Swift, as for the storage tests: scripts/test.sh starts it and sets S3_TEST_*).
 */
const BUILT_CHILD = fileURLToPath(
  new URL('../../../../dist/apps/worker/apps/worker/src/ingest/gdal-task.js', import.meta.url),
);
if (!existsSync(BUILT_CHILD)) throw new Error(`${BUILT_CHILD} is missing: run \`npm run build\` first.`);
const required = ['S3_TEST_ENDPOINT', 'S3_TEST_ACCESS_KEY_ID', 'S3_TEST_SECRET_ACCESS_KEY', 'S3_TEST_REGION'] as const;
const missing = required.filter((name) => !process.env[name]);
if (missing.length > 0) {
  throw new Error(
    `These tests need ${missing.join(', ')}: start the test S3 server with ` +
      '`bash test/services/swift/start.sh .tmp/swift 8083` and export S3_TEST_ENDPOINT=http://127.0.0.1:8083 ' +
      'S3_TEST_ACCESS_KEY_ID=strata:tester S3_TEST_SECRET_ACCESS_KEY=testing S3_TEST_REGION=us-east-1 ' +
      '(scripts/test.sh does both).',
  );
}
const bucket = `strata-gdal-${randomUUID().slice(0, 13)}`;
const storage: S3StorageConfig = {
  driver: StorageDriverName.S3,
  endpoint: process.env.S3_TEST_ENDPOINT as string,
  region: process.env.S3_TEST_REGION as string,
  bucket,
  accessKeyId: process.env.S3_TEST_ACCESS_KEY_ID as string,
  secretAccessKey: process.env.S3_TEST_SECRET_ACCESS_KEY as string,
  forcePathStyle: true,
};
const config = {
  database: { url: process.env.DATABASE_URL ?? 'postgres://strata:strata@127.0.0.1:5432/strata_test', poolSize: 1 },
  storage,
  worker: { gdal: { cacheMax: '32', spareIdleMs: 30_000, taskTimeoutMs: 0, rasterMaxPixels: 1e10 } },
} as AppConfig;
const admin = new S3Client({
  region: storage.region,
  endpoint: storage.endpoint,
  forcePathStyle: true,
  credentials: { accessKeyId: storage.accessKeyId!, secretAccessKey: storage.secretAccessKey! },
});
const KEY = 'staging/points.geojson';
const objectPath = `/vsis3/${bucket}/${KEY}`;

let dir: string;
let runner: GdalTaskRunner;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-gdal-child-'));
  runner = new (class extends GdalTaskRunner {
    protected override readonly entry = BUILT_CHILD;
  })(config);
  await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  const features = [0, 1, 2].map((i) => ({
    type: 'Feature',
    properties: { id: i, tags: [i, i + 1] },
    geometry: { type: 'Point', coordinates: [15 + i / 10, 45] },
  }));
  await admin.send(
    new PutObjectCommand({ Bucket: bucket, Key: KEY, Body: JSON.stringify({ type: 'FeatureCollection', features }) }),
  );
});

afterAll(async () => {
  runner.onModuleDestroy();
  await admin.send(new DeleteObjectCommand({ Bucket: bucket, Key: KEY }));
  await admin.send(new DeleteBucketCommand({ Bucket: bucket }));
  await rm(dir, { recursive: true, force: true });
});

const inspect = (options: { gdalConfig?: Record<string, string> } = {}): Promise<Inspection> =>
  runner.start<Inspection>({ kind: 'inspect', sourcePath: objectPath, layerName: null }, {}, options).result;

describe('GDAL tasks in the child process', () => {
  it("previews an object in the store with the worker's storage settings, sent with the task", async () => {
    expect(await inspect()).toMatchObject({ kind: 'vector', feature_count: 3, geometry_type: 'Point' });
  });

  it("keeps each concurrent task's GDAL settings to itself", async () => {
    const [refused, arrays, plain] = await Promise.allSettled([
      inspect({ gdalConfig: { AWS_SECRET_ACCESS_KEY: 'not-the-secret' } }),
      inspect({ gdalConfig: { OGR_GEOJSON_ARRAY_AS_STRING: 'YES' } }),
      inspect(),
    ]);
    // Wrong credentials fail that preview only, as an internal failure (not the file's fault) that keeps
    // the store's answer and no secret…
    expect(refused.status).toBe('rejected');
    const error = (refused as PromiseRejectedResult).reason as GdalTaskError;
    expect(error).toBeInstanceOf(GdalTaskError);
    expect(error.failure).toMatchObject({ kind: 'internal' });
    expect(error.failure.message).toMatch(/signature .* does not match/);
    expect(error.failure.message).not.toContain('not-the-secret');
    // …and an option one task sets changes what that task reads, not what the others do.
    const columns = (r: PromiseSettledResult<Inspection>): unknown =>
      r.status === 'fulfilled' && r.value.kind === 'vector' ? r.value.columns : r;
    expect(columns(arrays)).toContainEqual({ name: 'tags', type: 'string' });
    expect(columns(plain)).toContainEqual({ name: 'tags', type: 'integer[]' });
  });

  it('reports a refusal as a user failure, and runs the self-test', async () => {
    const local = join(dir, 'empty.txt');
    await writeFile(local, 'not geodata');
    const error = await runner
      .start({ kind: 'inspect', sourcePath: local, layerName: null })
      .result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GdalTaskError);
    expect((error as GdalTaskError).failure).toMatchObject({ kind: 'user', code: 'unreadable' });

    const selfTest = await runner.start<GdalSelfTest>({ kind: 'self-test', size: 16 }).result;
    expect(selfTest).toMatchObject({ bundled: false, roundTripOk: true });
  });

  it("keeps a stored file's preview child for the next plain task, never for one with its own options, nor once it grew", async () => {
    const fresh = new (class extends GdalTaskRunner {
      protected override readonly entry = BUILT_CHILD;
    })(config);
    const spareOf = async (): Promise<number> => {
      for (let i = 0; i < 200 && !fresh.hasSpare; i += 1) await new Promise((resolve) => setTimeout(resolve, 25));
      return fresh.sparePid as number;
    };
    try {
      await fresh.start<GdalSelfTest>({ kind: 'self-test', size: 16 }).result;
      const first = await spareOf();
      // A preview of a stored object: the spare ran it and is the spare again, GDAL already loaded.
      const plain = await fresh.start<Inspection>({ kind: 'inspect', sourcePath: objectPath, layerName: null }).result;
      expect(plain).toMatchObject({ kind: 'vector', feature_count: 3 });
      expect(fresh.sparePid).toBe(first);
      // A task with its own options gets a process of its own (GDAL's caches in the kept one hold what an
      // earlier task read); the kept child still waits.
      const refused = await fresh
        .start<Inspection>(
          { kind: 'inspect', sourcePath: objectPath, layerName: null },
          {},
          { gdalConfig: { AWS_SECRET_ACCESS_KEY: 'not-the-secret' } },
        )
        .result.catch((error: unknown) => error);
      expect((refused as GdalTaskError).failure?.message).toMatch(/signature .* does not match/);
      const arrays = await fresh.start<Inspection>(
        { kind: 'inspect', sourcePath: objectPath, layerName: null },
        {},
        { gdalConfig: { OGR_GEOJSON_ARRAY_AS_STRING: 'YES' } },
      ).result;
      expect(arrays.kind === 'vector' && arrays.columns).toContainEqual({ name: 'tags', type: 'string' });
      expect(await spareOf()).toBe(first);
      // The next plain task runs in it.
      await fresh.start<Inspection>({ kind: 'inspect', sourcePath: objectPath, layerName: null }).result;
      expect(fresh.sparePid).toBe(first);
      // A preview that made its child grow (one 600,000-vertex polygon, read whole) does not leave it behind.
      const big = join(dir, 'big.geojson');
      const ring = Array.from({ length: 600_000 }, (_, i) => {
        const angle = (i / 600_000) * 2 * Math.PI;
        return `[${(15 + Math.cos(angle)).toFixed(7)},${(45 + Math.sin(angle)).toFixed(7)}]`;
      });
      await writeFile(
        big,
        `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":1},` +
          `"geometry":{"type":"Polygon","coordinates":[[${ring.join(',')},${ring[0]}]]}}]}`,
      );
      expect(await fresh.start<Inspection>({ kind: 'inspect', sourcePath: big, layerName: null }).result).toMatchObject(
        {
          kind: 'vector',
          feature_count: 1,
        },
      );
      expect(await spareOf()).not.toBe(first);
      // …while the plain one still answers the same as before, in the new spare.
      expect(
        await fresh.start<Inspection>({ kind: 'inspect', sourcePath: objectPath, layerName: null }).result,
      ).toMatchObject({ kind: 'vector', columns: expect.arrayContaining([{ name: 'tags', type: 'integer[]' }]) });
    } finally {
      fresh.onModuleDestroy();
    }
  });

  it('forks the spare for the next task only once a task has ended, never beside a running one', async () => {
    /** This process's GDAL children (pids), but for those in `except`. */
    const gdalChildren = async (except: string[] = []): Promise<string[]> => {
      const pids = (await readFile(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8')).split(/\s+/);
      const found: string[] = [];
      for (const pid of pids.filter((p) => p !== '' && !except.includes(p))) {
        const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
        if (cmdline.includes('gdal-task.js')) found.push(pid);
      }
      return found;
    };
    const others = await gdalChildren();
    const fresh = new (class extends GdalTaskRunner {
      protected override readonly entry = BUILT_CHILD;
    })(config);
    try {
      const running = fresh.start<GdalSelfTest>({ kind: 'self-test', size: 16 });
      const during = await gdalChildren(others);
      expect(during).toHaveLength(1);
      expect(await running.result).toMatchObject({ roundTripOk: true });
      let after = await gdalChildren(others);
      for (let i = 0; i < 200 && (after.length !== 1 || after[0] === during[0]); i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        after = await gdalChildren(others);
      }
      // The task's child is gone and one spare waits for the next task.
      expect(after).toHaveLength(1);
      expect(after[0]).not.toBe(during[0]);
    } finally {
      fresh.onModuleDestroy();
    }
  });
});
