import { DomainError, ErrorCode } from '@app/common';

/** What a job does. The importer slug names *which* importer ran; the kind says what the work is. */
export enum JobKind {
  /** A stored file (one layer of it) becomes a dataset: a PostGIS table or a COG. */
  FileDataset = 'file-dataset',
  /** A remote feature-service layer becomes a PostGIS table. */
  ServiceDataset = 'service-dataset',
  /** Raster datasets combined into a VRT mosaic or band stack. */
  Vrt = 'vrt',
  /** Rows of a source imported into an existing table through a declarative importer. */
  ImportRun = 'import-run',
  /** Exercises a worker end to end. */
  Diagnostics = 'diagnostics',
}

/** What a job's progress step may say. Diagnostics number their steps. */
export enum JobStep {
  Pending = 'pending',
  Queued = 'queued',
  Starting = 'starting',
  Reading = 'reading',
  Loading = 'loading',
  Indexing = 'indexing',
  Converting = 'converting',
  Storing = 'storing',
  Finalizing = 'finalizing',
  CheckingGdal = 'checking-gdal',
  Retrying = 'retrying',
  Cancelling = 'cancelling',
  FanningOut = 'fanning_out',
  FannedOut = 'fanned_out',
  Done = 'done',
  Failed = 'failed',
  Cancelled = 'cancelled',
}

export type DiagnosticsStep = `step-${number}-of-${number}`;
export type ProgressStep = JobStep | DiagnosticsStep;

const STEP_VALUES = new Set<string>(Object.values(JobStep));

/** A step name read back from the database or a GDAL child; anything unknown is refused. */
export function isProgressStep(value: unknown): value is ProgressStep {
  return typeof value === 'string' && (STEP_VALUES.has(value) || /^step-\d+-of-\d+$/.test(value));
}

/** A stored job document that does not have the shape its type promises (a bug or a hand-edited row). */
export class InvalidJobDocumentError extends DomainError {
  constructor(what: string, problem: string) {
    super(ErrorCode.Internal, `Invalid stored ${what}: ${problem}.`);
  }
}
