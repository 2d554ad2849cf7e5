import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { ALL_QUEUES, JOB_REGISTRY, JobName, QueueName, jobNamesOn } from '@app/queues';
import { JOB_HANDLER_CLASSES } from '../job-handlers.js';
import { WorkerModule } from '../worker.module.js';
import { WorkerPlanError, planWorker, type JobHandlerClass } from './job-handler.js';

/** A stand-in handler class: the plan reads only the static job name. */
function handlerFor(jobName: JobName, name = `Fake${jobName}`): JobHandlerClass {
  const cls = class {
    static readonly jobName = jobName;
  };
  Object.defineProperty(cls, 'name', { value: name });
  return cls;
}

const problemsOf = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(WorkerPlanError);
    return (error as Error).message;
  }
  throw new Error('expected a WorkerPlanError');
};

describe('planWorker', () => {
  it('this build has exactly one handler for every job name in the registry', () => {
    const handled = JOB_HANDLER_CLASSES.map((h) => h.jobName).sort();
    expect(handled).toEqual(Object.values(JobName).sort());
    const plan = planWorker(ALL_QUEUES, JOB_HANDLER_CLASSES);
    expect(plan.handlers).toHaveLength(Object.values(JobName).length);
  });

  it('consumes only queues that carry jobs, and says which are idle', () => {
    const plan = planWorker(ALL_QUEUES, JOB_HANDLER_CLASSES);
    const busy = ALL_QUEUES.filter((q) => jobNamesOn(q).length > 0);
    expect(plan.queues).toEqual(busy);
    expect(plan.idle).toEqual(ALL_QUEUES.filter((q) => !busy.includes(q)));
    for (const queue of plan.queues) {
      for (const name of jobNamesOn(queue)) expect(JOB_REGISTRY[name].queue).toBe(queue);
    }
  });

  it('takes only the handlers of the selected queues', () => {
    const plan = planWorker([QueueName.System], JOB_HANDLER_CLASSES);
    expect(plan.queues).toEqual([QueueName.System]);
    expect(plan.handlers.map((h) => h.jobName)).toEqual([JobName.Diagnostics]);
  });

  it('refuses a worker missing a handler, naming the job and its queue', () => {
    const withoutIngest = JOB_HANDLER_CLASSES.filter((h) => h.jobName !== JobName.IngestDataset);
    expect(problemsOf(() => planWorker([QueueName.Ingest, QueueName.System], withoutIngest))).toBe(
      "The worker cannot start:\n  - job 'ingest-dataset' (queue 'ingest') has no handler",
    );
    // A worker that does not consume that queue does not need the handler.
    expect(planWorker([QueueName.System], withoutIngest).queues).toEqual([QueueName.System]);
  });

  it('refuses two handlers for one job, and lists every problem at once', () => {
    const handlers = [
      handlerFor(JobName.Diagnostics, 'DiagnosticsA'),
      handlerFor(JobName.Diagnostics, 'DiagnosticsB'),
      handlerFor(JobName.IngestDataset),
    ];
    expect(problemsOf(() => planWorker(ALL_QUEUES, handlers))).toBe(
      [
        'The worker cannot start:',
        "  - job 'preview' (queue 'preview') has no handler",
        "  - job 'build-vrt' (queue 'vrt') has no handler",
        "  - job 'import-run' (queue 'import') has no handler",
        "  - job 'diagnostics' (queue 'system') has 2 handlers: DiagnosticsA, DiagnosticsB",
      ].join('\n'),
    );
  });

  it('the worker module refuses to build without a handler (so the worker refuses to start)', () => {
    const withoutPreview = JOB_HANDLER_CLASSES.filter((h) => h.jobName !== JobName.Preview);
    expect(problemsOf(() => WorkerModule.register([QueueName.Preview], withoutPreview))).toContain(
      "job 'preview' (queue 'preview') has no handler",
    );
    expect(WorkerModule.register([QueueName.Preview]).providers?.length).toBeGreaterThan(0);
  });
});
