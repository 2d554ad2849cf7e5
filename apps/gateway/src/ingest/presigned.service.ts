import { createHash, randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { ConflictError, DomainError, ErrorCode, UnprocessableError, describeError, sleep } from '@app/common';
import { JobKind, JobRepository, JobStatus, type IngestJob, type UploadState } from '@app/jobs';
import type { Principal } from '@app/security';
import {
  InvalidUploadError,
  Storage,
  StorageUnavailableError,
  UploadNotFoundError,
  supportsPresignedUploads,
  type PresignedUploads,
} from '@app/storage';
import type {
  CompleteUploadRequestDto,
  PresignedUploadRequestDto,
  PresignedUploadResponseDto,
} from './dto/presigned.dto.js';
import { StoredObjectChecks, acceptFilename } from './stored-object.checks.js';
import { PayloadTooLargeError } from './multipart-file.receiver.js';
import { StrataMetrics } from '@app/metrics';

const MAX_PARTS = 10_000;
const MiB = 1024 * 1024;

/** What a presigned job remembers about its upload (in its stored-file source; no secrets). */
type PresignedUploadState = Extract<UploadState, { mode: 'presigned' }>;

/** How long one completion may hold an upload before another call may take over (it normally takes seconds). */
const COMPLETION_LEASE_MS = 5 * 60_000;
/** How long a concurrent completion call waits for the one doing the work before answering 409. */
const COMPLETION_WAIT_MS = 60_000;

/** The configured part size, doubled until the file fits in S3's 10,000 parts. */
export function choosePartSize(fileSize: number, base: number): number {
  let size = Math.max(base, 5 * MiB);
  while (Math.ceil(fileSize / size) > MAX_PARTS) size *= 2;
  return size;
}

/** Gaps, duplicates and order, said precisely; null when `parts` are exactly 1..expected. */
export function partsProblem(parts: { part_number: number }[], expected: number): string | null {
  const numbers = parts.map((p) => p.part_number);
  const seen = new Set<number>();
  const duplicates = numbers.filter((n) => (seen.has(n) ? true : (seen.add(n), false)));
  if (duplicates.length > 0) return `Duplicate part numbers: ${[...new Set(duplicates)].join(', ')}.`;
  for (let i = 1; i < numbers.length; i += 1) {
    if ((numbers[i] ?? 0) < (numbers[i - 1] ?? 0)) return 'Parts must be listed in ascending part_number order.';
  }
  const missing: number[] = [];
  for (let n = 1; n <= expected && missing.length < 20; n += 1) if (!seen.has(n)) missing.push(n);
  if (missing.length > 0)
    return `Missing parts: ${missing.join(', ')}${missing.length === 20 ? '…' : ''} (expected 1..${expected}).`;
  const extra = numbers.filter((n) => n > expected);
  if (extra.length > 0) return `Unexpected parts beyond ${expected}: ${extra.slice(0, 20).join(', ')}.`;
  return null;
}

function storageFailure(error: unknown): never {
  if (error instanceof StorageUnavailableError) {
    throw new DomainError(ErrorCode.UpstreamFailed, 'The storage service is unavailable right now; retry the request.');
  }
  if (error instanceof InvalidUploadError) throw new UnprocessableError(error.message);
  throw error;
}

/**
 * Direct-to-S3 uploads: the gateway hands out presigned URLs, then on completion assembles the parts,
 * checks size and content with ranged reads, and freezes the bytes under a key no client can write.
 */
@Injectable()
export class PresignedUploadService {
  private readonly logger = new Logger(PresignedUploadService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly storage: Storage,
    private readonly jobs: JobRepository,
    private readonly checks: StoredObjectChecks,
    private readonly metrics: StrataMetrics,
  ) {}

  private presigner(): Storage & PresignedUploads {
    if (!supportsPresignedUploads(this.storage)) {
      throw new DomainError(
        ErrorCode.BadRequest,
        'Presigned uploads need S3 storage (STORAGE_DRIVER=s3); use POST /api/ingest/upload instead.',
      );
    }
    return this.storage;
  }

  async start(
    request: PresignedUploadRequestDto,
    principal: Principal,
    requestId: string | null,
  ): Promise<PresignedUploadResponseDto> {
    const storage = this.presigner();
    const filename = acceptFilename(request.filename, this.config.upload.allowedExtensions);
    if (request.file_size > this.config.upload.maxFileSizeBytes)
      throw new PayloadTooLargeError(this.config.upload.maxFileSizeBytes);

    const jobId = randomUUID();
    const incoming = `staging/${jobId}/incoming/${filename}`;
    const window = this.config.upload.windowSeconds;
    const expiresAt = new Date(Date.now() + window * 1000);
    const multipart = request.file_size >= this.config.upload.presignedThresholdBytes;
    const partSize = multipart ? choosePartSize(request.file_size, this.config.upload.partSizeBytes) : null;
    const partCount = partSize ? Math.ceil(request.file_size / partSize) : 1;

    const uploadId = multipart ? await storage.createMultipartUpload(incoming).catch(storageFailure) : null;
    try {
      const upload: PresignedUploadState = {
        mode: 'presigned',
        incoming_key: incoming,
        upload_id: uploadId,
        part_size: partSize,
        part_count: partCount,
        content_type: request.content_type ?? 'application/octet-stream',
        completion_digest: null,
        completing: null,
      };
      await this.jobs.create({
        id: jobId,
        owner: principal.owner,
        kind: JobKind.FileDataset,
        source: { type: 'stored-file', key: null, size: request.file_size, upload },
        params: { kind: JobKind.FileDataset, commit: null },
        sourceFilename: filename,
        expiresAt,
        requestId,
      });
      const urls = uploadId
        ? await Promise.all(
            Array.from({ length: partCount }, (_, i) => storage.presignPart(incoming, uploadId, i + 1, window)),
          )
        : [await storage.presignPut(incoming, window)];
      return {
        job_id: jobId,
        urls,
        s3_key: incoming,
        ...(uploadId && partSize ? { upload_id: uploadId, part_size: partSize } : {}),
        expires_at: expiresAt.toISOString(),
      };
    } catch (error) {
      if (uploadId) await storage.abortMultipartUpload(incoming, uploadId).catch(() => undefined);
      await this.jobs
        .failUnboundUpload(jobId, { code: 'presign-failed', message: 'The upload could not be prepared.' })
        .catch(() => undefined);
      return storageFailure(error);
    }
  }

  /**
   * Idempotent and serialised: one call at a time holds the upload's completion lease (a guarded update,
   * no row lock or connection held while storage works); concurrent calls wait for it. Once bound, the
   * same parts get the same 200 and different parts a 409.
   */
  async complete(jobId: string, request: CompleteUploadRequestDto, principal: Principal): Promise<IngestJob> {
    const storage = this.presigner();
    const digest = createHash('sha256')
      .update(JSON.stringify(request.parts.map((p) => [p.part_number, p.etag.replace(/"/g, '')])))
      .digest('hex');
    const token = randomUUID();
    const waitUntil = Date.now() + COMPLETION_WAIT_MS;
    for (let pause = 50; ; pause = Math.min(pause * 2, 1000)) {
      const job = await this.jobs.getForOwner(jobId, principal.owner);
      const state = this.uploadState(job);
      if (job.source.type === 'stored-file' && job.source.key) {
        if (state.completion_digest === digest) return job;
        throw new ConflictError('The upload was already completed with different parts.');
      }
      if (job.status !== JobStatus.Pending) {
        throw new ConflictError(`Job is '${job.status}'; the upload can no longer be completed.`, {
          current_status: job.status,
        });
      }
      if (job.expiresAt && job.expiresAt.getTime() < Date.now())
        throw new ConflictError("This upload's time window has closed.");
      const leased = await this.jobs.leaseUploadCompletion(jobId, principal.owner, token, COMPLETION_LEASE_MS);
      if (leased) return this.completeLeased(storage, leased, state, request, digest, token);
      if (Date.now() > waitUntil)
        throw new ConflictError('Another completion of this upload is still running; try again shortly.');
      await sleep(pause);
    }
  }

  private async completeLeased(
    storage: Storage & PresignedUploads,
    job: IngestJob,
    state: PresignedUploadState,
    request: CompleteUploadRequestDto,
    digest: string,
    token: string,
  ): Promise<IngestJob> {
    try {
      if (state.upload_id) {
        const problem =
          request.parts.length === 0
            ? 'A multipart upload needs its parts listed.'
            : partsProblem(request.parts, state.part_count);
        if (problem) throw new UnprocessableError(problem);
        try {
          await storage.completeMultipartUpload(
            state.incoming_key,
            state.upload_id,
            request.parts.map((p) => ({ partNumber: p.part_number, etag: p.etag })),
          );
        } catch (error) {
          // A retry after a transient failure: the parts may already be assembled.
          if (!(error instanceof UploadNotFoundError && (await storage.head(state.incoming_key)))) {
            if (error instanceof UploadNotFoundError)
              throw new ConflictError('The multipart upload no longer exists (aborted or expired).');
            storageFailure(error);
          }
        }
      } else if (request.parts.length > 0) {
        throw new UnprocessableError('This upload was a single PUT: send an empty parts list.');
      }

      const info = await storage.head(state.incoming_key).catch(storageFailure);
      if (!info) throw new UnprocessableError('No uploaded object was found; PUT the file to the URL first.');
      const declared = job.source.type === 'stored-file' ? job.source.size : null;
      const reject = async (rejection: DomainError, keys: string[]): Promise<never> => {
        await Promise.all(keys.map((k) => storage.delete(k).catch(() => undefined)));
        await this.jobs.failUnboundUpload(job.id, { code: 'upload-rejected', message: rejection.message }, token);
        throw rejection;
      };
      if (info.size !== declared) {
        // Awaited here: the lease must still be held when the job is failed (the `finally` gives it back).
        return await reject(
          new UnprocessableError(`The uploaded object has ${info.size} bytes but ${declared ?? 0} were declared.`),
          [state.incoming_key],
        );
      }
      // Freeze. A single-PUT client still holds a valid PUT URL for the incoming key and could swap the
      // bytes later, so those (small) objects are copied to a key no URL was issued for. A completed
      // multipart object is already frozen: its part URLs only work for an upload id that no longer
      // exists, so it stays where it is (no copy, which would cost time proportional to its size).
      let frozen = state.incoming_key;
      if (!state.upload_id) {
        frozen = `staging/${job.id}/${job.sourceFilename ?? 'upload'}`;
        await storage.copy(state.incoming_key, frozen).catch(storageFailure);
        await storage
          .delete(state.incoming_key)
          .catch((e: unknown) => this.logger.warn({ err: describeError(e) }, 'could not delete an incoming object'));
      }
      try {
        await this.checks.verify(frozen, job.sourceFilename ?? '', info.size);
      } catch (error) {
        if (error instanceof DomainError) return await reject(error, [frozen]);
        throw error;
      }
      const bound = await this.jobs.bindUploadedSource(job.id, token, frozen, digest);
      if (!bound) throw new ConflictError('The job changed while the upload was being completed.');
      this.metrics.uploadedBytes.inc({ route: 'ingest/upload/presigned' }, info.size);
      return bound;
    } finally {
      // No-op once bound or failed; otherwise lets the next call try again at once.
      await this.jobs.releaseUploadCompletion(job.id, token).catch(() => undefined);
    }
  }

  async abort(jobId: string, principal: Principal): Promise<IngestJob> {
    const storage = this.presigner();
    const job = await this.jobs.getForOwner(jobId, principal.owner);
    const state = this.uploadState(job);
    if (job.source.type === 'stored-file' && job.source.key)
      throw new ConflictError('The upload is already complete; cancel the job instead.');
    if (job.status !== JobStatus.Pending) {
      throw new ConflictError(`Job is '${job.status}'; the upload can no longer be aborted.`, {
        current_status: job.status,
      });
    }
    if (state.completing && Date.parse(state.completing.until) > Date.now())
      throw new ConflictError('The upload is being completed right now; cancel the job afterwards instead.');
    await this.discard(storage, state);
    const failed = await this.jobs.failUnboundUpload(job.id, { code: 'aborted', message: 'The upload was aborted.' });
    if (!failed) throw new ConflictError('The job changed while the upload was being aborted.');
    return failed;
  }

  private uploadState(job: IngestJob): PresignedUploadState {
    if (job.source.type !== 'stored-file' || job.source.upload.mode !== 'presigned')
      throw new DomainError(ErrorCode.BadRequest, 'Job is not a presigned upload.');
    return job.source.upload;
  }

  private async discard(storage: Storage & PresignedUploads, state: PresignedUploadState): Promise<void> {
    if (state.upload_id) {
      await storage.abortMultipartUpload(state.incoming_key, state.upload_id).catch((error: unknown) => {
        if (!(error instanceof UploadNotFoundError)) storageFailure(error);
      });
    }
    await storage.delete(state.incoming_key).catch(storageFailure);
  }
}
