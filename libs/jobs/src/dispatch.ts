import { JobName, type Dispatch } from '@app/queues';
import type { IngestJob } from './entities/ingest-job.entity.js';
import { JobKind } from './job-kind.js';

/** A stored job of a kind no queue job runs yet. */
export class UndispatchableJobError extends Error {
  constructor(kind: string) {
    super(`No queue job runs jobs of kind '${kind}'`);
    this.name = 'UndispatchableJobError';
  }
}

export type DispatchableJob = Pick<IngestJob, 'id' | 'kind' | 'requestId' | 'params'>;

/**
 * The queue job that runs a domain job, rebuilt from what is persisted. Used for the first enqueue,
 * for retries and by the sweeper, so all three always send the same payload.
 */
export function dispatchFor(job: DispatchableJob): Dispatch {
  const base = { jobId: job.id, requestId: job.requestId };
  const params = job.params;
  switch (params.kind) {
    case JobKind.Diagnostics:
      return {
        name: JobName.Diagnostics,
        payload: { ...base, steps: params.steps, stepMs: params.step_ms, failWith: params.fail_with },
      };
    // A remote layer is ingested by the same handler as a file: its source says where to read.
    case JobKind.FileDataset:
    case JobKind.ServiceDataset:
      return { name: JobName.IngestDataset, payload: base };
    case JobKind.Vrt:
      return {
        name: JobName.BuildVrt,
        payload: { ...base, vrtDatasetId: params.vrt_dataset_id, generation: params.generation },
      };
    // The importer, format and dry-run flag are on the job row.
    case JobKind.ImportRun:
      return { name: JobName.ImportRun, payload: base };
    default: {
      const unknown: never = params;
      throw new UndispatchableJobError(String((unknown as { kind: unknown }).kind));
    }
  }
}
