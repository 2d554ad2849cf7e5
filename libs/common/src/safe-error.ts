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
  // Already described (a caller logged `{ err: describeError(e) }` and the logger's serializer runs again):
  // kept, not reduced to "Non-error value thrown".
  if (isSafeError(error)) {
    return {
      type: error.type,
      message: scrubSecrets(error.message),
      ...(typeof error.code === 'string' ? { code: error.code } : {}),
      ...(typeof error.stack === 'string' ? { stack: scrubSecrets(error.stack) } : {}),
    };
  }
  return { type: typeof error, message: 'Non-error value thrown' };
}

function isSafeError(value: unknown): value is SafeError {
  if (typeof value !== 'object' || value === null || Object.getPrototypeOf(value) !== Object.prototype) return false;
  const { type, message } = value as Partial<SafeError>;
  return typeof type === 'string' && typeof message === 'string';
}
