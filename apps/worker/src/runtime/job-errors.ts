/**
 * Errors job code throws on purpose. How each is handled (retried, failed, stopped) is decided in one
 * place, failure-classifier.ts, together with every other error a job can end with.
 */

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

/** Worth retrying with backoff (a dependency was briefly unavailable). `message` is for the log only. */
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
