import { Injectable, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bullmq';
import { AppConfig } from '@app/config';
import { currentTraceCarrier, describeError, withTimeout } from '@app/common';
import type { Job, JobsOptions, Queue } from 'bullmq';
import type { Dispatch } from './dispatch.js';
import { JOB_REGISTRY, type BasePayload, type JobName, type QueueName } from './queue-names.js';

/** How long any enqueue waits for Redis before giving up (a stalled Redis must not hang a request). */
export const ENQUEUE_TIMEOUT_MS = 5_000;

/**
 * The payload with the active trace context, so the worker's span continues the enqueuing request's
 * trace. Nothing is added while tracing is off (or outside any span, as in the sweeper).
 */
function withTraceContext<P extends BasePayload>(payload: P): P {
  const traceContext = currentTraceCarrier();
  return traceContext ? { ...payload, traceContext } : payload;
}

/**
 * The only way jobs get onto queues, each call bounded by ENQUEUE_TIMEOUT_MS. The BullMQ job id is the
 * domain job id, so enqueueing twice is a no-op; callers persist and commit the domain row first, then
 * enqueue.
 */
@Injectable()
export class JobProducer {
  private readonly logger = new Logger(JobProducer.name);

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly config: AppConfig,
  ) {}

  queueFor(name: JobName): Queue {
    return this.queue(JOB_REGISTRY[name].queue);
  }

  queue(queue: QueueName): Queue {
    return this.moduleRef.get<Queue>(getQueueToken(queue), { strict: false });
  }

  private defaultOptions(jobId: string): JobsOptions {
    return {
      jobId,
      attempts: this.config.jobs.attempts,
      backoff: { type: 'exponential', delay: this.config.jobs.backoffMs },
      removeOnComplete: { age: 24 * 3600, count: 10000 },
      // Failures are evidence: kept, but bounded.
      removeOnFail: { age: 7 * 24 * 3600, count: 50000 },
    };
  }

  private bounded<T>(work: Promise<T>): Promise<T> {
    return withTimeout(work, ENQUEUE_TIMEOUT_MS, 'The job queue');
  }

  /** Adds one queue job; `options` override the defaults (a preview names its own BullMQ id). */
  async enqueue(dispatch: Dispatch, options: JobsOptions = {}): Promise<Job> {
    const { name, payload } = dispatch;
    const queue = this.queueFor(name);
    const job = await this.bounded(
      queue.add(name, withTraceContext(payload), { ...this.defaultOptions(payload.jobId), ...options }),
    );
    this.logger.log(
      { job_id: payload.jobId, queue: queue.name, job_name: name, request_id: payload.requestId },
      'enqueued',
    );
    return job;
  }

  /** Adds many queue jobs with one round trip per queue (all of a queue's jobs or none). */
  async enqueueAll(dispatches: Dispatch[]): Promise<void> {
    const byQueue = new Map<Queue, Dispatch[]>();
    for (const dispatch of dispatches) {
      const queue = this.queueFor(dispatch.name);
      byQueue.set(queue, [...(byQueue.get(queue) ?? []), dispatch]);
    }
    await this.bounded(
      Promise.all(
        [...byQueue].map(([queue, list]) =>
          queue.addBulk(
            list.map(({ name, payload }) => ({
              name,
              data: withTraceContext(payload),
              opts: this.defaultOptions(payload.jobId),
            })),
          ),
        ),
      ),
    );
    this.logger.log({ job_ids: dispatches.map((d) => d.payload.jobId) }, 'enqueued');
  }

  /**
   * Enqueues again after a user retry or a lost queue entry. An old finished entry with the same id
   * would make `add` a no-op, so it is removed first; a waiting or active one is left alone.
   * Returns whether a new entry was added.
   */
  async reenqueue(dispatch: Dispatch): Promise<boolean> {
    const queue = this.queueFor(dispatch.name);
    const existing = await this.bounded(queue.getJob(dispatch.payload.jobId));
    if (existing) {
      const state = await this.bounded(existing.getState());
      if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return false;
      await this.bounded(existing.remove());
    }
    await this.enqueue(dispatch);
    return true;
  }

  /**
   * For a job already stored as `queued`: enqueue it, or, if Redis cannot take it right now, leave it
   * to the sweeper (which enqueues stored queued jobs once Redis is back). False when it was left.
   */
  async enqueueOrLeaveToSweeper(dispatch: Dispatch): Promise<boolean> {
    try {
      await this.reenqueue(dispatch);
      return true;
    } catch (error) {
      this.logger.warn(
        { job_id: dispatch.payload.jobId, err: describeError(error) },
        'enqueue failed; the sweeper will retry',
      );
      return false;
    }
  }
}
