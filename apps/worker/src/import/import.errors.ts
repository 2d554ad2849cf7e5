import { ImportFailure, RemoteFailure } from '@app/common';

/**
 * A run that cannot go on, for a reason FAILURE_POLICY's ImportFailure codes name (or RemoteFailure's,
 * for a remote service the run reads). The classifier reads
 * the code; where the policy defers to it, `message` is what the user sees: keep it free of paths,
 * hosts and SQL.
 */
export class ImportRunError extends Error {
  constructor(
    readonly code: ImportFailure | RemoteFailure,
    message: string,
  ) {
    super(message);
    this.name = 'ImportRunError';
  }
}
