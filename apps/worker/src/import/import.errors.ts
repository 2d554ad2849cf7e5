import { ImportFailure } from '@app/common';

/**
 * A run that cannot go on, for a reason FAILURE_POLICY's ImportFailure codes name. The classifier reads
 * the code; where the policy defers to it, `message` is what the user sees: keep it free of paths,
 * hosts and SQL.
 */
export class ImportRunError extends Error {
  constructor(
    readonly code: ImportFailure,
    message: string,
  ) {
    super(message);
    this.name = 'ImportRunError';
  }
}
