import 'reflect-metadata';
import gdal from 'gdal-async';
import { afterEach, describe, expect, it } from 'vitest';
import { StorageDriverName, type S3StorageConfig } from '@app/config';
import { configureGdalForStorage } from './gdal-storage.js';

const KEYS = [
  'AWS_S3_ENDPOINT',
  'AWS_HTTPS',
  'AWS_VIRTUAL_HOSTING',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_REGION',
  'CPL_VSIL_USE_TEMP_FILE_FOR_RANDOM_WRITE',
  'GDAL_DISABLE_READDIR_ON_OPEN',
];

function current(): Record<string, string | null> {
  return Object.fromEntries(KEYS.map((k) => [k, gdal.config.get(k)]));
}

const s3: S3StorageConfig = {
  driver: StorageDriverName.S3,
  endpoint: 'http://127.0.0.1:8083',
  region: 'us-east-1',
  bucket: 'strata',
  accessKeyId: 'strata:tester',
  secretAccessKey: 'testing',
  forcePathStyle: true,
};

describe('configureGdalForStorage', () => {
  afterEach(() => {
    for (const k of KEYS) gdal.config.set(k, null);
  });

  it('points /vsis3/ at a path-style plain-HTTP endpoint', () => {
    configureGdalForStorage({ storage: s3 });
    expect(current()).toEqual({
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
    configureGdalForStorage({
      storage: {
        ...s3,
        endpoint: 'https://s3.eu-central-1.example.com',
        forcePathStyle: false,
        region: 'eu-central-1',
      },
    });
    expect(current()).toMatchObject({
      AWS_S3_ENDPOINT: 's3.eu-central-1.example.com',
      AWS_HTTPS: 'YES',
      AWS_VIRTUAL_HOSTING: 'TRUE',
      AWS_REGION: 'eu-central-1',
    });
  });

  it('leaves endpoint and credentials to GDAL defaults (AWS, instance role) when not configured', () => {
    configureGdalForStorage({
      storage: { ...s3, endpoint: undefined, accessKeyId: undefined, secretAccessKey: undefined },
    });
    expect(current()).toMatchObject({ AWS_S3_ENDPOINT: null, AWS_ACCESS_KEY_ID: null, AWS_SECRET_ACCESS_KEY: null });
    expect(gdal.config.get('AWS_REGION')).toBe('us-east-1');
  });

  it('does nothing for local storage', () => {
    configureGdalForStorage({ storage: { driver: StorageDriverName.Local, root: '/tmp/x' } });
    expect(Object.values(current()).every((v) => v === null)).toBe(true);
  });
});
