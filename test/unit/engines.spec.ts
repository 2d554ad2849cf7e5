import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

/**
 * `engines.node` in package.json is the truth about where Strata runs: every Node.js version it admits
 * is one every runtime dependency (the lockfile's non-dev packages) declares support for, and
 * scripts/check-node.cjs (the provisioning's dependency-free check) admits exactly those versions.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const require = createRequire(import.meta.url);
const { satisfies } = require(join(ROOT, 'scripts/check-node.cjs')) as {
  satisfies: (version: string, range: string) => boolean;
};

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
const range = pkg.engines.node;

interface LockedPackage {
  version?: string;
  dev?: boolean;
  engines?: { node?: string } | string[];
}
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockedPackage>;
};

/**
 * Runtime packages whose declared range is narrower than ours, and why Strata still runs where it says:
 * each must be one no code path of Strata's loads.
 */
const NEVER_LOADED: Record<string, string> = {
  'node_modules/file-type':
    "imported (dynamically) only by @nestjs/common's FileTypeValidator, which Strata does not use " +
    '(uploads are sniffed by libs/security)',
};

/** Versions to try: many of each release line from 18 to 27 (the lowest of each minor, and a patch). */
const SAMPLES: string[] = [];
for (let major = 18; major <= 27; major += 1) {
  for (const minor of [0, 1, 11, 12, 13, 14, 15, 18, 19, 20, 22, 40])
    SAMPLES.push(`${major}.${minor}.0`, `${major}.${minor}.7`);
}

/** The sample versions `r` admits, each alternative's lowest version, and the Node.js running this. */
function versionsAdmitted(r: string): string[] {
  const lows = new semver.Range(r).set.map(
    (comparators) => semver.minVersion(new semver.Range(comparators.map(String).join(' ')))?.version ?? '',
  );
  return [...new Set([...lows, ...SAMPLES, process.versions.node])].filter((v) => semver.satisfies(v, r));
}

function sourceFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (at: string): void => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === 'dist') continue;
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.ts$/.test(entry.name)) found.push(path);
    }
  };
  if (existsSync(join(ROOT, dir))) walk(join(ROOT, dir));
  return found;
}

describe('engines.node', () => {
  it('admits the Node.js this runs on, and each of its alternatives has a lowest version', () => {
    expect(semver.satisfies(process.versions.node, range)).toBe(true);
    expect(new semver.Range(range).set.length).toBeGreaterThan(0);
    expect(versionsAdmitted(range).length).toBeGreaterThan(new semver.Range(range).set.length);
  });

  it('is supported by every runtime dependency in the lockfile (or the dependency is never loaded)', () => {
    const versions = versionsAdmitted(range);
    const conflicts: string[] = [];
    let checked = 0;
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (path === '' || entry.dev) continue;
      const declared = Array.isArray(entry.engines) ? undefined : entry.engines?.node;
      if (!declared) continue;
      checked += 1;
      const refused = versions.filter((v) => !semver.satisfies(v, declared));
      if (refused.length > 0 && !(path in NEVER_LOADED)) {
        conflicts.push(`${path}@${entry.version} wants node ${declared}: not ${refused.join(', ')}`);
      }
    }
    expect(conflicts).toEqual([]);
    expect(checked).toBeGreaterThan(50);
  });

  it('lists as never loaded only packages that are in the lockfile and really narrower', () => {
    for (const path of Object.keys(NEVER_LOADED)) {
      const declared = (lock.packages[path]?.engines as { node?: string } | undefined)?.node;
      expect(declared, path).toBeDefined();
      expect(
        versionsAdmitted(range).some((v) => !semver.satisfies(v, declared ?? '*')),
        path,
      ).toBe(true);
    }
  });

  it('never uses the Nest API that would load file-type', () => {
    const users = [...sourceFiles('apps'), ...sourceFiles('libs')].filter((file) =>
      /\bFileTypeValidator\b|\bParseFilePipe(?:Builder)?\b|['"]file-type['"]/.test(readFileSync(file, 'utf8')),
    );
    expect(users).toEqual([]);
  });
});

describe('scripts/check-node.cjs', () => {
  it('agrees with semver on the engines range', () => {
    const samples: string[] = [];
    for (let major = 18; major <= 27; major += 1) {
      for (const minor of [0, 1, 11, 12, 13, 14, 18, 19, 20, 22, 40])
        samples.push(`${major}.${minor}.0`, `${major}.${minor}.7`);
    }
    for (const version of samples) expect(satisfies(version, range), version).toBe(semver.satisfies(version, range));
  });

  it('refuses a range form it cannot read rather than guessing', () => {
    expect(() => satisfies('20.19.0', '~20.19.0')).toThrow(/unsupported range part/);
  });
});
