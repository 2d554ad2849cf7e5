import type { TraceCarrier } from '@app/common';
import type { PreviewOutcome } from './preview-result.js';

/** Every BullMQ queue. Workers pick a subset with WORKER_QUEUES. */
export enum QueueName {
  /** File → dataset ingests (GDAL heavy). */
  Ingest = 'ingest',
  /** Previews awaited by the gateway. */
  Preview = 'preview',
  /** VRT mosaic (re)generation. */
  Vrt = 'vrt',
  /** Row importers. */
  Import = 'import',
  /** Pipeline diagnostics and housekeeping. */
  System = 'system',
}

export enum JobName {
  /** Exercises a worker end to end: dependencies, GDAL, progress, cancellation checkpoints. */
  Diagnostics = 'diagnostics',
  /** Inspects a staged file for the gateway, which awaits the answer. */
  Preview = 'preview',
  /** Turns a committed file (one layer of it) into a dataset: a PostGIS table or a COG. */
  IngestDataset = 'ingest-dataset',
  /** Builds and publishes one generation of a VRT mosaic (creation, a staged membership change, a rebuild). */
  BuildVrt = 'build-vrt',
  /** Runs an importer over its source: rows → transforms and rules → merge into the target table. */
  ImportRun = 'import-run',
}

/** The payload every job carries: the domain job id and the request that caused it. Never bytes or secrets. */
export interface BasePayload {
  jobId: string;
  requestId: string | null;
  /** W3C trace context of the span that enqueued the job (only while tracing is on). */
  traceContext?: TraceCarrier;
}

export interface DiagnosticsPayload extends BasePayload {
  steps: number;
  stepMs: number;
  /** Make one step fail: `transient` fails until the last attempt, `permanent` fails at once. */
  failWith: 'transient' | 'permanent' | null;
}

export interface PreviewPayload extends BasePayload {
  layerName: string | null;
}

/** Everything else the ingest needs (layer, title, options) is on the job row, written at commit. */
export type IngestDatasetPayload = BasePayload;

/** The staged member list and the rest are on the job row; the generation fences the build. */
export interface BuildVrtPayload extends BasePayload {
  vrtDatasetId: string;
  generation: number;
}

/** The importer, source and dry-run flag are on the job row. */
export type ImportRunPayload = BasePayload;

export interface JobPayloads {
  [JobName.Diagnostics]: DiagnosticsPayload;
  [JobName.Preview]: PreviewPayload;
  [JobName.IngestDataset]: IngestDatasetPayload;
  [JobName.BuildVrt]: BuildVrtPayload;
  [JobName.ImportRun]: ImportRunPayload;
}

/** How a job run by the job runner ended (the BullMQ return value of runner jobs). */
export interface JobRunOutcome {
  outcome: 'completed' | 'cancelled' | 'stale' | 'skipped';
  status?: string;
}

/** What each job's handler returns (the BullMQ return value; the gateway awaits previews). */
export interface JobResults {
  [JobName.Diagnostics]: JobRunOutcome;
  [JobName.Preview]: PreviewOutcome;
  [JobName.IngestDataset]: JobRunOutcome;
  [JobName.BuildVrt]: JobRunOutcome;
  [JobName.ImportRun]: JobRunOutcome;
}

/** The one table from job name to its queue. Payload and result types are keyed by the same names. */
export const JOB_REGISTRY = {
  [JobName.Diagnostics]: { queue: QueueName.System },
  [JobName.Preview]: { queue: QueueName.Preview },
  [JobName.IngestDataset]: { queue: QueueName.Ingest },
  [JobName.BuildVrt]: { queue: QueueName.Vrt },
  [JobName.ImportRun]: { queue: QueueName.Import },
} as const satisfies { readonly [N in JobName]: { queue: QueueName } };

export type QueueOf<N extends JobName> = (typeof JOB_REGISTRY)[N]['queue'];

/** The job names a queue carries, as a type… */
export type JobNameOn<Q extends QueueName> = { [N in JobName]: QueueOf<N> extends Q ? N : never }[JobName];

/** …and at run time. */
export function jobNamesOn(queue: QueueName): JobName[] {
  return Object.values(JobName).filter((name) => JOB_REGISTRY[name].queue === queue);
}

export const ALL_QUEUES: readonly QueueName[] = Object.values(QueueName);

export function isQueueName(value: string): value is QueueName {
  return (ALL_QUEUES as readonly string[]).includes(value);
}

/** Parses WORKER_QUEUES; empty means every queue, unknown names are a configuration error. */
export function selectQueues(names: string[]): QueueName[] {
  if (names.length === 0) return [...ALL_QUEUES];
  const unknown = names.filter((n) => !isQueueName(n));
  if (unknown.length > 0) {
    throw new Error(`WORKER_QUEUES names unknown queues: ${unknown.join(', ')} (known: ${ALL_QUEUES.join(', ')})`);
  }
  return [...new Set(names)] as QueueName[];
}
