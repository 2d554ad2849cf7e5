import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { FailureClass, JobFailure, describeError, rootLogger } from '@app/common';
import {
  JobRepository,
  JobStatus,
  JobStep,
  type CompletionUpdate,
  type IngestJob,
  type JobWarning,
  type ProgressUpdate,
} from '@app/jobs';
import type { BasePayload, JobRunOutcome } from '@app/queues';
import { UnrecoverableError, type Job } from 'bullmq';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { Logger } from 'pino';
import { StrataMetrics } from '@app/metrics';
import { classifyFailure } from './failure-classifier.js';
import { annotateJobKind, jobLogBindings } from './job-context.js';
import { JobCancelledError, StaleAttemptError } from './job-errors.js';
import { StepTimings } from './step-timings.js';

/** What a handler gets: its job, a logger bound to it, and checkpoints that enforce cancel and fencing. */
export interface JobContext {
  readonly job: IngestJob;
  readonly attemptToken: string;
  readonly log: Logger;
  /** 1-based delivery number and whether no retry follows this one. */
  readonly attempt: number;
  readonly isLastAttempt: boolean;
  /** Throws JobCancelledError when a cancel was requested. */
  checkpoint(): Promise<void>;
  /** Records progress; also a checkpoint. A new `step` also starts that step's clock (see `stepStarted`). */
  progress(update: ProgressUpdate): Promise<void>;
  /**
   * Notes that `step` starts now, without writing anything: for steps that begin between two progress
   * writes (a GDAL child's own steps). The time per step is logged with `job finished` as `steps_ms`.
   */
  stepStarted(step: string): void;
  warn(warning: JobWarning): Promise<void>;
}

/**
 * What a handler returns. `publish`, when given, runs in the transaction that completes the job, after
 * the job row is locked for this attempt: what it writes (a renamed table, a dataset row) becomes
 * visible together with `completed`, or not at all when the attempt was superseded or cancelled.
 */
export interface HandlerResult extends CompletionUpdate {
  publish?: (manager: EntityManager) => Promise<string | null>;
  /** Runs after the completion was written or refused (`published` says which): temp files, staged leftovers. */
  afterwards?: (published: boolean) => Promise<void>;
  /** Extra fields for the attempt's `job finished` log line (e.g. an importer run's heap collections). */
  logFields?: Record<string, number | string>;
}

export type JobHandler = (ctx: JobContext) => Promise<HandlerResult>;

export type RunOutcome = JobRunOutcome;

/**
 * The lifecycle every domain job shares: claim with a fresh attempt token, run the handler, write the
 * terminal state once (fenced by the token). Transient errors propagate so BullMQ retries with backoff;
 * permanent ones, and transient ones on the last attempt, fail the job and stop retries.
 */
@Injectable()
export class JobRunner {
  constructor(
    private readonly jobs: JobRepository,
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly metrics: StrataMetrics,
  ) {}

  /** One finished attempt into `strata_jobs_total` and `strata_job_duration_seconds`. */
  private observe(kind: string, outcome: string, startedAt: number, rows = 0): void {
    this.metrics.jobOutcomes.inc({ kind, outcome });
    this.metrics.jobDuration.observe({ kind, outcome }, (performance.now() - startedAt) / 1000);
    if (rows > 0) this.metrics.rowsIngested.inc({ kind }, rows);
  }

  async run<P extends BasePayload>(bullJob: Job<P>, handler: JobHandler): Promise<RunOutcome> {
    const { jobId } = bullJob.data;
    const attemptToken = randomUUID();
    const bindings = jobLogBindings(bullJob);
    const attempt = bindings.attempt;
    const maxAttempts = bullJob.opts.attempts ?? 1;
    // From the root, not the job's logging context: the same fields bound twice would repeat in each line.
    const log = rootLogger().child(bindings);

    const startedAt = performance.now();
    const steps = new StepTimings(() => performance.now(), startedAt);
    const job = await this.jobs.markStarted(jobId, attemptToken);
    if (!job) {
      const outcome = await this.notRunnable(jobId, log);
      this.observe('unknown', outcome.outcome, startedAt);
      return outcome;
    }
    annotateJobKind(job.kind);
    log.info('job started');

    const assertCurrent = async (stillOurs: boolean): Promise<void> => {
      if (stillOurs) return;
      throw (await this.jobs.isCancelRequested(jobId)) ? new JobCancelledError() : new StaleAttemptError();
    };
    const ctx: JobContext = {
      job,
      attemptToken,
      log,
      attempt,
      isLastAttempt: attempt >= maxAttempts,
      checkpoint: async () => {
        if (await this.jobs.isCancelRequested(jobId)) throw new JobCancelledError();
      },
      progress: async (update) => {
        if (update.step) steps.mark(update.step);
        await assertCurrent(await this.jobs.reportProgress(jobId, attemptToken, update));
      },
      stepStarted: (step) => steps.mark(step),
      warn: (warning) => this.jobs.addWarning(jobId, attemptToken, warning),
    };

    try {
      const { publish, afterwards, logFields, ...completion } = await handler(ctx);
      // The last step: the publish transaction, or only the completion write for a job with nothing to publish.
      steps.mark(publish ? 'publishing' : 'completing');
      let done: IngestJob | null = null;
      try {
        done = publish
          ? await this.publishAndComplete(jobId, attemptToken, completion, publish)
          : await this.jobs.complete(jobId, attemptToken, completion);
      } finally {
        await afterwards?.(done !== null).catch((error: unknown) =>
          log.warn({ err: describeError(error) }, 'clean-up after the job failed'),
        );
      }
      if (!done) {
        await assertCurrent(false);
      }
      log.info(
        {
          status: completion.status,
          duration_ms: Math.round(performance.now() - startedAt),
          steps_ms: steps.durations(),
          ...logFields,
        },
        'job finished',
      );
      this.observe(job.kind, completion.status, startedAt, completion.rowsProcessed ?? done?.rowsProcessed ?? 0);
      return { outcome: 'completed', status: completion.status };
    } catch (error) {
      let outcome = 'failed';
      try {
        const ran = await this.handleFailure(error, { jobId, attemptToken, log, lastAttempt: attempt >= maxAttempts });
        outcome = ran.outcome === 'stale' ? 'superseded' : ran.outcome;
        return ran;
      } catch (rethrown) {
        // handleFailure rethrows the original error when BullMQ is to retry, an UnrecoverableError when not.
        if (!(rethrown instanceof UnrecoverableError)) outcome = 'retried';
        throw rethrown;
      } finally {
        this.observe(job.kind, outcome, startedAt);
      }
    }
  }

  /** Publishes and completes in one transaction; null (and nothing written) when the attempt lost the job. */
  private async publishAndComplete(
    jobId: string,
    attemptToken: string,
    completion: CompletionUpdate,
    publish: (manager: EntityManager) => Promise<string | null>,
  ): Promise<IngestJob | null> {
    return this.dataSource.transaction(async (manager) => {
      if (!(await this.jobs.lockAttempt(jobId, attemptToken, manager))) return null;
      const datasetId = await publish(manager);
      const done = await this.jobs.complete(
        jobId,
        attemptToken,
        { ...completion, datasetId: datasetId ?? completion.datasetId ?? null },
        manager,
      );
      // Cannot happen while the row is locked for this attempt; if it does, roll the publish back.
      if (!done) throw new StaleAttemptError();
      return done;
    });
  }

  private async handleFailure(
    error: unknown,
    a: { jobId: string; attemptToken: string; log: Logger; lastAttempt: boolean },
  ): Promise<RunOutcome> {
    const failure = classifyFailure(error, a.jobId);
    if (failure.code === JobFailure.Cancelled) {
      await this.jobs.markCancelled(a.jobId, a.attemptToken);
      a.log.info('job cancelled at a checkpoint');
      return { outcome: 'cancelled', status: JobStatus.Cancelled };
    }
    if (failure.code === JobFailure.Superseded) {
      a.log.warn('attempt superseded by a newer delivery; stopping without writing');
      return { outcome: 'stale' };
    }
    const logged = {
      err: describeError(error),
      code: failure.code,
      ...(failure.detail ? { detail: failure.detail } : {}),
    };
    if (failure.class === FailureClass.Transient && !a.lastAttempt) {
      a.log.warn(logged, 'transient failure; BullMQ will retry with backoff');
      await this.jobs.reportProgress(a.jobId, a.attemptToken, { step: JobStep.Retrying }).catch(() => false);
      throw error;
    }
    a.log.error(logged, 'job failed');
    await this.jobs.fail(a.jobId, a.attemptToken, failure.error);
    throw new UnrecoverableError(failure.error.message);
  }

  /** The claim lost: the job was cancelled, finished, or deleted. A cancel that raced a crash is finished here. */
  private async notRunnable(jobId: string, log: Logger): Promise<RunOutcome> {
    const current = await this.jobs.findById(jobId);
    if (current?.status === JobStatus.Processing && current.cancelRequestedAt) {
      await this.jobs.finishCancellation(jobId);
      log.info('cancel requested while no attempt was running; job cancelled');
      return { outcome: 'cancelled', status: JobStatus.Cancelled };
    }
    log.info({ status: current?.status ?? 'missing' }, 'job not runnable; acknowledging delivery');
    return { outcome: 'skipped', ...(current ? { status: current.status } : {}) };
  }
}
