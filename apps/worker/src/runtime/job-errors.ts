import { DomainError, TimeoutError } from '@app/common';

/** Fails the job at once, without retries. `message` is shown to the user: keep it free of paths, hosts and SQL. */
export class PermanentJobError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'PermanentJobError';
  }
}

/** Worth retrying with backoff (a dependency was briefly unavailable). */
export class TransientJobError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientJobError';
  }
}

/** The user cancelled; the attempt stops at the checkpoint that noticed. */
export class JobCancelledError extends Error {
  constructor() {
    super('Job cancelled');
    this.name = 'JobCancelledError';
  }
}

/** Another delivery took over the job (this one was presumed dead); stop without touching it. */
export class StaleAttemptError extends Error {
  constructor() {
    super('Attempt superseded');
    this.name = 'StaleAttemptError';
  }
}

const TRANSIENT_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
/** PostgreSQL SQLSTATEs that mean "try again": connection loss, resource exhaustion, shutdown, serialization. */
const TRANSIENT_SQLSTATE = /^(08|53|57P0[1-3]|40001|40P01)/;

function codeOf(error: unknown): string | undefined {
  const e = error as { code?: unknown; driverError?: { code?: unknown } };
  const code = e?.driverError?.code ?? e?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Only dependency outages are retried; everything else fails at once. */
export function isTransient(error: unknown): boolean {
  if (error instanceof TransientJobError || error instanceof TimeoutError) return true;
  if (error instanceof PermanentJobError || error instanceof DomainError) return false;
  const code = codeOf(error);
  if (code && (TRANSIENT_ERRNO.has(code) || TRANSIENT_SQLSTATE.test(code))) return true;
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|Connection is closed|connect ECONNREFUSED|MaxRetriesPerRequest/i.test(message);
}

export interface UserSafeError {
  code: string;
  message: string;
}

/** What the job record (and so the user) may see about a failure. */
export function toUserSafeError(error: unknown, jobId: string): UserSafeError {
  if (error instanceof PermanentJobError) return { code: error.code, message: error.message };
  if (error instanceof DomainError) return { code: error.code, message: error.message };
  if (isTransient(error)) {
    return {
      code: 'dependency-unavailable',
      message: 'A storage or database service stayed unavailable; retry the job later.',
    };
  }
  return { code: 'internal', message: `The job failed because of an internal error (reference ${jobId}).` };
}
