// Also covers quoted JSON keys ("password":"…") and an auth scheme before the credential (Bearer …).
const SECRET_IN_TEXT = /(password|secret|token|authorization)(["']?\s*[=:]\s*["']?|\s+)(?:(?:bearer|basic)\s+)?\S+/gi;
// Any user-info part: `user:pass@`, password-only `:pass@` (Redis) and token-only `token@`.
const URL_CREDENTIALS = /(\w+:\/\/)[^/\s@]+@/g;

/** Masks credentials in URLs and `password=…`-style secrets in a message meant for logs. */
export function scrubSecrets(text: string): string {
  return text.replace(URL_CREDENTIALS, '$1***@').replace(SECRET_IN_TEXT, '$1$2***');
}
