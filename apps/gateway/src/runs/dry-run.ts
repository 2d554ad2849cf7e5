/**
 * Seed 004's `dry_run` flag: multipart fields are text (`1|true|0|false`), JSON bodies may also send a
 * boolean or 1/0. Anything else is undefined here, which the caller turns into a validation error.
 */
export function parseDryRun(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 1 || value === 0) return value === 1;
  if (typeof value !== 'string') return undefined;
  const text = value.trim().toLowerCase();
  if (text === '1' || text === 'true') return true;
  if (text === '0' || text === 'false') return false;
  return undefined;
}
