import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Importer definitions for a stack's IMPORTERS_DIR: the writer every spec that runs importers uses, and
 * the station importers several of them define (an upload one and a URL one, both keyed by `code`).
 */

/** Importer files by name (`<slug>.yaml` or `<slug>.json`) and their text. */
export type ImporterFiles = Record<string, string>;

/**
 * Writes `files` into `dir` (created if missing), or into a new temporary directory named after
 * `prefix`; resolves to the directory, for IMPORTERS_DIR.
 */
export async function writeImporters(files: ImporterFiles, at: { dir: string } | { prefix: string }): Promise<string> {
  let dir: string;
  if ('dir' in at) {
    dir = at.dir;
    await mkdir(dir, { recursive: true });
  } else {
    dir = await mkdtemp(join(tmpdir(), `${at.prefix}-`));
  }
  for (const [file, text] of Object.entries(files)) await writeFile(join(dir, file), text);
  return dir;
}

/** `Weather stations`: CSV uploads of at most `maxSizeBytes`, upserted into `table` by `code`. */
export function stationsImporter(table: string, maxSizeBytes: number): string {
  return `
title: Weather stations
source:
  type: upload
  formats: [csv]
  max_size_bytes: ${maxSizeBytes}
target: {table: ${table}, key: [code]}
fields:
  code: {type: text, rules: [required]}
  name: {type: text}
duplicates: {strategy: upsert}
`;
}

/** A CSV fetched from `url` into `table` (keyed by `code`); a run may name another URL when `overridable`. */
export function urlImporter(
  table: string,
  url: string,
  { title = 'Station feed', overridable = true }: { title?: string; overridable?: boolean } = {},
): string {
  return `
title: ${title}
source:
  type: url
  formats: [csv]
  url: ${url}
${overridable ? '  overridable: [url]\n' : ''}target: {table: ${table}, key: [code]}
fields:
  code: {type: text}
`;
}
