import { Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@app/config';
import { describeError } from '@app/common';
import { JobRepository, UndispatchableJobError, dispatchFor, type IngestJob } from '@app/jobs';
import { JobProducer, RedisClient } from '@app/queues';
import { Storage, supportsPresignedUploads } from '@app/storage';
import { StrataMetrics } from '@app/metrics';

/** BullMQ states in which a queue entry will still be delivered. */
const LIVE_STATES = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

export interface SweepReport {
  checked: number;
  requeued: string[];
  failed: string[];
  /** Presigned uploads whose window closed: staged bytes discarded, job failed. */
  expired: string[];
}

/**
 * Re-enqueues jobs the database says should be on a queue but Redis has lost (flushed, failed over, or
 * an enqueue that never happened). One sweeper runs at a time across all workers (a Redis lock).
 */
@Injectable()
export class QueueSweeper implements OnApplicationShutdown {
  private readonly logger = new Logger(QueueSweeper.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly jobs: JobRepository,
    private readonly producer: JobProducer,
    private readonly redis: RedisClient,
    private readonly storage: Storage,
    private readonly metrics: StrataMetrics,
  ) {}

  start(): void {
    const every = this.config.worker.sweeperIntervalMs;
    if (every <= 0 || this.timer) return;
    this.timer = setInterval(() => {
      this.running ??= this.sweepIfLeader()
        .catch((error: unknown) => this.logger.warn({ err: describeError(error) }, 'sweep failed'))
        .finally(() => (this.running = undefined));
    }, every);
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  private async sweepIfLeader(): Promise<SweepReport | null> {
    const key = `${this.config.redis.prefix}:sweeper:lock`;
    const won = await this.redis.tryLock(key, Math.max(1000, this.config.worker.sweeperIntervalMs));
    return won ? this.sweep() : null;
  }

  async sweep(): Promise<SweepReport> {
    const cutoff = new Date(Date.now() - this.config.worker.sweeperGraceMs);
    const stranded = await this.jobs.findStranded(cutoff);
    const report: SweepReport = {
      checked: stranded.length,
      requeued: [],
      failed: [],
      expired: await this.reapExpiredUploads(),
    };
    for (const job of stranded) {
      const action = await this.rescue(job);
      if (action === 'requeued') report.requeued.push(job.id);
      if (action === 'failed') report.failed.push(job.id);
    }
    if (report.requeued.length > 0 || report.failed.length > 0)
      this.logger.warn(report, 'sweeper rescued stranded jobs');
    return report;
  }

  /**
   * Abandoned presigned uploads: fail the job first (a guarded update that loses to a completion that
   * bound the bytes or still holds its lease), and only then abort the multipart upload and delete
   * what was staged, so the reaper never removes bytes a completion is working on.
   */
  private async reapExpiredUploads(): Promise<string[]> {
    const expired = await this.jobs.findExpiredUploads(new Date());
    const reaped: string[] = [];
    for (const job of expired) {
      try {
        const failed = await this.jobs.failUnboundUpload(job.id, {
          code: 'upload-expired',
          message: 'The upload window closed before the upload was completed.',
        });
        if (!failed) continue;
        reaped.push(job.id);
        const upload = failed.source.type === 'stored-file' ? failed.source.upload : null;
        if (upload?.mode !== 'presigned') continue;
        if (upload.upload_id && supportsPresignedUploads(this.storage)) {
          await this.storage.abortMultipartUpload(upload.incoming_key, upload.upload_id).catch(() => undefined);
        }
        await this.storage.delete(upload.incoming_key);
      } catch (error) {
        this.logger.warn(
          { job_id: job.id, err: describeError(error) },
          'could not reap an expired upload (its staged bytes may remain)',
        );
      }
    }
    return reaped;
  }

  private async rescue(job: IngestJob): Promise<'requeued' | 'failed' | 'alive'> {
    let dispatch;
    try {
      dispatch = dispatchFor(job);
    } catch (error) {
      if (!(error instanceof UndispatchableJobError)) throw error;
      await this.jobs.failStranded(job.id, { code: 'undispatchable', message: 'No worker can run this kind of job.' });
      return 'failed';
    }
    const entry = await this.producer.queueFor(dispatch.name).getJob(job.id);
    if (entry && LIVE_STATES.has(await entry.getState())) return 'alive';
    // A job that keeps killing its workers must not be re-delivered forever.
    if (job.attempts >= this.config.jobs.attempts * 2) {
      await this.jobs.failStranded(job.id, {
        code: 'worker-lost',
        message: 'The job stopped responding too many times and was abandoned; retry it once the cause is fixed.',
      });
      return 'failed';
    }
    await this.producer.reenqueue(dispatch);
    this.metrics.sweeperReenqueued.inc();
    this.logger.warn(
      { job_id: job.id, status: job.status, request_id: job.requestId },
      'requeued a job whose queue entry was missing',
    );
    return 'requeued';
  }
}
