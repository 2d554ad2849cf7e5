import { Inject, type Type } from '@nestjs/common';
import { Processor, WorkerHost } from '@nestjs/bullmq';
import { LogContext } from '@app/common';
import { JobName, jobNamesOn, type JobPayloads, type JobResults, type QueueName } from '@app/queues';
import { UnrecoverableError, type Job } from 'bullmq';
import { jobLogBindings, traceJobRun } from './job-context.js';
import { workerOptions } from './worker-options.js';

/** Handles one job name of the registry, with its payload and result typed from it. */
export interface QueueJobHandler<N extends JobName = JobName> {
  readonly jobName: N;
  handle(job: Job<JobPayloads[N], JobResults[N], N>): Promise<JobResults[N]>;
}

/** A handler class names its job statically, so a worker's plan is checked before anything is built. */
export type JobHandlerClass = Type<unknown> & { readonly jobName: JobName };

/** Any handler, as the processor sees it: BullMQ hands over untyped data, routed by name. */
interface RoutableHandler {
  readonly jobName: JobName;
  handle(job: Job): Promise<unknown>;
}

export const JOB_HANDLERS = Symbol('JOB_HANDLERS');

/** A worker asked to consume queues it cannot fully handle. */
export class WorkerPlanError extends Error {
  constructor(problems: string[]) {
    super(`The worker cannot start:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'WorkerPlanError';
  }
}

export interface WorkerPlan {
  /** Queues to consume: each carries at least one job name, and every one of them has a handler. */
  queues: QueueName[];
  /** Queues asked for that carry no job yet (nothing to consume). */
  idle: QueueName[];
  handlers: JobHandlerClass[];
}

/**
 * Checks at boot that every job name the selected queues can receive has exactly one handler; throws a
 * WorkerPlanError listing every gap and duplicate otherwise.
 */
export function planWorker(queues: readonly QueueName[], available: readonly JobHandlerClass[]): WorkerPlan {
  const problems: string[] = [];
  const plan: WorkerPlan = { queues: [], idle: [], handlers: [] };
  for (const queue of queues) {
    const names = jobNamesOn(queue);
    if (names.length === 0) {
      plan.idle.push(queue);
      continue;
    }
    plan.queues.push(queue);
    for (const name of names) {
      const handlers = available.filter((h) => h.jobName === name);
      if (handlers.length === 0) problems.push(`job '${name}' (queue '${queue}') has no handler`);
      else if (handlers.length > 1)
        problems.push(
          `job '${name}' (queue '${queue}') has ${handlers.length} handlers: ${handlers.map((h) => h.name).join(', ')}`,
        );
      else plan.handlers.push(...handlers);
    }
  }
  if (problems.length > 0) throw new WorkerPlanError(problems);
  return plan;
}

/**
 * The BullMQ processor of one queue: no logic, it hands each job to the handler of its name. This is
 * where data from Redis meets the registry's types, once, for every queue.
 */
export function processorFor(queue: QueueName): Type<WorkerHost> {
  @Processor(queue, workerOptions())
  class QueueProcessor extends WorkerHost {
    constructor(
      @Inject(JOB_HANDLERS) private readonly handlers: RoutableHandler[],
      private readonly logs: LogContext,
    ) {
      super();
    }

    /**
     * Each delivery runs in a logging context of its own: every line logged while it runs, through any
     * logger (Nest's, a service's, the GDAL runner's), carries the job's id, attempt and request id.
     */
    override async process(job: Job): Promise<unknown> {
      const handler = this.handlers.find((h) => h.jobName === job.name);
      if (!handler) throw new UnrecoverableError(`No handler for job '${job.name}' on queue '${job.queueName}'`);
      return this.logs.run(() => traceJobRun(job, () => handler.handle(job)), { ...jobLogBindings(job) });
    }
  }
  Object.defineProperty(QueueProcessor, 'name', { value: `QueueProcessor(${queue})` });
  return QueueProcessor;
}
