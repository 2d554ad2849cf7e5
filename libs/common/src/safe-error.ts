import { scrubSecrets } from '@app/contracts';

/**
 * What may be logged about an error: its class, message, code and stack. Driver errors carry the SQL
 * text and bound parameters as properties (pg's QueryFailedError does); those are never logged.
 */
export interface SafeError {
  type: string;
  message: string;
  code?: string;
  stack?: string;
}

// Defined with the GDAL-free contract, so the GDAL child process can mask its messages without Nest.
export { scrubSecrets };

export function describeError(error: unknown): SafeError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      type: error.name,
      message: scrubSecrets(error.message),
      ...(typeof code === 'string' ? { code } : {}),
      ...(error.stack ? { stack: scrubSecrets(error.stack) } : {}),
    };
  }
  return { type: typeof error, message: 'Non-error value thrown' };
}
