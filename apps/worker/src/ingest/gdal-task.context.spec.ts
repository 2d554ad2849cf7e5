import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { StorageDriverName, type S3StorageConfig } from '@app/config';
import { baseTaskContext, storageGdalConfig } from './gdal-task.context.js';

const s3: S3StorageConfig = {
  driver: StorageDriverName.S3,
  endpoint: 'http://127.0.0.1:8083',
  region: 'us-east-1',
  bucket: 'strata',
  accessKeyId: 'strata:tester',
  secretAccessKey: 'testing',
  forcePathStyle: true,
};

describe('storageGdalConfig', () => {
  it('points /vsis3/ at a path-style plain-HTTP endpoint', () => {
    expect(storageGdalConfig(s3)).toEqual({
      AWS_S3_ENDPOINT: '127.0.0.1:8083',
      AWS_HTTPS: 'NO',
      AWS_VIRTUAL_HOSTING: 'FALSE',
      AWS_ACCESS_KEY_ID: 'strata:tester',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
      CPL_VSIL_USE_TEMP_FILE_FOR_RANDOM_WRITE: 'YES',
      GDAL_DISABLE_READDIR_ON_OPEN: 'EMPTY_DIR',
    });
  });

  it('uses HTTPS and virtual hosting when the endpoint and config say so', () => {
    expect(
      storageGdalConfig({
        ...s3,
        endpoint: 'https://s3.eu-central-1.example.com',
        forcePathStyle: false,
        region: 'eu-central-1',
      }),
    ).toMatchObject({
      AWS_S3_ENDPOINT: 's3.eu-central-1.example.com',
      AWS_HTTPS: 'YES',
      AWS_VIRTUAL_HOSTING: 'TRUE',
      AWS_REGION: 'eu-central-1',
    });
  });

  it('leaves endpoint and credentials to GDAL defaults (AWS, instance role) when not configured', () => {
    const config = storageGdalConfig({
      ...s3,
      endpoint: undefined,
      accessKeyId: undefined,
      secretAccessKey: undefined,
    });
    expect(config).not.toHaveProperty('AWS_S3_ENDPOINT');
    expect(config).not.toHaveProperty('AWS_ACCESS_KEY_ID');
    expect(config).not.toHaveProperty('AWS_SECRET_ACCESS_KEY');
    expect(config.AWS_REGION).toBe('us-east-1');
  });

  it('refuses an endpoint that is not http(s)', () => {
    expect(() => storageGdalConfig({ ...s3, endpoint: 'ftp://store' })).toThrow('S3_ENDPOINT must be an http(s) URL');
  });

  it('needs nothing for local storage', () => {
    expect(storageGdalConfig({ driver: StorageDriverName.Local, root: '/tmp/x' })).toEqual({});
  });
});

describe('baseTaskContext', () => {
  it('carries the database URL, the block cache size, the GeoJSON object cap, the storage settings and the raster cap', () => {
    const config = {
      database: { url: 'postgres://u:p@db/strata', poolSize: 1 },
      storage: s3,
      worker: {
        gdal: {
          cacheMax: '48',
          spareIdleMs: 30_000,
          taskTimeoutMs: 60_000,
          rasterMaxPixels: 1e9,
          geojsonMaxObjectMb: 64,
        },
      },
    };
    expect(baseTaskContext(config)).toEqual({
      databaseUrl: 'postgres://u:p@db/strata',
      // A huge GeoJSON feature is refused by GDAL instead of parsed into a tree of gigabytes.
      gdalConfig: { GDAL_CACHEMAX: '48', OGR_GEOJSON_MAX_OBJ_SIZE: '64', ...storageGdalConfig(s3) },
      rasterMaxPixels: 1e9,
    });
  });
});
