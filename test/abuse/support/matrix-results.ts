import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Where the abuse specs leave what they observed, for `scripts/abuse-report.mjs` to render into
 * docs/security.md. One JSON file per spec; a run overwrites it.
 */
export const RESULTS_DIR = '.tmp/abuse-results';

export async function writeResults(name: string, results: unknown): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const file = join(RESULTS_DIR, `${name}.json`);
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  return file;
}

export const PROBLEM_JSON = /^application\/problem\+json\b/;

/**
 * What an error answer must never carry: a stack trace, a server path, SQL or a database error, a
 * connection string, or any bearer token. `secrets` are the literal values that must not appear either
 * (the tokens the request used, their prefixes).
 */
const LEAKS: [string, RegExp][] = [
  ['a stack trace', /\bat [\w$.<>[\]]+ \(|\bat (?:async )?file:|\.(?:[cm]?js|ts):\d+:\d+/],
  ['a server path', /\/(?:work|home|root|tmp|usr|opt|srv|var\/lib)\/|node_modules|dist\/apps\//],
  [
    'SQL or a database error',
    /\b(?:SELECT .+ FROM|INSERT INTO|UPDATE \S+ SET|DELETE FROM)\b|QueryFailedError|relation "|violates .+ constraint/,
  ],
  ['a connection string', /\b(?:postgres(?:ql)?|redis|rediss):\/\/|S3_SECRET|SECRET_ACCESS_KEY/i],
  ['a bearer token', /\bstk_[A-Za-z0-9_-]{8,}/],
];

/** The first leak found in an answer (body and headers), or null. */
export function leakIn(text: string, headers: Headers, secrets: readonly string[] = []): string | null {
  const all = `${text}\n${[...headers.entries()].map(([k, v]) => `${k}: ${v}`).join('\n')}`;
  for (const [what, pattern] of LEAKS) if (pattern.test(all)) return what;
  for (const secret of secrets) if (secret && all.includes(secret)) return 'a credential the request carried';
  return null;
}
