import 'reflect-metadata';
import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeStorageContract } from '../storage.contract.js';
import {
  InvalidUploadError,
  ObjectNotFoundError,
  StorageUnavailableError,
  UploadNotFoundError,
  type UploadedPart,
} from '../storage.js';
import { S3Storage, type S3StorageOptions } from './s3.storage.js';

/**
 * Runs against a real S3 API: OpenStack Swift with s3api (scripts/test.sh starts it with
 * test/services/swift/start.sh). Unlike in-process fakes, Swift verifies SigV4 signatures, part sizes,
 * part ETags and aborts, which is what these tests are about. Each file works in its own bucket.
 */
const required = ['S3_TEST_ENDPOINT', 'S3_TEST_ACCESS_KEY_ID', 'S3_TEST_SECRET_ACCESS_KEY', 'S3_TEST_REGION'] as const;
const missing = required.filter((name) => !process.env[name]);
if (missing.length > 0) {
  throw new Error(
    `S3 integration tests need ${missing.join(', ')}. Start the test S3 server with ` +
      '`bash test/services/swift/start.sh .tmp/swift 8083` and export S3_TEST_ENDPOINT=http://127.0.0.1:8083 ' +
      'S3_TEST_ACCESS_KEY_ID=strata:tester S3_TEST_SECRET_ACCESS_KEY=testing S3_TEST_REGION=us-east-1 ' +
      '(scripts/test.sh does both).',
  );
}
const env = {
  endpoint: process.env.S3_TEST_ENDPOINT as string,
  accessKeyId: process.env.S3_TEST_ACCESS_KEY_ID as string,
  secretAccessKey: process.env.S3_TEST_SECRET_ACCESS_KEY as string,
  region: process.env.S3_TEST_REGION as string,
};
const endpointHost = new URL(env.endpoint).host;
const bucket = `strata-test-${randomUUID().slice(0, 13)}`;
const MiB = 1024 * 1024;

const admin = new S3Client({
  region: env.region,
  endpoint: env.endpoint,
  forcePathStyle: true,
  credentials: { accessKeyId: env.accessKeyId, secretAccessKey: env.secretAccessKey },
  requestChecksumCalculation: 'WHEN_REQUIRED',
  responseChecksumValidation: 'WHEN_REQUIRED',
});

function makeStorage(overrides: Partial<S3StorageOptions> = {}): S3Storage {
  return new S3Storage({ ...env, bucket, forcePathStyle: true, ...overrides });
}

beforeAll(async () => {
  await admin.send(new CreateBucketCommand({ Bucket: bucket }));
});

afterAll(async () => {
  const uploads = await admin.send(new ListMultipartUploadsCommand({ Bucket: bucket }));
  for (const u of uploads.Uploads ?? []) {
    await admin.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key, UploadId: u.UploadId }));
  }
  let token: string | undefined;
  do {
    const page = await admin.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    for (const o of page.Contents ?? []) await admin.send(new DeleteObjectCommand({ Bucket: bucket, Key: o.Key }));
    token = page.NextContinuationToken;
  } while (token);
  await admin.send(new DeleteBucketCommand({ Bucket: bucket }));
  admin.destroy();
});

// 5 MiB parts (the minimum) so the contract's 5 MiB + 123 B stream goes through a multipart upload.
describeStorageContract('s3 (Swift s3api)', async () => makeStorage({ writePartSizeBytes: 5 * MiB }));

describe('S3Storage against Swift s3api', () => {
  const storage = makeStorage({ writePartSizeBytes: 5 * MiB });
  const root = `s3-${randomUUID()}`;
  const key = (path: string): string => `${root}/${path}`;

  async function openUploads(prefix: string): Promise<string[]> {
    const out = await admin.send(new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: prefix }));
    return (out.Uploads ?? []).map((u) => u.Key ?? '');
  }

  async function putPart(url: string, body: Buffer): Promise<string> {
    const response = await fetch(url, { method: 'PUT', body });
    expect(response.status).toBe(200);
    const etag = response.headers.get('etag');
    expect(etag).toBeTruthy();
    return etag as string;
  }

  /** The error a promise rejects with, so its class and message can both be checked. */
  async function failure(promise: Promise<unknown>): Promise<Error> {
    try {
      await promise;
    } catch (error) {
      return error as Error;
    }
    throw new Error('expected a rejection');
  }

  function expectUserSafe(error: Error): void {
    for (const secret of [bucket, endpointHost, '127.0.0.1', env.accessKeyId, env.secretAccessKey]) {
      expect(error.message).not.toContain(secret);
    }
  }

  it('accepts a browser-style PUT to a presigned URL; the object then reads back', async () => {
    const url = await storage.presignPut(key('presigned/one.geojson'), 300);
    const params = [...new URL(url).searchParams.keys()].map((k) => k.toLowerCase());
    expect(params).toContain('x-amz-signature');
    expect(params.filter((p) => p.startsWith('x-amz-checksum') || p === 'x-amz-sdk-checksum-algorithm')).toEqual([]);

    const body = Buffer.from('{"type":"FeatureCollection","features":[]}');
    const response = await fetch(url, { method: 'PUT', body, headers: { 'content-type': 'application/geo+json' } });
    expect(response.status).toBe(200);

    expect((await storage.head(key('presigned/one.geojson')))?.size).toBe(body.length);
    expect((await readAll(await storage.read(key('presigned/one.geojson')))).equals(body)).toBe(true);
  });

  it('the server verifies signatures: a tampered presigned URL is refused and stores nothing', async () => {
    const url = new URL(await storage.presignPut(key('presigned/tampered.bin'), 300));
    const signature = url.searchParams.get('X-Amz-Signature') as string;
    const flipped = `${signature.slice(0, -1)}${signature.endsWith('0') ? '1' : '0'}`;
    url.searchParams.set('X-Amz-Signature', flipped);

    const response = await fetch(url, { method: 'PUT', body: Buffer.from('forged') });
    expect(response.status).toBe(403);
    expect(await storage.head(key('presigned/tampered.bin'))).toBeNull();
  });

  it('multipart: parts PUT to presigned URLs, listed while open, then completed into one object', async () => {
    const k = key('multipart/three-parts.bin');
    const parts = [pattern(5 * MiB, 1), pattern(5 * MiB, 2), pattern(1 * MiB + 17, 3)];
    const uploadId = await storage.createMultipartUpload(k);

    const uploaded: UploadedPart[] = [];
    const sendPart = async (partNumber: number): Promise<void> => {
      const url = await storage.presignPart(k, uploadId, partNumber, 300);
      const params = [...new URL(url).searchParams.keys()].map((p) => p.toLowerCase());
      expect(params.filter((p) => p.startsWith('x-amz-checksum') || p === 'x-amz-sdk-checksum-algorithm')).toEqual([]);
      uploaded.push({ partNumber, etag: await putPart(url, parts[partNumber - 1] as Buffer) });
    };
    await sendPart(1);
    await sendPart(2);

    const listed = await storage.listParts(k, uploadId);
    expect(listed.map((p) => [p.partNumber, p.size])).toEqual([
      [1, 5 * MiB],
      [2, 5 * MiB],
    ]);
    expect(listed.map((p) => p.etag)).toEqual(uploaded.map((p) => p.etag.replaceAll('"', '')));

    await sendPart(3);
    expect(await storage.head(k)).toBeNull();

    // Listed out of order on purpose: the driver sorts.
    await storage.completeMultipartUpload(k, uploadId, [uploaded[2], uploaded[0], uploaded[1]] as UploadedPart[]);

    const whole = Buffer.concat(parts);
    const info = await storage.head(k);
    expect(info?.size).toBe(whole.length);
    expect(info?.etag).toMatch(/-3$/);
    expect(sha256(await readAll(await storage.read(k)))).toBe(sha256(whole));
    expect(await openUploads(k)).toEqual([]);
  });

  it('refuses to complete with a wrong part ETag (InvalidUploadError, no bucket or host in the message)', async () => {
    const k = key('multipart/wrong-etag.bin');
    const uploadId = await storage.createMultipartUpload(k);
    const etag = await putPart(await storage.presignPart(k, uploadId, 1, 300), pattern(1000, 4));
    expect(etag).not.toContain('0123456789abcdef0123456789abcdef');

    const error = await failure(
      storage.completeMultipartUpload(k, uploadId, [{ partNumber: 1, etag: '"0123456789abcdef0123456789abcdef"' }]),
    );
    expect(error).toBeInstanceOf(InvalidUploadError);
    expectUserSafe(error);
    expect(await storage.head(k)).toBeNull();
    await storage.abortMultipartUpload(k, uploadId);
  });

  it('refuses to complete when a non-final part is under 5 MiB', async () => {
    const k = key('multipart/too-small.bin');
    const uploadId = await storage.createMultipartUpload(k);
    const parts: UploadedPart[] = [];
    for (const n of [1, 2]) {
      parts.push({
        partNumber: n,
        etag: await putPart(await storage.presignPart(k, uploadId, n, 300), pattern(1000, n)),
      });
    }

    const error = await failure(storage.completeMultipartUpload(k, uploadId, parts));
    expect(error).toBeInstanceOf(InvalidUploadError);
    expect(error.message).toMatch(/5 MiB/);
    expectUserSafe(error);
    await storage.abortMultipartUpload(k, uploadId);
  });

  it('an aborted upload cannot be completed or listed; aborting again is fine', async () => {
    const k = key('multipart/aborted.bin');
    const uploadId = await storage.createMultipartUpload(k);
    const etag = await putPart(await storage.presignPart(k, uploadId, 1, 300), pattern(2000, 5));
    expect(await openUploads(k)).toEqual([k]);

    await storage.abortMultipartUpload(k, uploadId);
    expect(await openUploads(k)).toEqual([]);

    await expect(storage.completeMultipartUpload(k, uploadId, [{ partNumber: 1, etag }])).rejects.toBeInstanceOf(
      UploadNotFoundError,
    );
    await expect(storage.listParts(k, uploadId)).rejects.toBeInstanceOf(UploadNotFoundError);
    await expect(storage.abortMultipartUpload(k, uploadId)).resolves.toBeUndefined();
    expect(await storage.head(k)).toBeNull();
  });

  it('write() of a stream larger than one part goes multipart and round-trips', async () => {
    const body = pattern(12 * MiB + 5, 6);
    // Odd-sized chunks, so parts never line up with them.
    expect(await storage.write(key('write/twelve.bin'), chunked(body, 100_003))).toBe(body.length);

    const info = await storage.head(key('write/twelve.bin'));
    expect(info?.size).toBe(body.length);
    expect(info?.etag).toMatch(/-3$/);
    expect(sha256(await readAll(await storage.read(key('write/twelve.bin'))))).toBe(sha256(body));
    expect(await openUploads(key('write/'))).toEqual([]);
  });

  it('write() sends bodies unsigned (no SHA-256 pass) yet signed requests, one PUT for exactly one part', async () => {
    const writer = makeStorage({ writePartSizeBytes: 5 * MiB });
    const sent: { command: string; payload: string | undefined; signed: boolean }[] = [];
    (writer as unknown as { client: S3Client }).client.middlewareStack.add(
      (next, context) => async (args) => {
        const headers = (args.request as { headers?: Record<string, string> }).headers ?? {};
        sent.push({
          command: context.commandName ?? '',
          payload: headers['x-amz-content-sha256'],
          signed: (headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256 '),
        });
        return next(args);
      },
      { step: 'finalizeRequest', name: 'captureSigned', priority: 'low' },
    );
    const exactlyOnePart = pattern(5 * MiB, 11);
    await writer.write(key('unsigned/one.bin'), chunked(exactlyOnePart, 777_777));
    expect(sent.map((s) => s.command)).toEqual(['PutObjectCommand']);
    const twoParts = pattern(5 * MiB + 1, 12);
    await writer.write(key('unsigned/two.bin'), chunked(twoParts, 777_777));
    expect(sent.slice(1).map((s) => s.command)).toEqual([
      'CreateMultipartUploadCommand',
      'UploadPartCommand',
      'UploadPartCommand',
      'CompleteMultipartUploadCommand',
    ]);
    expect(sent.every((s) => s.signed)).toBe(true);
    const writes = sent.filter((s) => s.command === 'PutObjectCommand' || s.command === 'UploadPartCommand');
    expect(writes.map((s) => s.payload)).toEqual(Array(3).fill('UNSIGNED-PAYLOAD'));
    // The server verified every signature and stored the right bytes.
    expect(sha256(await readAll(await writer.read(key('unsigned/one.bin'))))).toBe(sha256(exactlyOnePart));
    expect(sha256(await readAll(await writer.read(key('unsigned/two.bin'))))).toBe(sha256(twoParts));
  });

  it('write() of a stream that fails after two parts leaves no object and no open multipart upload', async () => {
    async function* failsLate(): AsyncGenerator<Buffer> {
      for (let i = 0; i < 11; i += 1) yield pattern(MiB, 10 + i);
      throw new Error('upstream went away');
    }
    await expect(storage.write(key('write/broken.bin'), Readable.from(failsLate()))).rejects.toThrow(
      'upstream went away',
    );

    expect(await storage.head(key('write/broken.bin'))).toBeNull();
    expect(await openUploads(key('write/broken'))).toEqual([]);
  });

  it('copies part by part (UploadPartCopy) above the single-copy threshold', async () => {
    const copier = makeStorage({ copyThresholdBytes: 6 * MiB, copyPartSizeBytes: 5 * MiB });
    const body = pattern(11 * MiB + 3, 7);
    await copier.write(key('copy/large.bin'), chunked(body, MiB));

    await copier.copy(key('copy/large.bin'), key('copy/large-copy.bin'));

    const info = await copier.head(key('copy/large-copy.bin'));
    expect(info?.size).toBe(body.length);
    expect(info?.etag).toMatch(/-3$/);
    expect(sha256(await readAll(await copier.read(key('copy/large-copy.bin'))))).toBe(sha256(body));
    expect(await openUploads(key('copy/'))).toEqual([]);
    await expect(copier.copy(key('copy/none.bin'), key('copy/none-copy.bin'))).rejects.toBeInstanceOf(
      ObjectNotFoundError,
    );
  });

  it('an unreachable store fails with StorageUnavailableError, naming no host', async () => {
    const down = makeStorage({ endpoint: 'http://127.0.0.1:1', maxAttempts: 1 });
    for (const attempt of [
      () => down.head(key('x.bin')),
      () => down.write(key('x.bin'), Readable.from([Buffer.from('x')])),
      () => down.check(),
      () => down.createMultipartUpload(key('x.bin')),
    ]) {
      const error = await failure(attempt());
      expect(error).toBeInstanceOf(StorageUnavailableError);
      expectUserSafe(error);
      expect(error.message).not.toContain(':1');
    }
  });
});

function pattern(length: number, seed: number): Buffer {
  const out = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i += 1) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function chunked(body: Buffer, size: number): Readable {
  return Readable.from(
    (function* () {
      for (let i = 0; i < body.length; i += size) yield body.subarray(i, i + size);
    })(),
  );
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}
