import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lineViolations, sweepContextFor } from '../../e2e/support/log-sweep.js';

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
 * What an answer must never carry. The log sweep's rules (test/e2e/support/log-sweep.ts: a path of this
 * machine, a stack frame, a credential, SQL text) apply to its body and headers, as the e2e stack applies
 * them to every answer at `stop`; here each answer is checked on its own, so a matrix row names its leak.
 * `WWW-Authenticate` is left to the rules below: its `Bearer realm="…"` is the scheme's own syntax.
 */
const SWEEP = sweepContextFor(process.env, process.cwd(), tmpdir());

/**
 * What only an answer may leak, beyond the sweep's rules: a database error as the driver words it, any
 * connection string or secret's name, and a server path outside the directories the sweep knows.
 */
const ANSWER_LEAKS: [string, RegExp][] = [
  // A driver's wording, also inside a JSON string (`relation \"x\"`).
  ['a database error', /QueryFailedError|relation \\?"|violates .+ constraint/],
  ['a connection string', /\b(?:postgres(?:ql)?|redis|rediss):\/\/|S3_SECRET|SECRET_ACCESS_KEY/i],
  ['a server path', /\/(?:work|home|root|tmp|usr|opt|srv|var\/lib)\/|node_modules|dist\/apps\//],
];

/** The first leak found in an answer (body and headers), or null. `secrets`: the request's own credentials. */
export function leakIn(text: string, headers: Headers, secrets: readonly string[] = []): string | null {
  const lines = [text, ...[...headers.entries()].map(([k, v]) => `${k}: ${v}`)];
  const swept = [
    text,
    ...[...headers.entries()].filter(([k]) => k !== 'www-authenticate').map(([k, v]) => `${k}: ${v}`),
  ];
  for (const line of swept) {
    const [rule] = lineViolations(line, SWEEP);
    if (rule) return rule;
  }
  const all = lines.join('\n');
  for (const [what, pattern] of ANSWER_LEAKS) if (pattern.test(all)) return what;
  for (const secret of secrets) if (secret && all.includes(secret)) return 'a credential the request carried';
  return null;
}
