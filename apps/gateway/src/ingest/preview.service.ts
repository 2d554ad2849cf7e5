import { randomUUID } from 'node:crypto';
import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { ConflictError, DomainError, ErrorCode, UnprocessableError, withTimeout } from '@app/common';
import { JobRepository, JobStatus, isSourceReady } from '@app/jobs';
import {
  ENQUEUE_TIMEOUT_MS,
  JobName,
  JobProducer,
  QueueName,
  logQueueErrors,
  redisConnectionOptions,
  type Inspection,
  type PreviewOutcome,
  type PreviewRefusal,
} from '@app/queues';
import type { Principal } from '@app/security';
import { QueueEvents, type Job } from 'bullmq';
import type { PreviewResponseDto } from './dto/preview.response.dto.js';

/** A layer name GDAL's argument parser could mistake for an option. */
export function assertSafeLayerName(name: string | undefined): void {
  if (name?.startsWith('-')) {
    throw new UnprocessableError("Layer names starting with '-' are not accepted.", { layer_name: name });
  }
}

/**
 * Previews run on a worker (the gateway never opens files with GDAL); the gateway waits for the answer
 * up to PREVIEW_TIMEOUT_MS, then answers 504 and the job stays previewable.
 */
@Injectable()
export class PreviewService implements OnModuleDestroy {
  private readonly logger = new Logger(PreviewService.name);
  private events: QueueEvents | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly jobs: JobRepository,
    private readonly producer: JobProducer,
  ) {}

  private queueEvents(): QueueEvents {
    if (!this.events) {
      this.events = new QueueEvents(QueueName.Preview, {
        connection: redisConnectionOptions(this.config),
        prefix: this.config.redis.prefix,
      });
      logQueueErrors(this.events, this.logger, 'queue-events');
    }
    return this.events;
  }

  async onModuleDestroy(): Promise<void> {
    await this.events?.close();
  }

  async preview(
    jobId: string,
    principal: Principal,
    layerName: string | undefined,
    requestId: string | null,
  ): Promise<PreviewResponseDto> {
    assertSafeLayerName(layerName);
    const job = await this.jobs.getForOwner(jobId, principal.owner);
    if (job.status !== JobStatus.Pending) {
      throw new ConflictError(`Job is '${job.status}'; only a pending job can be previewed.`, {
        current_status: job.status,
      });
    }
    if (!isSourceReady(job.source)) throw new ConflictError('The upload for this job has not been completed yet.');
    if (layerName && job.allLayers && !job.allLayers.includes(layerName)) {
      throw new UnprocessableError(`The file has no layer named '${layerName}'.`, {
        unknown_layers: [layerName],
        available_layers: job.allLayers,
      });
    }
    const { driver: _driver, ...inspection } = await this.runOnWorker(jobId, layerName ?? null, requestId);
    return { job_id: job.id, source_filename: job.sourceFilename, ...inspection };
  }

  /**
   * Enqueues a preview of the job and waits for the worker's answer (504 after PREVIEW_TIMEOUT_MS). A
   * refusal becomes the error its code names (422 by default; remote-service codes map to 403/422/502/504).
   */
  async runOnWorker(jobId: string, layerName: string | null, requestId: string | null): Promise<Inspection> {
    const events = this.queueEvents();
    const timeoutMs = this.config.upload.previewTimeoutMs;
    const unanswered = (): DomainError =>
      new DomainError(
        ErrorCode.Timeout,
        `No worker answered the preview within ${Math.round(timeoutMs / 1000)} s; the job is unchanged and can be previewed again.`,
      );
    let bullJob: Job;
    try {
      // Bounded too: while Redis is unreachable this would wait for it indefinitely.
      await withTimeout(events.waitUntilReady(), ENQUEUE_TIMEOUT_MS, 'The job queue');
      bullJob = await this.producer.enqueue(
        { name: JobName.Preview, payload: { jobId, requestId, layerName } },
        {
          // Each preview is its own queue job (the domain job may be previewed again).
          jobId: `${jobId}-preview-${randomUUID()}`,
          attempts: 1,
          removeOnComplete: { age: 3600 },
          removeOnFail: { age: 24 * 3600 },
        },
      );
    } catch {
      // Nothing reached a worker: the queue itself is down (503), not a worker slow to answer (504).
      throw new DomainError(
        ErrorCode.DependencyUnavailable,
        'The job queue is unavailable right now; the job is unchanged and can be previewed again later.',
      );
    }
    let outcome: PreviewOutcome;
    try {
      outcome = (await bullJob.waitUntilFinished(events, timeoutMs)) as PreviewOutcome;
    } catch (error) {
      if (error instanceof Error && /timed out/i.test(error.message)) {
        await bullJob.remove().catch(() => undefined);
        throw unanswered();
      }
      throw new DomainError(ErrorCode.UpstreamFailed, 'The preview failed on the worker; try again.');
    }
    if (!outcome.ok) throw refusalError(outcome.refusal);
    return outcome.inspection;
  }
}

const REFUSAL_CODES: Record<string, ErrorCode> = {
  'ssrf-refused': ErrorCode.SsrfRefused,
  'remote-forbidden': ErrorCode.Forbidden,
  'remote-failed': ErrorCode.UpstreamFailed,
  'remote-timeout': ErrorCode.Timeout,
};

function refusalError(refusal: PreviewRefusal): DomainError {
  const code = REFUSAL_CODES[refusal.code];
  if (code) return new DomainError(code, refusal.message, { ...refusal.extensions });
  return new UnprocessableError(refusal.message, { code: refusal.code, ...refusal.extensions });
}
