import 'reflect-metadata';
import { Readable } from 'node:stream';
import { NoSuchKey, NoSuchUpload, NotFound, S3ServiceException } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { StorageFailure } from '@app/common';
import { parseConfig } from '@app/config';
import { createStorage } from '../storage.module.js';
import {
  InvalidStorageKeyError,
  InvalidUploadError,
  ObjectNotFoundError,
  StorageUnavailableError,
  UploadNotFoundError,
  supportsPresignedUploads,
} from '../storage.js';
import { S3Storage, toStorageError } from './s3.storage.js';

const HOST = 'objects.internal.example:9000';
const BUCKET = 'secret-bucket-name';

/** An error shaped like the SDK's service errors (name = S3 error code). */
function serviceError(name: string, status: number, fault: 'client' | 'server' = 'client'): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: fault,
    $metadata: { httpStatusCode: status },
    message: `${name} for bucket ${BUCKET} at ${HOST}`,
  });
}

function networkError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 10.1.2.3:9000`), { code, $metadata: { attempts: 3 } });
}

describe('toStorageError', () => {
  it.each([
    { error: new NoSuchKey({ message: 'gone', $metadata: { httpStatusCode: 404 } }), type: ObjectNotFoundError },
    { error: new NotFound({ message: 'head 404', $metadata: { httpStatusCode: 404 } }), type: ObjectNotFoundError },
    { error: new NoSuchUpload({ message: 'aborted', $metadata: { httpStatusCode: 404 } }), type: UploadNotFoundError },
    { error: serviceError('InvalidPart', 400), type: InvalidUploadError },
    { error: serviceError('InvalidPartOrder', 400), type: InvalidUploadError },
    { error: serviceError('EntityTooSmall', 400), type: InvalidUploadError },
    { error: serviceError('EntityTooLarge', 400), type: InvalidUploadError },
    { error: serviceError('SlowDown', 503, 'server'), type: StorageUnavailableError },
    { error: serviceError('ThrottlingException', 400), type: StorageUnavailableError },
    { error: serviceError('InternalError', 500, 'server'), type: StorageUnavailableError },
    { error: serviceError('ServiceUnavailable', 503, 'server'), type: StorageUnavailableError },
    { error: serviceError('SomethingNew', 502, 'server'), type: StorageUnavailableError },
    { error: serviceError('TooMany', 429), type: StorageUnavailableError },
    { error: serviceError('RequestTimeout', 400), type: StorageUnavailableError },
    { error: serviceError('NoSuchBucket', 404), type: StorageUnavailableError },
    { error: serviceError('AccessDenied', 403), type: StorageUnavailableError },
    { error: serviceError('SignatureDoesNotMatch', 403), type: StorageUnavailableError },
    { error: networkError('ECONNREFUSED'), type: StorageUnavailableError },
    { error: networkError('ECONNRESET'), type: StorageUnavailableError },
    { error: networkError('ENOTFOUND'), type: StorageUnavailableError },
    { error: networkError('ETIMEDOUT'), type: StorageUnavailableError },
    {
      error: new AggregateError([networkError('ECONNREFUSED'), networkError('ECONNREFUSED')], 'all failed'),
      type: StorageUnavailableError,
    },
    { error: Object.assign(new Error('socket idle'), { name: 'TimeoutError' }), type: StorageUnavailableError },
  ])('maps $error.name ($error.message) to $type.name', ({ error, type }) => {
    const mapped = toStorageError(error);
    expect(mapped).toBeInstanceOf(type);
    expect(mapped.message).not.toContain(BUCKET);
    expect(mapped.message).not.toContain(HOST);
    expect(mapped.message).not.toContain('10.1.2.3');
  });

  it.each([
    { error: serviceError('SlowDown', 503, 'server'), code: StorageFailure.Unavailable },
    { error: networkError('ECONNREFUSED'), code: StorageFailure.Unavailable },
    { error: serviceError('NoSuchBucket', 404), code: StorageFailure.Refused },
    { error: serviceError('AccessDenied', 403), code: StorageFailure.Refused },
    { error: serviceError('InvalidAccessKeyId', 403), code: StorageFailure.Refused },
    {
      error: new NoSuchKey({ message: 'gone', $metadata: { httpStatusCode: 404 } }),
      code: StorageFailure.ObjectMissing,
    },
    { error: serviceError('InvalidPart', 400), code: StorageFailure.InvalidUpload },
    {
      error: new NoSuchUpload({ message: 'aborted', $metadata: { httpStatusCode: 404 } }),
      code: StorageFailure.UploadMissing,
    },
  ])('tags $error.name with the failure code $code (retried only when unavailable)', ({ error, code }) => {
    expect((toStorageError(error) as Error & { code?: unknown }).code).toBe(code);
  });

  it('says what was wrong with a refused completion, in words a client can act on', () => {
    expect(toStorageError(serviceError('EntityTooSmall', 400)).message).toBe(
      'Every part except the last must be at least 5 MiB.',
    );
    expect(toStorageError(serviceError('InvalidPart', 400)).message).toMatch(/ETag/);
  });

  it('keeps the SDK error as the cause of an unavailable store, for the logs', () => {
    const original = networkError('ECONNREFUSED');
    expect(toStorageError(original).cause).toBe(original);
  });

  it('passes storage errors through unchanged', () => {
    const own = new UploadNotFoundError();
    expect(toStorageError(own)).toBe(own);
  });

  it('wraps anything else in a plain error naming only the S3 error code', () => {
    const mapped = toStorageError(serviceError('InvalidRange', 416));
    expect(mapped.constructor).toBe(Error);
    expect(mapped.message).toBe('Storage request failed (InvalidRange)');
    expect(toStorageError('weird').message).toBe('Storage request failed (UnknownError)');
    expect(toStorageError(serviceError('Bad name <script>', 400)).message).toBe(
      'Storage request failed (UnknownError)',
    );
  });
});

describe('S3Storage without a server', () => {
  // Presigning is local computation; nothing listens on this loopback port.
  const storage = new S3Storage({
    endpoint: 'http://127.0.0.1:9',
    region: 'eu-central-1',
    bucket: 'strata-unit',
    accessKeyId: 'AKIDUNIT',
    secretAccessKey: 'unit-secret',
    forcePathStyle: true,
  });

  it('is a presigned-upload store', () => {
    expect(supportsPresignedUploads(storage)).toBe(true);
    expect(storage.driver).toBe('s3');
  });

  it('presigns PUT and part URLs with no checksum parameters (real S3 would check them against the body)', async () => {
    for (const url of [
      await storage.presignPut('uploads/a.gpkg', 900),
      await storage.presignPart('uploads/a.gpkg', 'upload-123', 7, 900),
    ]) {
      const parsed = new URL(url);
      const params = [...parsed.searchParams.keys()].map((k) => k.toLowerCase());
      expect(params.filter((p) => p.startsWith('x-amz-checksum') || p === 'x-amz-sdk-checksum-algorithm')).toEqual([]);
      expect(params).toEqual(expect.arrayContaining(['x-amz-signature', 'x-amz-credential']));
      expect(parsed.searchParams.get('X-Amz-Expires')).toBe('900');
      expect(parsed.searchParams.get('X-Amz-Credential')).toContain('/eu-central-1/s3/aws4_request');
      expect(parsed.pathname).toBe('/strata-unit/uploads/a.gpkg');
      expect(parsed.searchParams.get('X-Amz-SignedHeaders')).toBe('host');
    }
    const part = new URL(await storage.presignPart('uploads/a.gpkg', 'upload-123', 7, 900));
    expect(part.searchParams.get('partNumber')).toBe('7');
    expect(part.searchParams.get('uploadId')).toBe('upload-123');
  });

  it('refuses presign lifetimes SigV4 cannot honour', async () => {
    await expect(storage.presignPut('a.bin', 0)).rejects.toBeInstanceOf(RangeError);
    await expect(storage.presignPut('a.bin', 604_801)).rejects.toBeInstanceOf(RangeError);
    await expect(storage.presignPut('a.bin', 1.5)).rejects.toBeInstanceOf(RangeError);
    await expect(storage.presignPut('a.bin', 604_800)).resolves.toMatch(/^http/);
  });

  it('checks part numbers and the part list before asking the store', async () => {
    await expect(storage.presignPart('a.bin', 'u', 0, 60)).rejects.toBeInstanceOf(InvalidUploadError);
    await expect(storage.presignPart('a.bin', 'u', 10_001, 60)).rejects.toBeInstanceOf(InvalidUploadError);
    await expect(storage.completeMultipartUpload('a.bin', 'u', [])).rejects.toBeInstanceOf(InvalidUploadError);
    await expect(
      storage.completeMultipartUpload('a.bin', 'u', [
        { partNumber: 1, etag: 'abc' },
        { partNumber: 1, etag: 'def' },
      ]),
    ).rejects.toThrow('twice');
    await expect(
      storage.completeMultipartUpload('a.bin', 'u', [{ partNumber: 1, etag: 'abc"><x' }]),
    ).rejects.toBeInstanceOf(InvalidUploadError);
    await expect(storage.completeMultipartUpload('a.bin', '', [{ partNumber: 1, etag: 'abc' }])).rejects.toBeInstanceOf(
      UploadNotFoundError,
    );
  });

  it('refuses unsafe keys in every method, presigning included', async () => {
    const bad = '../escape';
    await expect(storage.presignPut(bad, 60)).rejects.toBeInstanceOf(InvalidStorageKeyError);
    await expect(storage.presignPart(bad, 'u', 1, 60)).rejects.toBeInstanceOf(InvalidStorageKeyError);
    await expect(storage.createMultipartUpload(bad)).rejects.toBeInstanceOf(InvalidStorageKeyError);
    await expect(storage.completeMultipartUpload(bad, 'u', [{ partNumber: 1, etag: 'a' }])).rejects.toBeInstanceOf(
      InvalidStorageKeyError,
    );
    await expect(storage.abortMultipartUpload(bad, 'u')).rejects.toBeInstanceOf(InvalidStorageKeyError);
    await expect(storage.listParts(bad, 'u')).rejects.toBeInstanceOf(InvalidStorageKeyError);
    await expect(storage.write(bad, Readable.from([]))).rejects.toBeInstanceOf(InvalidStorageKeyError);
    expect(() => storage.gdalPath(bad)).toThrow(InvalidStorageKeyError);
  });

  it('gives GDAL a /vsis3/ path in its bucket', () => {
    expect(storage.gdalPath('cogs/a/b.tif')).toBe('/vsis3/strata-unit/cogs/a/b.tif');
  });

  it('refuses part sizes S3 does not allow', () => {
    const base = { region: 'us-east-1', bucket: 'b', forcePathStyle: true };
    expect(() => new S3Storage({ ...base, writePartSizeBytes: 5 * 1024 * 1024 - 1 })).toThrow(RangeError);
    expect(() => new S3Storage({ ...base, copyPartSizeBytes: 1024 })).toThrow(RangeError);
    expect(() => new S3Storage({ ...base, writeQueueSize: 0 })).toThrow(RangeError);
  });
});

describe('createStorage', () => {
  it('builds the S3 driver for STORAGE_DRIVER=s3, on the configured bucket', async () => {
    const storage = await createStorage(
      parseConfig({
        ...process.env,
        STORAGE_DRIVER: 's3',
        S3_ENDPOINT: 'http://127.0.0.1:9',
        S3_BUCKET: 'configured-bucket',
        S3_ACCESS_KEY_ID: 'AKIDUNIT',
        S3_SECRET_ACCESS_KEY: 'unit-secret',
      }),
    );
    expect(storage).toBeInstanceOf(S3Storage);
    expect(storage.gdalPath('a/b.tif')).toBe('/vsis3/configured-bucket/a/b.tif');
  });
});
