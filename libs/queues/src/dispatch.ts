import { JobName, type JobPayloads } from './queue-names.js';

/** What the dispatcher needs to know about a domain job (queues never import the job entity). */
export interface DispatchableJob {
  id: string;
  importer: string;
  requestId: string | null;
  options: Record<string, unknown>;
}

export type Dispatch = { [N in JobName]: { name: N; payload: JobPayloads[N] } }[JobName];

export class UndispatchableJobError extends Error {
  constructor(importer: string) {
    super(`No queue job handles importer '${importer}'`);
    this.name = 'UndispatchableJobError';
  }
}

const int = (value: unknown, fallback: number): number =>
  typeof value === 'number' && Number.isInteger(value) ? value : fallback;

/**
 * The queue job that runs a domain job, rebuilt from what is persisted. Used for the first enqueue,
 * for retries and by the sweeper, so all three always send the same payload.
 */
export function dispatchFor(job: DispatchableJob): Dispatch {
  switch (job.importer) {
    case 'diagnostics': {
      const failWith = job.options.fail_with;
      return {
        name: JobName.Diagnostics,
        payload: {
          jobId: job.id,
          requestId: job.requestId,
          steps: int(job.options.steps, 3),
          stepMs: int(job.options.step_ms, 200),
          failWith: failWith === 'transient' || failWith === 'permanent' ? failWith : null,
        },
      };
    }
    case 'dataset':
      return { name: JobName.IngestDataset, payload: { jobId: job.id, requestId: job.requestId } };
    default:
      throw new UndispatchableJobError(job.importer);
  }
}
