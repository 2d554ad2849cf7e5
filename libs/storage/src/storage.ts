import { createReadStream, createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StorageFailure } from '@app/common';

export interface ObjectInfo {
  key: string;
  size: number;
  lastModified: Date;
  etag?: string;
}

export interface ByteRange {
  /** First byte, inclusive. */
  start: number;
  /** Last byte, inclusive. */
  end: number;
}

/**
 * Where staged files, COGs and VRTs live. Keys are `/`-separated relative paths; drivers refuse keys
 * that try to leave their root. All transfers stream.
 */
export abstract class Storage {
  abstract readonly driver: 'local' | 's3';

  /** Writes a stream to `key`; returns the bytes written. A failed write leaves no object behind. */
  abstract write(key: string, body: Readable, options?: { contentType?: string }): Promise<number>;

  abstract read(key: string, range?: ByteRange): Promise<Readable>;

  /** Object metadata, or null when it does not exist. */
  abstract head(key: string): Promise<ObjectInfo | null>;

  abstract copy(fromKey: string, toKey: string): Promise<void>;

  /** Deletes; deleting a missing object is not an error. */
  abstract delete(key: string): Promise<void>;

  abstract list(prefix: string): AsyncIterable<ObjectInfo>;

  /** A path or URI GDAL can open (`/vsis3/…` or a local file path). Worker-side only. */
  abstract gdalPath(key: string): string;

  /**
   * A local file path, on the store's own filesystem, where a large output for `key` can be written
   * before `putFile` (which then moves it instead of copying it); null when the store is not local.
   */
  scratchPathFor(_key: string): Promise<string | null> {
    return Promise.resolve(null);
  }

  /**
   * Removes the scratch files (see scratchPathFor, and what GDAL writes beside them) of every key under
   * `prefix`: what an attempt killed before its `putFile` left behind. Stored objects are kept.
   */
  discardScratch(_prefix: string): Promise<void> {
    return Promise.resolve();
  }

  /** Stores the finished local file `file` as `key`. The caller removes `file` afterwards if it still exists. */
  async putFile(key: string, file: string, options?: { contentType?: string }): Promise<void> {
    await this.write(key, createReadStream(file), options);
  }

  /** Copies `key` into the local file `file` (created or replaced): the counterpart of putFile. */
  async getFile(key: string, file: string): Promise<void> {
    await pipeline(await this.read(key), createWriteStream(file));
  }

  /** Round-trips a tiny object to prove the store is reachable and writable (readiness checks). */
  abstract check(): Promise<void>;
}

const SAFE_SEGMENT = /^[A-Za-z0-9._-]+$/;

/** Refuses absolute keys, `..`, empty segments and characters outside a conservative set. */
export function assertSafeKey(key: string): void {
  const segments = key.split('/');
  const ok =
    key.length > 0 &&
    key.length <= 1024 &&
    segments.every((s) => s.length > 0 && s !== '.' && s !== '..' && SAFE_SEGMENT.test(s));
  if (!ok) throw new InvalidStorageKeyError();
}

export class InvalidStorageKeyError extends Error {
  readonly code = StorageFailure.InvalidKey;

  constructor() {
    super('Invalid storage key');
    this.name = 'InvalidStorageKeyError';
  }
}

export class ObjectNotFoundError extends Error {
  readonly code = StorageFailure.ObjectMissing;

  constructor() {
    super('Stored object not found');
    this.name = 'ObjectNotFoundError';
  }
}

/** Reads `[start, end]` (inclusive) of an object into memory; for headers and directories, never whole files. */
export async function readRange(storage: Storage, key: string, start: number, end: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await storage.read(key, { start, end })) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export interface UploadedPart {
  partNumber: number;
  etag: string;
}

/**
 * Direct-to-store uploads (S3 only): the client PUTs bytes to presigned URLs, the gateway never sees them.
 * URLs carry no checksum parameters (real S3 rejects a checksum computed over an empty body).
 */
export interface PresignedUploads {
  presignPut(key: string, expiresInSeconds: number): Promise<string>;
  createMultipartUpload(key: string): Promise<string>;
  presignPart(key: string, uploadId: string, partNumber: number, expiresInSeconds: number): Promise<string>;
  completeMultipartUpload(key: string, uploadId: string, parts: UploadedPart[]): Promise<void>;
  abortMultipartUpload(key: string, uploadId: string): Promise<void>;
  listParts(key: string, uploadId: string): Promise<(UploadedPart & { size: number })[]>;
}

export function supportsPresignedUploads(storage: Storage): storage is Storage & PresignedUploads {
  return 'presignPut' in storage && 'completeMultipartUpload' in storage;
}

/**
 * The store could not be reached or failed transiently (worth retrying), or, with code `Refused`, it
 * refused the deployment's credentials or bucket (not worth retrying). FAILURE_POLICY says how each ends.
 */
export class StorageUnavailableError extends Error {
  readonly code: StorageFailure.Unavailable | StorageFailure.Refused;

  constructor(
    message = 'Storage service unavailable',
    options?: { cause?: unknown; code?: StorageFailure.Unavailable | StorageFailure.Refused },
  ) {
    super(message, options);
    this.name = 'StorageUnavailableError';
    this.code = options?.code ?? StorageFailure.Unavailable;
  }
}

/** The store refused a multipart completion (a part is missing, too small or has the wrong ETag). */
export class InvalidUploadError extends Error {
  readonly code = StorageFailure.InvalidUpload;

  constructor(message: string) {
    super(message);
    this.name = 'InvalidUploadError';
  }
}

/** The multipart upload no longer exists (completed or aborted). */
export class UploadNotFoundError extends Error {
  readonly code = StorageFailure.UploadMissing;

  constructor() {
    super('Multipart upload not found');
    this.name = 'UploadNotFoundError';
  }
}
