import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { describeError } from '@app/common';
import { JobKind, JobRepository, type IngestJob } from '@app/jobs';
import { Storage } from '@app/storage';
import type { Principal } from '@app/security';
import { MultipartFileReceiver, type MultipartRequest } from './multipart-file.receiver.js';
import { StoredObjectChecks, acceptFilename } from './stored-object.checks.js';
import { StrataMetrics } from '@app/metrics';

/** `POST /api/ingest/upload`: the file is streamed into storage, checked, and becomes a pending job. */
@Injectable()
export class UploadService {
  private readonly logger = new Logger(UploadService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly storage: Storage,
    private readonly jobs: JobRepository,
    private readonly checks: StoredObjectChecks,
    private readonly metrics: StrataMetrics,
    private readonly receiver: MultipartFileReceiver,
  ) {}

  async upload(req: MultipartRequest, principal: Principal, requestId: string | null): Promise<IngestJob> {
    const jobId = randomUUID();
    const received = await this.receiver.receive(req, {
      maxBytes: this.config.upload.maxFileSizeBytes,
      acceptFilename: (raw) => acceptFilename(raw, this.config.upload.allowedExtensions),
      keyFor: (filename) => `staging/${jobId}/${filename}`,
    });
    try {
      await this.checks.verify(received.key, received.filename, received.size, received.head);
      this.metrics.uploadedBytes.inc({ route: 'ingest/upload' }, received.size);
      return await this.jobs.create({
        id: jobId,
        owner: principal.owner,
        kind: JobKind.FileDataset,
        source: { type: 'stored-file', key: received.key, size: received.size, upload: { mode: 'direct' } },
        params: { kind: JobKind.FileDataset, commit: null },
        sourceFilename: received.filename,
        requestId,
      });
    } catch (error) {
      await this.storage
        .delete(received.key)
        .catch((e: unknown) => this.logger.warn({ err: describeError(e) }, 'could not remove a rejected upload'));
      throw error;
    }
  }
}
