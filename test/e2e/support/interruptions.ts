import { randomUUID } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { Client } from 'pg';
import { expect } from 'vitest';
import { countsImporter, writeImporters } from './importers.js';
import { Stack, uniqueOwner, type AppProcess } from './stack.js';

type Body = Record<string, unknown>;

/**
 * What the crash, interrupt and fault specs share: the processes a worker runs and how to kill one, the
 * leftovers a killed attempt could leave (staging tables, scratch files), the vector load and the
 * importer run whose every row is checked, and the stack the fault specs run those on.
 */

/** The statuses a job ends in. */
export const TERMINAL = ['completed', 'completed_with_errors', 'failed', 'cancelled'];

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

/**
 * `kill -9` of a worker (the newest by default), then a fresh one started. Its GDAL children notice it is
 * gone and exit too (asserted). Resolves to the GDAL children it had.
 */
export async function killAndReplace(stack: Stack, victim: AppProcess = stack.workers.at(-1)!): Promise<number[]> {
  const gdalChildren = await childrenOf(victim.child.pid!);
  expect((await victim.stop('SIGKILL')).signal).toBe('SIGKILL');
  expect(await awaitExit(gdalChildren)).toEqual([]);
  await stack.startWorker();
  return gdalChildren;
}

/** Uploads a file and commits it with `commit` (202 asserted at each step); resolves to the job id. */
export async function commitUpload(
  stack: Stack,
  token: string,
  file: { name: string; data: Buffer },
  commit: Body,
): Promise<string> {
  const up = await stack.upload<Body>(token, file);
  expect(up.status, up.text).toBe(201);
  const jobId = String(up.body.job_id);
  const res = await stack.api('POST', `/api/ingest/commit/${jobId}`, { token, body: commit });
  expect(res.status, res.text).toBe(202);
  return jobId;
}

/** What a vector job loaded: its datasets, the first one's feature count, rows and distinct gids, and staging tables left. */
export interface LoadedTable {
  datasets: number;
  features: number | null;
  rows: number | null;
  ids: number | null;
  staging: string[];
}

/** What `loadedTable` finds after a load of `features` features that ended once: one dataset, every feature once, no staging table. */
export const loadedOnce = (features: number): LoadedTable => ({
  datasets: 1,
  features,
  rows: features,
  ids: features,
  staging: [],
});

export async function loadedTable(stack: Stack, jobId: string): Promise<LoadedTable> {
  const datasets = await stack.sql<{ table_name: string; feature_count: string }>(
    'SELECT table_name, feature_count FROM datasets WHERE source_job_id = $1',
    [jobId],
  );
  const first = datasets[0];
  let counted: { n: string; ids: string } | undefined;
  if (first) {
    const [schema, table] = first.table_name.split('.');
    [counted] = await stack.sql<{ n: string; ids: string }>(
      `SELECT count(*) AS n, count(DISTINCT gid) AS ids FROM "${schema}"."${table}"`,
    );
  }
  return {
    datasets: datasets.length,
    features: first ? Number(first.feature_count) : null,
    rows: counted ? Number(counted.n) : null,
    ids: counted ? Number(counted.ids) : null,
    staging: await stagingTables(stack, jobId),
  };
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

export const COUNTS_TABLE_DDL = (table: string): string =>
  `CREATE TABLE ${table} (id integer PRIMARY KEY, label text NOT NULL, amount numeric)`;

/**
 * One row in FAIL_EVERY fails (its amount is negative): a chunk holding one goes the staged way, the
 * others (of at most FAIL_EVERY / 2 rows) go into the target by COPY — an interrupted run meets both.
 */
export const FAIL_EVERY = 10_000;

/** Row n (1-based) has id n; every FAIL_EVERY-th row has a negative amount and fails its rule. */
export function countsCsv(rows: number): string {
  const lines = ['id,label,amount'];
  for (let n = 1; n <= rows; n += 1) lines.push(`${n},row ${n},${n % FAIL_EVERY === 0 ? -1 : n}`);
  return lines.join('\n');
}

/** Uploads `csv` to the `counts` importer; resolves to the run's id. */
export async function uploadCounts(stack: Stack, token: string, csv: string, slug = 'counts'): Promise<string> {
  const file = { name: 'counts.csv', data: Buffer.from(csv) };
  const res = await stack.upload<{ data: { id: string } }>(token, file, 'file', `/api/v1/ingest/upload/${slug}`);
  if (res.status !== 202) throw new Error(`upload to ${slug} answered ${res.status}: ${res.text}`);
  return res.body.data.id;
}

/** Drops a schema through a connection of its own: a stopped stack has closed its pool. */
async function dropSchema(stack: Stack, schema: string): Promise<void> {
  const db = new Client({ connectionString: stack.env.DATABASE_URL });
  await db.connect();
  try {
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await db.end();
  }
}

/**
 * The stack the fault specs run importer runs on: `counts` importers (slug → table) writing into a
 * schema of its own, an owner with an upload token, a work directory and a local storage root of its
 * own. `stop` stops the processes and removes all of it.
 */
export class CountsStack {
  private constructor(
    readonly stack: Stack,
    readonly token: string,
    readonly owner: string,
    readonly schema: string,
    readonly workDir: string,
    readonly storageRoot: string,
  ) {}

  /**
   * `name` names the schema, the owner and the work directory; `importers` maps importer slugs to table
   * names in the schema (by default one importer, `counts`, into `counts`); `env` goes to both apps
   * (IMPORTERS_DIR and STORAGE_LOCAL_ROOT are set here).
   */
  static async start(options: {
    name: string;
    chunk: number;
    importers?: Record<string, string>;
    env?: Record<string, string>;
  }): Promise<CountsStack> {
    const schema = `${options.name.replace(/\W/g, '_')}_${randomUUID().slice(0, 8)}`;
    const storageRoot = resolve(`${process.env.STORAGE_LOCAL_ROOT}/${randomUUID()}`);
    const workDir = await mkdtemp(join(tmpdir(), `strata-${options.name}-`));
    const tables = Object.entries(options.importers ?? { counts: 'counts' });
    let stack: Stack | undefined;
    try {
      const files = Object.fromEntries(
        tables.map(([slug, table]) => [`${slug}.yaml`, countsImporter(`${schema}.${table}`, options.chunk)]),
      );
      const importers = await writeImporters(files, { dir: join(workDir, 'importers') });
      stack = await Stack.start({
        env: { ...options.env, IMPORTERS_DIR: importers, STORAGE_LOCAL_ROOT: storageRoot },
      });
      const owner = uniqueOwner(options.name);
      const token = await stack.mintToken(owner, ['upload']);
      await stack.sql(`CREATE SCHEMA ${schema}`);
      for (const [, table] of tables) await stack.sql(COUNTS_TABLE_DDL(`${schema}.${table}`));
      return new CountsStack(stack, token, owner, schema, workDir, storageRoot);
    } catch (error) {
      await stack?.stop();
      if (stack) await dropSchema(stack, schema).catch(() => undefined);
      await rm(workDir, { recursive: true, force: true });
      throw error;
    }
  }

  /** A table of this stack's schema (default: `counts`). */
  table(name = 'counts'): string {
    return `${this.schema}.${name}`;
  }

  /** Uploads `countsCsv(rows)` to the importer `slug`; resolves to the run's id. */
  startRun(rows: number, slug = 'counts'): Promise<string> {
    return uploadCounts(this.stack, this.token, countsCsv(rows), slug);
  }

  /** Waits until the run is processing and has processed at least `rows` rows (a moment to interrupt it). */
  midRun(runId: string, rows: number, timeoutMs: number): Promise<Body> {
    return this.stack.waitForJob(
      this.token,
      runId,
      (j) => j.status === 'processing' && Number(j.rows_processed) >= rows,
      timeoutMs,
    );
  }

  /** Waits until the job has ended (any terminal status). */
  finished(jobId: string, timeoutMs: number): Promise<Body> {
    return this.stack.waitForJob(this.token, jobId, (j) => TERMINAL.includes(String(j.status)), timeoutMs);
  }

  async stop(): Promise<void> {
    try {
      // Throws when the log sweep finds a line that must not be logged: clean up all the same.
      await this.stack.stop();
    } finally {
      await dropSchema(this.stack, this.schema);
      await rm(this.workDir, { recursive: true, force: true });
      await rm(this.storageRoot, { recursive: true, force: true });
    }
  }
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
  const failed = Math.floor(rows / FAIL_EVERY);
  const good = rows - failed;
  // Sum of 1..N minus the multiples of FAIL_EVERY (the failed rows).
  const sum = (BigInt(rows) * BigInt(rows + 1)) / 2n - (BigInt(FAIL_EVERY) * BigInt(failed) * BigInt(failed + 1)) / 2n;
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
        max: rows - (rows % FAIL_EVERY === 0 ? 1 : 0),
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
