import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Importer definitions for a stack's IMPORTERS_DIR: the writer every spec that runs importers uses, the
 * station importers several of them define (an upload one and a URL one, both keyed by `code`) and the
 * `counts` importer of the crash and fault specs.
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

/**
 * The `counts` importer the crash and fault specs run: an upsert into `table` (id, label, amount; see
 * COUNTS_TABLE_DDL) in chunks of `chunk` rows. With `countsCsv`, one row in FAIL_EVERY (interruptions.ts)
 * fails its amount rule, so failed rows are counted too, and most chunks go into the target by COPY.
 */
export function countsImporter(table: string, chunk: number): string {
  return `title: Counts
source: {type: upload, formats: [csv]}
target: {table: ${table}, key: [id]}
fields:
  id: {type: integer, rules: [required]}
  label: {rules: [required]}
  amount: {type: numeric, rules: [{min: 0}]}
duplicates: {strategy: upsert}
chunk_size: ${chunk}
`;
}
