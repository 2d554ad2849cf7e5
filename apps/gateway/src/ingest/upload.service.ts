import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { DomainError, ErrorCode, describeError, formatBytes } from '@app/common';
import { JobKind, JobRepository, type IngestJob } from '@app/jobs';
import { Storage } from '@app/storage';
import type { Principal } from '@app/security';
import busboy from 'busboy';
import { HeadCapture } from './head-capture.js';
import { StoredObjectChecks, SNIFF_BYTES, acceptFilename } from './stored-object.checks.js';
import { StrataMetrics } from '@app/metrics';

export class PayloadTooLargeError extends DomainError {
  constructor(limit: number) {
    super(ErrorCode.PayloadTooLarge, `The file exceeds the ${formatBytes(limit)} limit.`, {
      max_file_size_bytes: limit,
    });
  }
}

interface Received {
  filename: string;
  key: string;
  size: number;
  head: Buffer;
}

/**
 * `POST /api/ingest/upload`: the multipart body is parsed as it arrives and the file part is piped
 * straight into storage; only its first bytes are kept (for sniffing). Nothing is buffered whole.
 */
@Injectable()
export class UploadService {
  private readonly logger = new Logger(UploadService.name);

  constructor(
    private readonly config: AppConfig,
    private readonly storage: Storage,
    private readonly jobs: JobRepository,
    private readonly checks: StoredObjectChecks,
    private readonly metrics: StrataMetrics,
  ) {}

  async upload(
    req: Readable & { headers: IncomingHttpHeaders },
    principal: Principal,
    requestId: string | null,
  ): Promise<IngestJob> {
    const contentType = req.headers['content-type'] ?? '';
    if (!/^multipart\/form-data/i.test(contentType)) {
      throw new DomainError(
        ErrorCode.UnsupportedMediaType,
        'Send the file as multipart/form-data in a field named "file".',
      );
    }
    const jobId = randomUUID();
    const received = await this.receive(req, jobId);
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

  private receive(req: Readable & { headers: IncomingHttpHeaders }, jobId: string): Promise<Received> {
    const max = this.config.upload.maxFileSizeBytes;
    return new Promise<Received>((resolve, reject) => {
      let parser: busboy.Busboy;
      try {
        parser = busboy({
          headers: req.headers,
          limits: { files: 1, fileSize: max, fields: 10, parts: 12, fieldSize: 1024 },
        });
      } catch {
        reject(new DomainError(ErrorCode.BadRequest, 'The multipart body is malformed (missing boundary?).'));
        return;
      }
      let settled = false;
      let stored: Promise<Received> | undefined;
      const fail = (error: unknown): void => {
        if (settled) return;
        settled = true;
        req.unpipe(parser);
        req.resume(); // drain whatever the client still sends; the response says why
        reject(error);
      };

      parser.on('file', (field, stream, info) => {
        if (field !== 'file' || stored) {
          stream.resume();
          return;
        }
        let filename: string;
        try {
          filename = acceptFilename(info.filename, this.config.upload.allowedExtensions);
        } catch (error) {
          stream.resume();
          fail(error);
          return;
        }
        const key = `staging/${jobId}/${filename}`;
        const capture = new HeadCapture(SNIFF_BYTES);
        stream.on('limit', () => capture.destroy(new PayloadTooLargeError(max)));
        stream.on('error', (error: Error) => capture.destroy(error));
        stream.pipe(capture);
        stored = this.storage.write(key, capture).then((size) => ({ filename, key, size, head: capture.head }));
        stored.catch(fail);
      });
      parser.on('error', () => fail(new DomainError(ErrorCode.BadRequest, 'The multipart body is malformed.')));
      parser.on('close', () => {
        if (settled) return;
        if (!stored) {
          fail(
            new DomainError(
              ErrorCode.ValidationFailed,
              'The request has no file: send it in a multipart field named "file".',
            ),
          );
          return;
        }
        stored.then((r) => {
          if (settled) return;
          settled = true;
          resolve(r);
        }, fail);
      });
      req.on('aborted', () => fail(new DomainError(ErrorCode.BadRequest, 'The upload was interrupted.')));
      req.pipe(parser);
    });
  }
}
