import { ErrorCode, DomainError } from '@app/common';

/** DESIGN.md §2. */
export enum JobStatus {
  Pending = 'pending',
  Queued = 'queued',
  Processing = 'processing',
  Completed = 'completed',
  CompletedWithErrors = 'completed_with_errors',
  Failed = 'failed',
  Cancelled = 'cancelled',
  FanningOut = 'fanning_out',
  FannedOut = 'fanned_out',
}

export const TERMINAL_STATUSES: readonly JobStatus[] = [
  JobStatus.Completed,
  JobStatus.CompletedWithErrors,
  JobStatus.Failed,
  JobStatus.Cancelled,
  JobStatus.FannedOut,
];

/**
 * The whole state machine. A status may move only to the statuses listed for it; `processing →
 * processing` is a new delivery of the same job (after a crash or a transient failure) taking over with a
 * fresh attempt token, and `failed → queued` is a user's retry.
 */
export const JOB_TRANSITIONS: Readonly<Record<JobStatus, readonly JobStatus[]>> = {
  [JobStatus.Pending]: [JobStatus.Queued, JobStatus.FanningOut, JobStatus.Failed, JobStatus.Cancelled],
  [JobStatus.FanningOut]: [JobStatus.FannedOut, JobStatus.Pending],
  [JobStatus.Queued]: [JobStatus.Processing, JobStatus.Failed, JobStatus.Cancelled],
  [JobStatus.Processing]: [
    JobStatus.Processing,
    JobStatus.Completed,
    JobStatus.CompletedWithErrors,
    JobStatus.Failed,
    JobStatus.Cancelled,
  ],
  [JobStatus.Failed]: [JobStatus.Queued],
  [JobStatus.Completed]: [],
  [JobStatus.CompletedWithErrors]: [],
  [JobStatus.Cancelled]: [],
  [JobStatus.FannedOut]: [],
};

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export function canTransition(from: JobStatus, to: JobStatus): boolean {
  return JOB_TRANSITIONS[from].includes(to);
}

/** Every status from which `to` may be reached: the `WHERE status IN (…)` of a guarded update. */
export function sourcesOf(to: JobStatus): JobStatus[] {
  return (Object.keys(JOB_TRANSITIONS) as JobStatus[]).filter((from) => canTransition(from, to));
}

/** A guarded update lost: the job was not in a status the change is allowed from. */
export class InvalidTransitionError extends DomainError {
  constructor(
    readonly jobId: string,
    readonly current: JobStatus,
    readonly attempted: JobStatus,
    message?: string,
  ) {
    super(ErrorCode.InvalidTransition, message ?? `Job is '${current}'; it cannot become '${attempted}'.`, {
      current_status: current,
    });
  }
}
