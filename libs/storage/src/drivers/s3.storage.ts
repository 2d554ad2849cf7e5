import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
  type CompletedPart,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { StorageFailure } from '@app/common';
import type { S3StorageConfig } from '@app/config';
import {
  InvalidUploadError,
  ObjectNotFoundError,
  Storage,
  StorageUnavailableError,
  UploadNotFoundError,
  assertSafeKey,
  type ByteRange,
  type ObjectInfo,
  type PresignedUploads,
  type UploadedPart,
} from '../storage.js';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
/** S3's limits: parts are 5 MiB–5 GiB (the last may be smaller), at most 10,000 of them. */
const MIN_PART_SIZE = 5 * MiB;
const MAX_PART_SIZE = 5 * GiB;
const MAX_PARTS = 10_000;
/** SigV4 presigned URLs live at most 7 days. */
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

export interface S3StorageOptions {
  endpoint?: string | undefined;
  region: string;
  bucket: string;
  accessKeyId?: string | undefined;
  secretAccessKey?: string | undefined;
  forcePathStyle: boolean;
  /**
   * Part size of `write()`: a stream that outgrows one part becomes a multipart upload. Memory per write
   * is about (writeQueueSize + 1) × writePartSizeBytes, and the largest object is 10,000 parts.
   */
  writePartSizeBytes?: number;
  /** Parts of one `write()` in flight at once. */
  writeQueueSize?: number;
  /** `copy()` of an object larger than this goes part by part (UploadPartCopy); CopyObject stops at 5 GiB. */
  copyThresholdBytes?: number;
  copyPartSizeBytes?: number;
  /** Attempts per request, retries included (the SDK retries throttling, 5xx and network errors). */
  maxAttempts?: number;
  connectionTimeoutMs?: number;
  /** Longest silence on an open connection before the request fails. */
  socketTimeoutMs?: number;
}

type Tuning = Required<
  Pick<
    S3StorageOptions,
    | 'writePartSizeBytes'
    | 'writeQueueSize'
    | 'copyThresholdBytes'
    | 'copyPartSizeBytes'
    | 'maxAttempts'
    | 'connectionTimeoutMs'
    | 'socketTimeoutMs'
  >
>;

const DEFAULTS: Tuning = {
  writePartSizeBytes: 8 * MiB,
  writeQueueSize: 2,
  copyThresholdBytes: 5 * GiB,
  copyPartSizeBytes: 512 * MiB,
  maxAttempts: 3,
  connectionTimeoutMs: 5_000,
  socketTimeoutMs: 60_000,
};

/** Writes whose bodies are not hashed before signing (see the middleware in the constructor). */
const UNSIGNED_PAYLOAD_COMMANDS = new Set(['PutObjectCommand', 'UploadPartCommand']);

/**
 * S3 driver (AWS S3 or anything speaking its API: Swift s3api, MinIO, R2…). Also hands out presigned
 * URLs so clients upload straight to the bucket. Errors come out as the storage error classes, with
 * messages that name no bucket, host or credential (the SDK error stays as `cause`, for logs only).
 */
export class S3Storage extends Storage implements PresignedUploads {
  readonly driver = 's3' as const;
  readonly bucket: string;
  private readonly client: S3Client;
  private readonly tuning: Tuning;

  constructor(options: S3StorageOptions) {
    super();
    this.bucket = options.bucket;
    this.tuning = { ...DEFAULTS, ...definedOnly(options) };
    const { writePartSizeBytes, copyPartSizeBytes, writeQueueSize } = this.tuning;
    if (writePartSizeBytes < MIN_PART_SIZE || writePartSizeBytes > MAX_PART_SIZE)
      throw new RangeError('writePartSizeBytes must be between 5 MiB and 5 GiB');
    if (copyPartSizeBytes < MIN_PART_SIZE || copyPartSizeBytes > MAX_PART_SIZE)
      throw new RangeError('copyPartSizeBytes must be between 5 MiB and 5 GiB');
    if (!Number.isInteger(writeQueueSize) || writeQueueSize < 1) throw new RangeError('writeQueueSize must be >= 1');
    this.client = new S3Client({
      region: options.region,
      forcePathStyle: options.forcePathStyle,
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
      ...(options.accessKeyId && options.secretAccessKey
        ? { credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey } }
        : {}),
      // The SDK default (WHEN_SUPPORTED) puts a CRC32 of the empty body into presigned URLs, which
      // real S3 then checks against the uploaded bytes and refuses.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: this.tuning.maxAttempts,
      requestHandler: {
        connectionTimeout: this.tuning.connectionTimeoutMs,
        requestTimeout: this.tuning.socketTimeoutMs,
      },
    });
    // Object writes are sent with `x-amz-content-sha256: UNSIGNED-PAYLOAD`: SigV4 still signs the
    // request, but the SDK no longer hashes the body first (a SHA-256 pass over every byte on the
    // gateway's CPU, a fifth of the streamed-upload throughput). The body's integrity rests on the
    // transport (TLS) and on the size checks done before an upload is accepted. Presigned URLs are
    // unsigned-payload already.
    this.client.middlewareStack.add(
      (next, context) => async (args) => {
        const request = args.request as { headers?: Record<string, string> };
        if (UNSIGNED_PAYLOAD_COMMANDS.has(context.commandName ?? '') && request.headers) {
          request.headers['x-amz-content-sha256'] = 'UNSIGNED-PAYLOAD';
        }
        return next(args);
      },
      { step: 'build', name: 'strataUnsignedPayload' },
    );
  }

  static fromConfig(config: S3StorageConfig): S3Storage {
    return new S3Storage(config);
  }

  /** Closes pooled connections (Nest calls this on shutdown). */
  onModuleDestroy(): void {
    this.client.destroy();
  }

  async write(key: string, body: Readable, options?: { contentType?: string }): Promise<number> {
    assertSafeKey(key);
    try {
      return await this.streamUpload(key, body, options?.contentType);
    } catch (error) {
      if (!body.destroyed) body.destroy();
      throw error;
    }
  }

  async read(key: string, range?: ByteRange): Promise<Readable> {
    assertSafeKey(key);
    if (range) assertRange(range);
    const out = await this.call(() =>
      this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
        }),
      ),
    );
    if (out.Body instanceof Readable) return out.Body;
    if (out.Body === undefined) return Readable.from([]);
    throw new StorageUnavailableError('Storage returned an unexpected response body');
  }

  async head(key: string): Promise<ObjectInfo | null> {
    assertSafeKey(key);
    try {
      const out = await this.call(() => this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key })));
      return {
        key,
        size: out.ContentLength ?? 0,
        lastModified: out.LastModified ?? new Date(0),
        ...(out.ETag ? { etag: unquote(out.ETag) } : {}),
      };
    } catch (error) {
      if (error instanceof ObjectNotFoundError) return null;
      throw error;
    }
  }

  /**
   * Server-side copy. Up to `copyThresholdBytes` (default 5 GiB, CopyObject's own limit) in one request;
   * larger objects part by part with UploadPartCopy, aborted if any part fails. The parts carry no
   * If-Match on the source: Swift's s3api refuses it for sources that were multipart uploads, so the
   * source must not be overwritten while it is copied (stored objects here are written once).
   */
  async copy(fromKey: string, toKey: string): Promise<void> {
    assertSafeKey(fromKey);
    assertSafeKey(toKey);
    const source = await this.head(fromKey);
    if (!source) throw new ObjectNotFoundError();
    const copySource = `${this.bucket}/${encodeKey(fromKey)}`;
    if (source.size <= this.tuning.copyThresholdBytes) {
      await this.call(() =>
        this.client.send(new CopyObjectCommand({ Bucket: this.bucket, Key: toKey, CopySource: copySource })),
      );
      return;
    }
    const partSize = Math.max(this.tuning.copyPartSizeBytes, Math.ceil(source.size / MAX_PARTS));
    const uploadId = await this.createMultipartUpload(toKey);
    try {
      const ranges: { partNumber: number; start: number; end: number }[] = [];
      for (let start = 0, n = 1; start < source.size; start += partSize, n += 1) {
        ranges.push({ partNumber: n, start, end: Math.min(start + partSize, source.size) - 1 });
      }
      const parts = await mapLimit(ranges, 4, async ({ partNumber, start, end }) => {
        const out = await this.call(() =>
          this.client.send(
            new UploadPartCopyCommand({
              Bucket: this.bucket,
              Key: toKey,
              UploadId: uploadId,
              PartNumber: partNumber,
              CopySource: copySource,
              CopySourceRange: `bytes=${start}-${end}`,
            }),
          ),
        );
        return { PartNumber: partNumber, ETag: out.CopyPartResult?.ETag };
      });
      await this.call(() =>
        this.client.send(
          new CompleteMultipartUploadCommand({
            Bucket: this.bucket,
            Key: toKey,
            UploadId: uploadId,
            MultipartUpload: { Parts: parts },
          }),
        ),
      );
    } catch (error) {
      await this.abortQuietly(toKey, uploadId);
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    assertSafeKey(key);
    try {
      await this.call(() => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })));
    } catch (error) {
      if (!(error instanceof ObjectNotFoundError)) throw error;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    let token: string | undefined;
    do {
      const page = await this.call(() =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: prefix,
            ...(token ? { ContinuationToken: token } : {}),
          }),
        ),
      );
      for (const item of page.Contents ?? []) {
        if (item.Key === undefined) continue;
        yield {
          key: item.Key,
          size: item.Size ?? 0,
          lastModified: item.LastModified ?? new Date(0),
          ...(item.ETag ? { etag: unquote(item.ETag) } : {}),
        };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  gdalPath(key: string): string {
    assertSafeKey(key);
    return `/vsis3/${this.bucket}/${key}`;
  }

  async check(): Promise<void> {
    const key = `.health/${randomUUID()}`;
    await this.call(() =>
      this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: 'ok', ContentLength: 2 })),
    );
    await this.delete(key);
  }

  // --- presigned uploads ---------------------------------------------------------------------------

  /** A URL the client PUTs the whole object to (single request, so up to 5 GiB). */
  async presignPut(key: string, expiresInSeconds: number): Promise<string> {
    assertSafeKey(key);
    const expiresIn = presignLifetime(expiresInSeconds);
    const command = new PutObjectCommand({ Bucket: this.bucket, Key: key });
    return this.call(() => getSignedUrl(this.client, command, { expiresIn }));
  }

  /** Starts a multipart upload; returns its upload id. */
  async createMultipartUpload(key: string, options?: { contentType?: string }): Promise<string> {
    assertSafeKey(key);
    const out = await this.call(() =>
      this.client.send(
        new CreateMultipartUploadCommand({
          Bucket: this.bucket,
          Key: key,
          ...(options?.contentType ? { ContentType: options.contentType } : {}),
        }),
      ),
    );
    if (!out.UploadId) throw new StorageUnavailableError('Storage returned no upload id');
    return out.UploadId;
  }

  /** A URL the client PUTs one part to; the part's ETag comes back in the response's ETag header. */
  async presignPart(key: string, uploadId: string, partNumber: number, expiresInSeconds: number): Promise<string> {
    assertSafeKey(key);
    assertUploadId(uploadId);
    assertPartNumber(partNumber);
    const expiresIn = presignLifetime(expiresInSeconds);
    const command = new UploadPartCommand({
      Bucket: this.bucket,
      Key: key,
      UploadId: uploadId,
      PartNumber: partNumber,
    });
    return this.call(() => getSignedUrl(this.client, command, { expiresIn }));
  }

  /**
   * Joins the parts (listed in any order; ETags with or without their quotes). Throws InvalidUploadError
   * when a part is missing, has another ETag or a non-final one is under 5 MiB, UploadNotFoundError
   * when the upload was completed or aborted already.
   */
  async completeMultipartUpload(key: string, uploadId: string, parts: UploadedPart[]): Promise<void> {
    assertSafeKey(key);
    assertUploadId(uploadId);
    if (parts.length === 0) throw new InvalidUploadError('The upload lists no parts.');
    if (parts.length > MAX_PARTS) throw new InvalidUploadError('The upload lists more than 10,000 parts.');
    const sorted = [...parts].sort((a, b) => a.partNumber - b.partNumber);
    const completed: CompletedPart[] = [];
    for (const [i, part] of sorted.entries()) {
      assertPartNumber(part.partNumber);
      if (i > 0 && sorted[i - 1]?.partNumber === part.partNumber)
        throw new InvalidUploadError('The upload lists a part number twice.');
      if (typeof part.etag !== 'string' || !/^"?[A-Za-z0-9-]{1,128}"?$/.test(part.etag))
        throw new InvalidUploadError('A part has a malformed ETag.');
      completed.push({ PartNumber: part.partNumber, ETag: `"${unquote(part.etag)}"` });
    }
    await this.call(() =>
      this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: completed },
        }),
      ),
    );
  }

  /** Discards an upload and its parts. Aborting one that no longer exists is not an error. */
  async abortMultipartUpload(key: string, uploadId: string): Promise<void> {
    assertSafeKey(key);
    assertUploadId(uploadId);
    try {
      await this.call(() =>
        this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId })),
      );
    } catch (error) {
      if (!(error instanceof UploadNotFoundError)) throw error;
    }
  }

  /** The parts the store holds so far (ETags without quotes), in part-number order. */
  async listParts(key: string, uploadId: string): Promise<(UploadedPart & { size: number })[]> {
    assertSafeKey(key);
    assertUploadId(uploadId);
    const parts: (UploadedPart & { size: number })[] = [];
    let marker: string | undefined;
    do {
      const page = await this.call(() =>
        this.client.send(
          new ListPartsCommand({
            Bucket: this.bucket,
            Key: key,
            UploadId: uploadId,
            ...(marker ? { PartNumberMarker: marker } : {}),
          }),
        ),
      );
      for (const part of page.Parts ?? []) {
        if (part.PartNumber === undefined || !part.ETag) continue;
        parts.push({ partNumber: part.PartNumber, etag: unquote(part.ETag), size: part.Size ?? 0 });
      }
      marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
    } while (marker);
    return parts.sort((a, b) => a.partNumber - b.partNumber);
  }

  // --- internals -----------------------------------------------------------------------------------

  /** Runs one SDK call, translating its failure (see toStorageError). */
  private async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw toStorageError(error);
    }
  }

  private async abortQuietly(key: string, uploadId: string): Promise<void> {
    try {
      await this.abortMultipartUpload(key, uploadId);
    } catch {
      // Best effort: the original failure is the one worth reporting. A bucket lifecycle rule
      // (AbortIncompleteMultipartUpload) collects what an unreachable store left behind.
    }
  }

  /**
   * Streams `body` of unknown length: one PutObject when it fits in a part, otherwise a multipart upload
   * with at most `writeQueueSize` parts in flight (reading pauses meanwhile, so memory stays bounded).
   * Any failure (source or store) aborts the multipart upload, so nothing is left behind.
   */
  private async streamUpload(key: string, body: Readable, contentType: string | undefined): Promise<number> {
    const { writePartSizeBytes: partSize, writeQueueSize } = this.tuning;
    const common = { Bucket: this.bucket, Key: key, ...(contentType ? { ContentType: contentType } : {}) };
    // Bytes are copied once, into the part being filled; a full part is sent only when more bytes
    // follow (a stream of exactly one part is a plain PUT). The part buffers are recycled once their
    // part is stored, so memory stays at (writeQueueSize + 1) parts, with no allocation churn for the
    // allocator to hold on to.
    const spare: Buffer[] = [];
    let current: Buffer = Buffer.allocUnsafe(partSize);
    let fill = 0;
    let total = 0;
    let uploadId: string | undefined;
    let nextPart = 1;
    const done: CompletedPart[] = [];
    const inFlight = new Set<Promise<void>>();
    let failure: { error: unknown } | undefined;

    const startPart = (data: Buffer): void => {
      const partNumber = nextPart;
      nextPart += 1;
      if (partNumber > MAX_PARTS) throw new InvalidUploadError('The object is too large for the configured part size.');
      const task = this.call(() =>
        this.client.send(
          new UploadPartCommand({
            Bucket: this.bucket,
            Key: key,
            UploadId: uploadId,
            PartNumber: partNumber,
            Body: data,
            ContentLength: data.length,
          }),
        ),
      )
        .then((out) => {
          if (!out.ETag) throw new StorageUnavailableError('Storage returned no ETag for a part');
          done.push({ PartNumber: partNumber, ETag: out.ETag });
          // The request is over (retries included), so nothing reads this buffer any more.
          if (data.length === partSize) spare.push(data);
        })
        .catch((error: unknown) => {
          failure ??= { error };
        });
      const tracked = task.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
    };

    const sendFullPart = async (): Promise<void> => {
      // Only once more than a part has arrived is this a multipart upload (the last part may be small).
      uploadId ??= await this.createMultipartUpload(key, contentType ? { contentType } : undefined);
      startPart(current);
      current = spare.pop() ?? Buffer.allocUnsafe(partSize);
      fill = 0;
      while (inFlight.size >= writeQueueSize) await Promise.race(inFlight);
      if (failure) throw failure.error;
    };

    try {
      for await (const chunk of body) {
        const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array | string);
        total += bytes.length;
        let offset = 0;
        while (offset < bytes.length) {
          if (fill === partSize) await sendFullPart();
          const n = Math.min(partSize - fill, bytes.length - offset);
          bytes.copy(current, fill, offset, offset + n);
          fill += n;
          offset += n;
        }
      }
      const rest = current.subarray(0, fill);
      if (uploadId === undefined) {
        await this.call(() =>
          this.client.send(new PutObjectCommand({ ...common, Body: rest, ContentLength: rest.length })),
        );
        return total;
      }
      startPart(rest);
      await Promise.all(inFlight);
      if (failure) throw failure.error;
      done.sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
      await this.call(() =>
        this.client.send(
          new CompleteMultipartUploadCommand({
            Bucket: this.bucket,
            Key: key,
            UploadId: uploadId,
            MultipartUpload: { Parts: done },
          }),
        ),
      );
      return total;
    } catch (error) {
      if (uploadId !== undefined) {
        await Promise.all(inFlight);
        await this.abortQuietly(key, uploadId);
      }
      throw error;
    }
  }
}

/**
 * Maps an error from the AWS SDK (or the network under it) to the storage error classes. Their messages
 * are fixed, user-safe texts; the original error is kept as `cause` where it helps an operator.
 */
export function toStorageError(error: unknown): Error {
  if (
    error instanceof StorageUnavailableError ||
    error instanceof InvalidUploadError ||
    error instanceof UploadNotFoundError ||
    error instanceof ObjectNotFoundError
  )
    return error;
  const { name, status, fault, code } = errorFacts(error);
  switch (name) {
    case 'NoSuchKey':
    case 'NotFound':
      return new ObjectNotFoundError();
    case 'NoSuchUpload':
      return new UploadNotFoundError();
    case 'InvalidPart':
      return new InvalidUploadError('A part was not found or its ETag does not match the uploaded part.');
    case 'InvalidPartOrder':
      return new InvalidUploadError('Parts must be listed in ascending part-number order.');
    case 'EntityTooSmall':
      return new InvalidUploadError('Every part except the last must be at least 5 MiB.');
    case 'EntityTooLarge':
      return new InvalidUploadError('The object or a part is larger than the store accepts.');
    case 'MalformedXML':
      return new InvalidUploadError('The list of parts is empty or malformed.');
    case 'NoSuchBucket':
    case 'AccessDenied':
    case 'InvalidAccessKeyId':
    case 'SignatureDoesNotMatch':
    case 'ExpiredToken':
    case 'InvalidToken':
      // The deployment's bucket or credentials are wrong: nothing the caller did, nothing to retry soon.
      return new StorageUnavailableError('Storage refused the service credentials or bucket', {
        cause: error,
        code: StorageFailure.Refused,
      });
  }
  if (
    THROTTLING.has(name) ||
    TRANSIENT.has(name) ||
    (status !== undefined && status >= 500) ||
    status === 429 ||
    fault === 'server' ||
    (code !== undefined && NETWORK_CODES.has(code))
  )
    return new StorageUnavailableError(undefined, { cause: error });
  if (status === 404) return new ObjectNotFoundError();
  const safeName = /^[A-Za-z][A-Za-z0-9]{0,63}$/.test(name) ? name : 'UnknownError';
  return new Error(`Storage request failed (${safeName})`, { cause: error });
}

const THROTTLING = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'ProvisionedThroughputExceededException',
]);
const TRANSIENT = new Set([
  'InternalError',
  'ServiceUnavailable',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'PriorRequestNotComplete',
]);
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'EADDRNOTAVAIL',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'ERR_HTTP2_STREAM_ERROR',
]);

function errorFacts(error: unknown): { name: string; status?: number; fault?: string; code?: string } {
  if (typeof error !== 'object' || error === null) return { name: 'UnknownError' };
  const e = error as {
    name?: unknown;
    code?: unknown;
    $fault?: unknown;
    $metadata?: { httpStatusCode?: unknown };
    errors?: unknown;
  };
  let code = typeof e.code === 'string' ? e.code : undefined;
  // Node reports a refused connection to every address of a host as an AggregateError.
  if (!code && Array.isArray(e.errors)) {
    const first = e.errors.find((x): x is { code: string } => typeof (x as { code?: unknown })?.code === 'string');
    code = first?.code;
  }
  const status = e.$metadata?.httpStatusCode;
  return {
    name: typeof e.name === 'string' ? e.name : 'UnknownError',
    ...(typeof status === 'number' ? { status } : {}),
    ...(typeof e.$fault === 'string' ? { fault: e.$fault } : {}),
    ...(code ? { code } : {}),
  };
}

function definedOnly(options: S3StorageOptions): Partial<Tuning> {
  const out: Partial<Tuning> = {};
  for (const name of Object.keys(DEFAULTS) as (keyof Tuning)[]) {
    const value = options[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

function unquote(etag: string): string {
  return etag.replace(/^"|"$/g, '');
}

/** Keys are already restricted to URL-safe characters; encode segment-wise anyway. */
function encodeKey(key: string): string {
  return key.split('/').map(encodeURIComponent).join('/');
}

function assertRange(range: ByteRange): void {
  if (
    !Number.isSafeInteger(range.start) ||
    !Number.isSafeInteger(range.end) ||
    range.start < 0 ||
    range.end < range.start
  )
    throw new RangeError('Invalid byte range');
}

function presignLifetime(seconds: number): number {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_PRESIGN_SECONDS)
    throw new RangeError('expiresInSeconds must be an integer between 1 and 604800');
  return seconds;
}

function assertUploadId(uploadId: string): void {
  if (typeof uploadId !== 'string' || uploadId.length === 0 || uploadId.length > 1024) throw new UploadNotFoundError();
}

function assertPartNumber(partNumber: number): void {
  if (!Number.isInteger(partNumber) || partNumber < 1 || partNumber > MAX_PARTS)
    throw new InvalidUploadError('Part numbers must be integers from 1 to 10,000.');
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next;
      next += 1;
      try {
        results[index] = await fn(items[index] as T);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (rejected) throw rejected.reason;
  return results;
}
