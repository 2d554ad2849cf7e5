import { Injectable, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bullmq';
import { AppConfig } from '@app/config';
import type { JobsOptions, Queue } from 'bullmq';
import type { Dispatch } from './dispatch.js';
import { JOB_REGISTRY, type JobName, type QueueName } from './queue-names.js';

/**
 * The only way jobs get onto queues. The BullMQ job id is the domain job id, so enqueueing twice is a
 * no-op; callers persist and commit the domain row first, then enqueue.
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

  defaultOptions(jobId: string): JobsOptions {
    return {
      jobId,
      attempts: this.config.jobs.attempts,
      backoff: { type: 'exponential', delay: this.config.jobs.backoffMs },
      removeOnComplete: { age: 24 * 3600, count: 10000 },
      // Failures are evidence: kept, but bounded.
      removeOnFail: { age: 7 * 24 * 3600, count: 50000 },
    };
  }

  async enqueue(dispatch: Dispatch, options: JobsOptions = {}): Promise<void> {
    const { name, payload } = dispatch;
    const queue = this.queueFor(name);
    await queue.add(name, payload, { ...this.defaultOptions(payload.jobId), ...options });
    this.logger.log(
      { job_id: payload.jobId, queue: queue.name, job_name: name, request_id: payload.requestId },
      'enqueued',
    );
  }

  /**
   * Enqueues again after a user retry or a lost queue entry. An old finished entry with the same id
   * would make `add` a no-op, so it is removed first; a waiting or active one is left alone.
   * Returns whether a new entry was added.
   */
  async reenqueue(dispatch: Dispatch): Promise<boolean> {
    const queue = this.queueFor(dispatch.name);
    const existing = await queue.getJob(dispatch.payload.jobId);
    if (existing) {
      const state = await existing.getState();
      if (state !== 'completed' && state !== 'failed' && state !== 'unknown') return false;
      await existing.remove();
    }
    await this.enqueue(dispatch);
    return true;
  }
}
