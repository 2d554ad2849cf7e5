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

// Also covers quoted JSON keys ("password":"…") and an auth scheme before the credential (Bearer …).
const SECRET_IN_TEXT = /(password|secret|token|authorization)(["']?\s*[=:]\s*["']?|\s+)(?:(?:bearer|basic)\s+)?\S+/gi;
// Any user-info part: `user:pass@`, password-only `:pass@` (Redis) and token-only `token@`.
const URL_CREDENTIALS = /(\w+:\/\/)[^/\s@]+@/g;

export function scrubSecrets(text: string): string {
  return text.replace(URL_CREDENTIALS, '$1***@').replace(SECRET_IN_TEXT, '$1$2***');
}

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
