import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Stack } from './stack.js';

/**
 * What the crash, interrupt and fault specs share: the processes a worker runs, the leftovers a killed
 * attempt could leave (staging tables, scratch files), and the importer run whose every row is checked.
 */

/** Process ids of `pid`'s direct children (the GDAL children of a worker). */
export async function childrenOf(pid: number): Promise<number[]> {
  try {
    const tasks = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8');
    return tasks.split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

export async function alive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat); // a zombie is dead
  } catch {
    return false;
  }
}

/** Waits (up to `timeoutMs`) until none of `pids` is alive; resolves to the ones still alive. */
export async function awaitExit(pids: number[], timeoutMs = 10_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const living: number[] = [];
    for (const pid of pids) if (await alive(pid)) living.push(pid);
    if (living.length === 0 || Date.now() > deadline) return living;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Staging tables of vector loads left in the data schema: one job's, or (without `jobId`) every job's. */
export async function stagingTables(stack: Stack, jobId?: string): Promise<string[]> {
  const prefix = jobId ? `stg_${jobId.replace(/-/g, '').slice(0, 20)}_` : 'stg_';
  const rows = await stack.sql<{ tablename: string }>(
    `SELECT tablename FROM pg_tables WHERE schemaname = 'strata_data' AND starts_with(tablename, $1)`,
    [prefix],
  );
  return rows.map((r) => r.tablename);
}

/** Every file under a local storage root, as slash-separated keys, sorted; scratch (`.part`) files included. */
export async function storedFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(root, join(e.parentPath, e.name)).split(sep).join('/'))
    .sort();
}

/**
 * The `counts` importer the crash specs run: an upsert into `table` (id, label, amount) in chunks of
 * `chunk` rows. With `countsCsv`, every 1000th row fails its rule, so failed rows are counted too.
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

export const COUNTS_TABLE_DDL = (table: string): string =>
  `CREATE TABLE ${table} (id integer PRIMARY KEY, label text NOT NULL, amount numeric)`;

/** Row n (1-based) has id n; every 1000th row has a negative amount and fails its rule. */
export function countsCsv(rows: number): string {
  const lines = ['id,label,amount'];
  for (let n = 1; n <= rows; n += 1) lines.push(`${n},row ${n},${n % 1000 === 0 ? -1 : n}`);
  return lines.join('\n');
}

/** Uploads `csv` to the `counts` importer; resolves to the run's id. */
export async function uploadCounts(stack: Stack, token: string, csv: string, slug = 'counts'): Promise<string> {
  const form = new FormData();
  form.append('file', new Blob([csv]), 'counts.csv');
  const res = await fetch(`${stack.baseUrl}/api/v1/ingest/upload/${slug}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: form,
  });
  const text = await res.text();
  if (res.status !== 202) throw new Error(`upload to ${slug} answered ${res.status}: ${text}`);
  return (JSON.parse(text) as { data: { id: string } }).data.id;
}

/**
 * What the database holds after a `counts` run of `countsCsv(rows)` — the target table, the job's
 * counters, the chunk ledger and the kept failed rows — next to what it must hold: every good row once,
 * none missing, counters equal to the truth. Compare the two with `toEqual`.
 */
export async function countsTruth(
  stack: Stack,
  table: string,
  jobId: string,
  rows: number,
  chunk: number,
): Promise<{ actual: Record<string, unknown>; expected: Record<string, unknown> }> {
  const failed = Math.floor(rows / 1000);
  const good = rows - failed;
  // Sum of 1..N minus the multiples of 1000 (the failed rows).
  const sum = (BigInt(rows) * BigInt(rows + 1)) / 2n - (1000n * BigInt(failed) * BigInt(failed + 1)) / 2n;
  const [target] = await stack.sql(
    `SELECT count(*)::text AS n, count(DISTINCT id)::text AS distinct_ids, min(id) AS min, max(id) AS max,
            sum(id)::text AS sum FROM ${table}`,
  );
  const [counters] = await stack.sql(
    `SELECT rows_total, rows_processed, rows_failed, rows_created, rows_updated, rows_skipped
       FROM ingest_jobs WHERE id = $1`,
    [jobId],
  );
  const [ledger] = await stack.sql(
    `SELECT count(*)::text AS chunks, sum(rows)::text AS rows, sum(failed)::text AS failed
       FROM import_chunks WHERE job_id = $1`,
    [jobId],
  );
  const [kept] = await stack.sql(
    `SELECT count(*)::text AS n, count(DISTINCT row_number)::text AS distinct_rows
       FROM ingest_rows WHERE job_id = $1 AND status = 'failed'`,
    [jobId],
  );
  return {
    actual: { target, counters, ledger, kept },
    expected: {
      target: {
        n: String(good),
        distinct_ids: String(good),
        min: 1,
        max: rows - (rows % 1000 === 0 ? 1 : 0),
        sum: String(sum),
      },
      counters: {
        rows_total: String(rows),
        rows_processed: String(rows),
        rows_failed: String(failed),
        rows_created: String(good),
        rows_updated: '0',
        rows_skipped: '0',
      },
      ledger: { chunks: String(Math.ceil(rows / chunk)), rows: String(rows), failed: String(failed) },
      kept: { n: String(failed), distinct_rows: String(failed) },
    },
  };
}

/** What an interrupted run may have left behind; every list is empty when nothing was. */
export interface Leftovers {
  /** Jobs of `owner` still queued, processing or fanning out. */
  unfinished: { id: string; status: string }[];
  /** Vector-load staging tables of any job. */
  staging: string[];
  /** Files under the storage root that no job, dataset or VRT generation refers to (scratch files too). */
  unreferenced: string[];
  /** Objects a dataset or published VRT generation of `owner` refers to that are not stored. */
  missing: string[];
}

/** Looks for leftovers of `owner`'s jobs in the database and under a local storage root of its own. */
export async function leftovers(stack: Stack, owner: string, storageRoot: string): Promise<Leftovers> {
  const unfinished = await stack.sql<{ id: string; status: string }>(
    `SELECT id, status FROM ingest_jobs WHERE owner = $1 AND status IN ('queued', 'processing', 'fanning_out')`,
    [owner],
  );
  const referenced = await stack.sql<{ key: string; owner: string; required: boolean }>(
    `SELECT source->>'key' AS key, owner, false AS required FROM ingest_jobs WHERE source->>'key' IS NOT NULL
     UNION ALL
     SELECT source->'upload'->>'incoming_key', owner, false FROM ingest_jobs WHERE source->'upload'->>'incoming_key' IS NOT NULL
     UNION ALL
     SELECT storage_key, owner, true FROM datasets WHERE storage_key IS NOT NULL
     UNION ALL
     SELECT g.storage_key, d.owner, g.status = 'published' FROM vrt_generations g
       JOIN datasets d ON d.id = g.vrt_dataset_id WHERE g.storage_key IS NOT NULL`,
  );
  const files = (await storedFiles(storageRoot)).filter((f) => !f.startsWith('.health/'));
  const known = new Set(referenced.map((r) => r.key));
  const stored = new Set(files);
  return {
    unfinished,
    staging: await stagingTables(stack),
    unreferenced: files.filter((f) => !known.has(f)),
    missing: referenced.filter((r) => r.required && r.owner === owner && !stored.has(r.key)).map((r) => r.key),
  };
}

export const NO_LEFTOVERS: Leftovers = { unfinished: [], staging: [], unreferenced: [], missing: [] };
