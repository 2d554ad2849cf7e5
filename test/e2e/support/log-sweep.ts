import { resolve } from 'node:path';

/**
 * The log sweep's rules: what no line a gateway or worker writes may carry — an absolute path of this
 * machine, a stack frame, a credential, the text of an SQL statement. Pure: what the rules look for
 * (the repository root, the storage root, the secrets) comes in a `SweepContext`; `Stack.stop` builds one
 * from the processes' environment and sweeps every captured line.
 */

/** What a sweep looks for, from the environment the processes ran with. */
export interface SweepContext {
  /** Absolute directories whose paths must not be logged (the repository root, storage roots, tmpdir). */
  directories: string[];
  /** Secret values that must not appear in a line (S3 secret keys). */
  secrets: string[];
  /** Passwords that must not appear inside a URL (`:password@`). */
  urlPasswords: string[];
}

export interface SweepFinding {
  /** The process that wrote the line (`gateway`, `worker-1`, …). */
  source: string;
  /** The rules the line breaks. */
  rules: string[];
  line: string;
}

/**
 * The context for processes started with `env` from `cwd`: the repository root, the storage root
 * (resolved against `cwd`, as the apps resolve it), `tmpdir`, the database's password and the S3 secret
 * keys.
 */
export function sweepContextFor(env: Record<string, string | undefined>, cwd: string, tmpdir: string): SweepContext {
  const directories = [cwd, tmpdir];
  if (env.STORAGE_LOCAL_ROOT) directories.push(resolve(cwd, env.STORAGE_LOCAL_ROOT));
  const urlPasswords: string[] = [];
  for (const name of ['DATABASE_URL', 'REDIS_URL']) {
    const password = passwordOf(env[name]);
    if (password) urlPasswords.push(password);
  }
  const secrets = ['S3_TEST_SECRET_ACCESS_KEY', 'S3_SECRET_ACCESS_KEY']
    .map((name) => env[name])
    .filter((v): v is string => typeof v === 'string' && v.length > 0);
  return { directories: unique(directories), secrets: unique(secrets), urlPasswords: unique(urlPasswords) };
}

function passwordOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const password = decodeURIComponent(new URL(url).password);
    return password.length > 0 ? password : undefined;
  } catch {
    return undefined;
  }
}

const unique = (values: string[]): string[] => [...new Set(values.filter((v) => v.length > 0))];

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// A path starts where no other path, URL or word character precedes it (`/tmp/x` in a message, not
// `http://host/tmp/x` nor `a/tmp/x`).
const PATH_START = String.raw`(?<![\w.:/~%-])`;
const HOME = new RegExp(`${PATH_START}/home/`);

/** A rule: a name and a test on the line (raw, and its JSON string values decoded). */
interface Rule {
  name: string;
  test: (text: string, parsed: unknown) => boolean;
}

// A V8 frame: `at fn (/x/y.js:1:2)`, `at file:///x/y.js:1:2`, `at node:internal/x:1:2`, or the indented
// `    at ` of a multi-line stack (also JSON-escaped, `\n    at `).
const FRAME_WITH_LOCATION = /\bat .+\(.+:\d+:\d+\)/;
const FRAME_BARE_LOCATION = /\bat (?:file:\/\/|node:|\/)\S*:\d+:\d+/;
const FRAME_INDENTED = /(?:^|\n|\\n)[ \t]+at \S/;

// Longer than the 12-character prefix (`stk_` and 8 characters) that token listings show by design.
const BEARER_TOKEN = /stk_[A-Za-z0-9_-]{9,}/;
// A credential after `Bearer`/`Basic` (a word with a digit or one of `_+/=~` in it: not prose such as
// "a Bearer header"), or an Authorization header's value, unless masked or a placeholder (`Bearer <token>`,
// `Bearer …`, as a 401's detail and the API's documentation show how to authenticate).
const AUTH_SCHEME = /\b(?:bearer|basic)\s+(?=[A-Za-z.-]*[0-9_+/=~])[A-Za-z0-9._~+/=-]{6,}/i;
const AUTHORIZATION_VALUE =
  /\bauthorization["']?\s*[:=]\s*["']?(?!\[redacted\]|\*\*\*|["'\s,}]|$|(?:bearer|basic)\s+(?:<[\w-]+>(?!\w)|…))/i;
// Any `scheme://user:password@` whose password is not masked.
const URL_PASSWORD = /\w+:\/\/[^\s/@:"']*:(?!\*\*\*@)[^\s/@"']+@/;

// Statements as our code and TypeORM write them (upper-case keywords), not English prose.
const SQL = [
  /\bSELECT\b[\s\S]{0,400}?\bFROM\s+["\w]/,
  /\bINSERT INTO\s+["\w]/,
  /\bUPDATE\s+["\w.]+\s+SET\b/,
  /\bDELETE FROM\s+["\w]/,
  /\b(?:CREATE|ALTER|DROP)\s+(?:TABLE|INDEX|SCHEMA|UNIQUE INDEX)\b/,
  /\bCOPY\s+["\w.]+(?:\s*\([^)]*\))?\s+(?:FROM|TO)\s+STDIN|\bCOPY\b[\s\S]{0,200}\bFROM STDIN\b/,
];

/** Whether a parsed JSON line has a `stack` field anywhere (an error serialised whole). */
function hasStackField(value: unknown, depth = 0): boolean {
  if (typeof value !== 'object' || value === null || depth > 8) return false;
  if (Array.isArray(value)) return value.some((v) => hasStackField(v, depth + 1));
  return Object.entries(value).some(([key, v]) => key === 'stack' || hasStackField(v, depth + 1));
}

function rulesFor(context: SweepContext): Rule[] {
  const directories = context.directories.map(
    (dir) => new RegExp(`${PATH_START}${escape(dir.replace(/\/+$/, ''))}(?=/|["'\\s,)\\]}]|$)`),
  );
  const secrets = context.secrets.map((s) => new RegExp(`(?<![A-Za-z0-9])${escape(s)}(?![A-Za-z0-9])`));
  const urlPasswords = context.urlPasswords.map((p) => new RegExp(`:${escape(p)}@`));
  return [
    {
      name: 'absolute path (repository, storage or temporary directory)',
      test: (t) => directories.some((re) => re.test(t)),
    },
    { name: 'absolute path under /home/', test: (t) => HOME.test(t) },
    { name: 'node_modules path', test: (t) => t.includes('node_modules/') },
    {
      name: 'stack trace',
      test: (t, parsed) =>
        FRAME_WITH_LOCATION.test(t) || FRAME_BARE_LOCATION.test(t) || FRAME_INDENTED.test(t) || hasStackField(parsed),
    },
    { name: 'password in a URL', test: (t) => urlPasswords.some((re) => re.test(t)) || URL_PASSWORD.test(t) },
    { name: 'secret key', test: (t) => secrets.some((re) => re.test(t)) },
    { name: 'bearer token', test: (t) => BEARER_TOKEN.test(t) || AUTH_SCHEME.test(t) },
    { name: 'authorization header', test: (t) => AUTHORIZATION_VALUE.test(t) },
    { name: 'SQL text', test: (t) => SQL.some((re) => re.test(t)) },
  ];
}

/** The line's text to test: the raw line and, for a JSON line, its string values decoded. */
function textsOf(line: string): { text: string; parsed: unknown } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { text: line, parsed: undefined };
  }
  const strings: string[] = [];
  const collect = (value: unknown, depth: number): void => {
    if (typeof value === 'string') strings.push(value);
    else if (typeof value === 'object' && value !== null && depth < 8) {
      for (const v of Object.values(value)) collect(v, depth + 1);
    }
  };
  collect(parsed, 0);
  return { text: [line, ...strings].join('\n'), parsed };
}

/** The names of the `rules` that `line` breaks. */
function broken(rules: Rule[], line: string): string[] {
  const { text, parsed } = textsOf(line);
  return rules.filter((rule) => rule.test(text, parsed)).map((rule) => rule.name);
}

/** The rules `line` breaks (none: the line is safe to log). */
export function lineViolations(line: string, context: SweepContext): string[] {
  return broken(rulesFor(context), line);
}

/** Every line of every source that breaks a rule, with the rules it breaks. */
export function sweepLines(
  sources: { source: string; lines: readonly string[] }[],
  context: SweepContext,
  allowed: (line: string) => boolean = () => false,
): SweepFinding[] {
  const rules = rulesFor(context);
  const findings: SweepFinding[] = [];
  for (const { source, lines } of sources) {
    for (const line of lines) {
      if (allowed(line)) continue;
      const names = broken(rules, line);
      if (names.length > 0) findings.push({ source, rules: names, line });
    }
  }
  return findings;
}

/** A failure message naming at most `max` findings, each line cut to `width` characters. */
export function describeFindings(
  findings: SweepFinding[],
  max = 20,
  width = 400,
  what = 'log line(s) with what must not be logged',
): string {
  const shown = findings.slice(0, max).map((f) => {
    const line = f.line.length > width ? `${f.line.slice(0, width)}… (${f.line.length} chars)` : f.line;
    return `  [${f.source}] ${f.rules.join(', ')}: ${line}`;
  });
  const more = findings.length > max ? [`  … and ${findings.length - max} more`] : [];
  return [`log sweep: ${findings.length} ${what}:`, ...shown, ...more].join('\n');
}

/** The bodies the answer sweep reads: JSON (problem+json included), CSV and plain text, up to 4 MiB. */
const SWEPT_TYPES = /^(?:application\/(?:[\w.+-]*\+)?json|text\/(?:csv|plain))\b/i;
const SWEPT_MAX_CHARS = 4 * 1024 * 1024;

/**
 * Whether the answer sweep reads a response body of `contentType`: JSON, problem+json, CSV and plain
 * text, not HTML pages (Swagger UI's own scripts) nor binary downloads, and nothing empty or over 4 MiB.
 */
export function isSweptAnswer(contentType: string, text: string): boolean {
  return SWEPT_TYPES.test(contentType) && text.length > 0 && text.length <= SWEPT_MAX_CHARS;
}

/** The log sweep's findings in response bodies, keyed body → the request that got it (the source). */
export function answerFindings(answers: ReadonlyMap<string, string>, context: SweepContext): SweepFinding[] {
  return sweepLines(
    [...answers].map(([text, request]) => ({ source: request, lines: [text] })),
    context,
  );
}
