// Also covers quoted JSON keys ("password":"…") and an auth scheme before the credential (Bearer …).
const SECRET_IN_TEXT = /(password|secret|token|authorization)(["']?\s*[=:]\s*["']?|\s+)(?:(?:bearer|basic)\s+)?\S+/gi;
// Any user-info part: `user:pass@`, password-only `:pass@` (Redis) and token-only `token@`.
const URL_CREDENTIALS = /(\w+:\/\/)[^/\s@]+@/g;

/** Masks credentials in URLs and `password=…`-style secrets in a message meant for logs. */
export function scrubSecrets(text: string): string {
  return text.replace(URL_CREDENTIALS, '$1***@').replace(SECRET_IN_TEXT, '$1$2***');
}

// An absolute file path (two or more segments) that is not part of a URL: not after a scheme's `:`, a
// host, or another path character. Its directories go; its last segment (the file's name) stays.
const FILE_PATH = /(?<![\w.:/~-])\/(?:[^\s'"`()<>:,;|/]+\/)+([^\s'"`()<>:,;|/]*)/g;

/**
 * Masks absolute file paths in a message meant for logs (`open '/srv/strata/var/storage/datasets/1/a.tif'`
 * → `open '…/a.tif'`): where Strata is installed, its storage root and temporary directories are not for
 * log readers. URLs are left as they are (`scrubSecrets` masks their credentials).
 */
export function withoutPaths(text: string): string {
  return text.replace(FILE_PATH, '…/$1');
}
