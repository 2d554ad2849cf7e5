import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ImportFailure } from '@app/common';
import type {
  AcceptedRow,
  CompiledImporter,
  HeaderBinding,
  ImporterDefinition,
  RowErrors,
  SourceRecord,
} from '@app/importers';
import { createTableSql } from '@app/importers';
import {
  ChunkFenceError,
  ImportRunRepository,
  JobKind,
  JobStatus,
  JobStep,
  RowStatus,
  type ChunkCounts,
  type JobWarning,
  type KeptRow,
} from '@app/jobs';
import { from as copyFrom } from 'pg-copy-streams';
import type { PoolClient } from 'pg';
import { DataSource, type QueryRunner } from 'typeorm';
import type { HandlerResult, JobContext } from '../runtime/job-runner.service.js';
import { StaleAttemptError } from '../runtime/job-errors.js';
import { copyLine, copyValue } from './copy-text.js';
import { COMPILED_IMPORTERS, type CompiledImporters } from './import-ports.js';
import { ImportSourceResolver } from './import-source.js';
import { ImportRunError } from './import.errors.js';
import {
  STAGE,
  deferredCheckSql,
  mergePlanOf,
  mergeSql,
  occurrenceSql,
  qualified,
  rememberSeenSql,
  stageCopy,
  stageDdl,
  stageDrop,
  stageReset,
  type MergePlan,
} from './merge-sql.js';
import { rowFailureMessage, sqlStateOf } from './row-failure.js';
import { recordErrorOf } from './readers/index.js';
import { plainCsvChunks, plainRecordData, type PlainChunk, type PlainCsv } from './readers/plain-csv.js';
import { rawStageOf, type DirectMerge, type RawStage } from './raw-stage.js';
import {
  TARGET_COLUMNS_SQL,
  TARGET_OVERLAP_SQL,
  keysDisjoint,
  targetTakesCopy,
  type ChunkKeys,
  type TargetCopy,
  type Vouched,
} from './raw-vouch.js';
import { HeapGovernor } from '../runtime/heap-governor.js';

const COPY_BATCH_CHARS = 256 * 1024;

/** How one row of a chunk ended. */
type Outcome = { status: 'created' | 'updated' | 'skipped' } | { status: 'failed'; errors: RowErrors };

/** An accepted row as the staging COPY takes it: its row number and its COPY text line. */
interface StagedRow {
  row_number: number;
  line: string;
}

/**
 * What a chunk's COPY into the target waits for: `before` settles once the chunk before writes nothing more
 * to the target; `wrote` settles this chunk's own; `chunkBefore` is that chunk (its keys).
 */
interface CopyTurn {
  before: Promise<void>;
  wrote: () => void;
  chunkBefore: PreparedChunk | null;
}

/** A chunk on its lane: its staging under way (or done), its merge to come. */
interface StagedTurn {
  chunk: PreparedChunk;
  lane: QueryRunner;
  /** Whether anything was staged. */
  staging: Promise<boolean>;
  /** Settles once the chunk writes nothing more to the target (its COPY done, or its merge). */
  written: Promise<void>;
  wrote: () => void;
}

/** A chunk read and processed (transforms, casts, rules), ready for the database. */
interface PreparedChunk {
  index: number;
  /** The chunk's row numbers in file order. */
  rowNumbers: number[];
  /**
   * The records the worker holds, by row number: every row of the chunk, except on the plain-CSV path,
   * where PostgreSQL reads the rows and the worker only gets those it has to decide or keep.
   */
  records: Map<number, SourceRecord>;
  staged: StagedRow[];
  /** Rows that already failed (unreadable, or refused by a transform or rule). */
  outcomes: Map<number, Outcome>;
  /** The EPSG code of the source's geometries, when known: kept with the rows' geometries for retries. */
  srid: number | null;
  /** The plain-CSV path: the chunk's lines, for COPY into the raw stage (raw-stage.ts). */
  plain: PlainChunk | null;
  /** The plain-CSV path: the raw stage holds a clean chunk, for the direct merge (raw-stage.ts). */
  direct?: boolean;
  /** The plain-CSV path: the chunk as COPY input for the target, when the worker vouches for it (raw-vouch.ts). */
  vouched?: Buffer | null;
  /** The vouched chunk's keys (raw-vouch.ts `ChunkKeys`), when the key column's values are known exactly. */
  keys?: ChunkKeys | null;
  /** The vouched chunk went into the target with one COPY, every row created. */
  copied?: boolean;
  /** The target refused the chunk's COPY for a row (not a stored key): the direct merge would refuse it too. */
  copyRefused?: boolean;
}

/** What the pipeline needs to process records in JavaScript. */
interface RowProcessing {
  importer: CompiledImporter;
  plan: MergePlan;
  binding: HeaderBinding;
  sourceSrid: number | null;
}

/**
 * The connections a plain-CSV run in `transaction: chunk` takes turns on: while one merges a chunk, the
 * others stage the next ones (docs/operations.md counts them in the pool).
 */
const PLAIN_LANES = 2;

/** The run's summary (DESIGN §4), stored in the job's `result` as `{summary}`. */
export interface ImportSummary extends ChunkCounts {
  duration_ms: number;
  errors: string[];
  warnings: string[];
}

/**
 * Where a run's writes go. Target writes (merge, seen values) use `target`. In `transaction: chunk` the
 * bookkeeping (ledger, counters, kept rows) shares the chunk's transaction. A whole run holds one target
 * transaction and keeps its rows through `book`, a second connection, so failed rows are reported even
 * when the target is rolled back: a dry run commits its whole bookkeeping there chunk by chunk, a
 * `transaction: run` only its kept rows (its ledger commits with the target, all at once).
 */
interface Connections {
  target: QueryRunner;
  book: QueryRunner;
  /** `transaction: run` or dry run: one target transaction for the whole run. */
  wholeRun: boolean;
  dryRun: boolean;
  /** The plain-CSV path (PostgreSQL parses the rows), when the source and the importer allow it. */
  raw: RawStage | null;
  /** The direct merge of clean chunks (raw-stage.ts), when the importer and the target allow it. */
  direct: DirectMerge | null;
  /** With the direct merge: the COPY of vouched chunks into the target (raw-vouch.ts), when the target's types allow it. */
  copy: TargetCopy | null;
  /** Whether the next direct merge tries plain inserts first (`DirectMerge.fresh`): the last chunk's keys were all new. */
  fresh: boolean;
  /**
   * With `copy`: whether a chunk's COPY may run while the chunk before still writes the target, when
   * their keys differ (`TARGET_OVERLAP_SQL`: neither can then wait for the other's rows).
   */
  overlap: boolean;
  /** Rows the plain-CSV path staged in SQL alone, this attempt (for the `job finished` line). */
  sqlRows: number;
  /** Of those, the rows of clean chunks merged directly, this attempt (the same line). */
  directRows: number;
  /** Of those, the rows of vouched chunks copied into the target, this attempt (the same line). */
  copiedRows: number;
  /** Of those, the rows copied while the chunk before was still writing the target (the same line). */
  overlappedRows: number;
  /**
   * The connections chunks take turns on, each with its own staging tables: `[target]`, or for a plain
   * CSV in `transaction: chunk` a second one, so PostgreSQL stages the next chunk on one while it merges
   * the current one on the other (the merges and commits stay in file order).
   */
  lanes: QueryRunner[];
}

/**
 * An importer run: source → records → transforms and rules (the compiled importer) → per chunk, COPY
 * into a staging table, deferred checks and one merge statement per key-occurrence round, then the
 * chunk's ledger row, counters and kept rows in the same transaction. Constraint violations are isolated
 * by bisecting the merge under savepoints. A redelivered run resumes at the first uncommitted chunk.
 */
@Injectable()
export class ImportRunService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly runs: ImportRunRepository,
    private readonly sources: ImportSourceResolver,
    @Inject(COMPILED_IMPORTERS) private readonly importers: CompiledImporters,
    private readonly heap: HeapGovernor,
  ) {}

  async run(ctx: JobContext): Promise<HandlerResult> {
    let finished = false;
    try {
      const result = await this.execute(ctx);
      finished = true;
      return result;
    } finally {
      // A service token is kept (in its one-time hand-off, with its expiry) for the attempts that may follow.
      if (finished || ctx.isLastAttempt) await this.sources.finished(ctx.job);
    }
  }

  private async execute(ctx: JobContext): Promise<HandlerResult> {
    const started = Date.now();
    const heapBefore = this.heap.stats();
    const job = ctx.job;
    const importer = this.importers.compiled(job.importer);
    if (!importer) {
      throw new ImportRunError(ImportFailure.ImporterUnknown, `Importer '${job.importer}' is not loaded.`);
    }
    const definition = importer.definition;
    const format = job.params.kind === JobKind.ImportRun ? job.params.format : null;
    await ctx.progress({ step: JobStep.Reading, progress: 0 });
    // Progress while the source is opened is a cancel checkpoint too (a service layer takes a while).
    const opened = await this.sources.open(job, definition, format, { progress: (update) => ctx.progress(update) });
    try {
      const reader = opened.reader;
      if (!(await this.runs.recordTotal(job.id, ctx.attemptToken, reader.total))) throw new StaleAttemptError();
      // The header row in file order (row data is stored as jsonb, which does not keep it): the
      // failed-rows download and retries use it.
      const headers = reader.headers;
      if (!(await this.runs.recordSummary(job.id, ctx.attemptToken, { headers }))) throw new StaleAttemptError();
      const binding = importer.bind(reader.headers);
      const warnings: JobWarning[] =
        binding.unused.length > 0
          ? [{ code: 'unused-columns', message: `Columns the importer does not use: ${binding.unused.join(', ')}.` }]
          : [];
      const wholeRun = definition.transaction === 'run' || job.dryRun;
      // A dry run's target writes never commit: a redelivery starts over. A `transaction: run` ledger
      // commits with the target, all at once: empty (start over) or complete (the run only has to finish).
      const committed = new Set(job.dryRun ? [] : await this.runs.committedChunks(job.id));
      if (wholeRun && committed.size === 0 && !(await this.runs.restartRun(job.id, ctx.attemptToken))) {
        throw new StaleAttemptError();
      }

      const plan = mergePlanOf(definition, importer.columnTypes);
      const target = this.dataSource.createQueryRunner();
      const book = wholeRun ? this.dataSource.createQueryRunner() : target;
      const raw = opened.plain ? rawStageOf(definition, importer.columnTypes, binding, opened.plain) : null;
      const lanes =
        raw && !wholeRun
          ? [target, ...Array.from({ length: PLAIN_LANES - 1 }, () => this.dataSource.createQueryRunner())]
          : [target];
      const conn: Connections = {
        target,
        book,
        wholeRun,
        dryRun: job.dryRun,
        raw,
        direct: null,
        copy: null,
        fresh: true,
        overlap: false,
        sqlRows: 0,
        directRows: 0,
        copiedRows: 0,
        overlappedRows: 0,
        lanes,
      };
      const runners = new Set([target, book, ...lanes]);
      try {
        // At once; all settled before going on, so none is still connecting when the runners are released.
        const connected = await Promise.allSettled([...runners].map((runner) => runner.connect()));
        for (const outcome of connected) if (outcome.status === 'rejected') throw outcome.reason;
        if (wholeRun) await target.startTransaction();
        await this.prepareTarget(conn, importer);
        conn.direct = await this.directMerge(conn, definition);
        conn.copy = await this.targetCopy(conn, definition);
        conn.overlap = conn.copy !== null && (await this.targetOverlaps(conn, definition));
        // Chunk transactions may commit without waiting for the WAL flush: the ledger row commits with
        // its chunk, so a database crash loses both together and the resumed run redoes them; the run's
        // final status is a synchronous commit, which flushes everything before it.
        // Each lane's session in one round trip (statements without parameters), the lanes at once.
        const session = [`SET synchronous_commit = off`, ...stageDdl(plan), ...(raw?.ddl ?? [])].join(';\n');
        await Promise.all(lanes.map((lane) => lane.query(session)));
        await ctx.progress({ step: JobStep.Loading });
        const srid = opened.srid ?? null;
        const { failure, seen } = await this.chunks(ctx, conn, { importer, plan, binding, sourceSrid: srid }, reader, {
          committed,
          plain: raw ? opened.plain : null,
        });
        if (wholeRun) {
          if (failure || job.dryRun) await target.rollbackTransaction();
          else {
            await this.runs.applyLedgerTotals(target.manager, job.id, ctx.attemptToken).catch(fenced(ctx));
            await target.commitTransaction();
          }
        }
        // A whole run that stopped committed nothing: its summary is what this attempt saw.
        const totals = failure && wholeRun && !job.dryRun ? seen : await this.runs.runTotals(job.id);
        const summary: ImportSummary = {
          created: totals.created,
          updated: totals.updated,
          skipped: totals.skipped,
          failed: totals.failed,
          duration_ms: Date.now() - (job.startedAt?.getTime() ?? started),
          errors: failure ? [failure] : [],
          warnings: warnings.map((w) => w.message),
        };
        if (failure) {
          await this.runs.recordSummary(job.id, ctx.attemptToken, { summary, headers });
          throw new ImportRunError(ImportFailure.ThresholdExceeded, failure);
        }
        return {
          status: totals.failed > 0 ? JobStatus.CompletedWithErrors : JobStatus.Completed,
          result: { summary, headers },
          rowsProcessed: totals.processed,
          rowsFailed: totals.failed,
          warnings,
          logFields: {
            ...heapCollections(heapBefore, this.heap.stats()),
            ...(raw
              ? {
                  sql_rows: conn.sqlRows,
                  direct_rows: conn.directRows,
                  copied_rows: conn.copiedRows,
                  overlapped_rows: conn.overlappedRows,
                }
              : {}),
          },
        };
      } finally {
        for (const runner of runners) {
          if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
        }
        // The connections go back to the pool as they came: no staging table, the default commit mode.
        const cleanup = [stageDrop, ...(raw?.drop ?? []), `RESET synchronous_commit`];
        await Promise.all(lanes.map((lane) => runEach(lane, cleanup)));
        await Promise.all([...runners].map((runner) => runner.release()));
      }
    } finally {
      await opened.dispose();
    }
  }

  /** Checks the target exists, or creates it (`target.create`): in a whole-run transaction, with the run. */
  private async prepareTarget(conn: Connections, importer: CompiledImporter): Promise<void> {
    const definition = importer.definition;
    if (definition.target.create) {
      // Two first runs of one importer would race: CREATE TABLE IF NOT EXISTS checks, then inserts the
      // catalog rows, so the loser fails on pg_type's unique index. One lock per target serializes them. In
      // a whole-run transaction the table is visible to others only at commit: hold the lock until then.
      const target = `${definition.target.schema}.${definition.target.table}`;
      const inTransaction = conn.target.isTransactionActive;
      const lock = inTransaction ? 'pg_advisory_xact_lock' : 'pg_advisory_lock';
      await conn.target.query(`SELECT ${lock}(hashtextextended($1, 0))`, [`strata:create-target:${target}`]);
      try {
        for (const statement of createTableSql(definition)) await conn.target.query(statement);
      } finally {
        if (!inTransaction) {
          await conn.target.query(`SELECT pg_advisory_unlock(hashtextextended($1, 0))`, [
            `strata:create-target:${target}`,
          ]);
        }
      }
      return;
    }
    const [found] = (await conn.target.query(`SELECT to_regclass($1) AS t`, [
      qualified(`${definition.target.schema}.${definition.target.table}`),
    ])) as { t: string | null }[];
    if (!found?.t) throw new ImportRunError(ImportFailure.TargetMissing, "The importer's target table does not exist.");
  }

  /** The direct merge for this run: when the importer allows it and ON CONFLICT has its arbiter. */
  private async directMerge(conn: Connections, definition: ImporterDefinition): Promise<DirectMerge | null> {
    const direct = conn.raw?.direct ?? null;
    if (!direct?.arbiter) return direct;
    const [found] = (await conn.target.query(direct.arbiter, [
      qualified(`${definition.target.schema}.${definition.target.table}`),
      definition.target.key,
    ])) as { found: boolean }[];
    return found?.found ? direct : null;
  }

  /** The COPY of vouched chunks into the target: with the direct merge, when the target's column types take it. */
  private async targetCopy(conn: Connections, definition: ImporterDefinition): Promise<TargetCopy | null> {
    const copy = conn.raw?.targetCopy ?? null;
    if (!copy || !conn.direct) return null;
    const columns = (await conn.target.query(TARGET_COLUMNS_SQL, [
      qualified(`${definition.target.schema}.${definition.target.table}`),
    ])) as { name: string; type: string }[];
    return targetTakesCopy(copy, columns) ? copy : null;
  }

  /** Whether two chunks with different keys may write the target at once (`TARGET_OVERLAP_SQL`). */
  private async targetOverlaps(conn: Connections, definition: ImporterDefinition): Promise<boolean> {
    const [found] = (await conn.target.query(TARGET_OVERLAP_SQL, [
      qualified(`${definition.target.schema}.${definition.target.table}`),
      definition.target.key,
    ])) as { safe: boolean | null }[];
    return found?.safe === true;
  }

  /**
   * Reads the records chunk by chunk from the first uncommitted chunk. Returns the reason when an error
   * threshold stopped the run (else null), and the run's counts as seen by this attempt. The next chunk is
   * read and processed while the database works on the current one (one chunk ahead, no more); with two
   * lanes, it is also staged meanwhile, on the other connection.
   */
  private async chunks(
    ctx: JobContext,
    conn: Connections,
    processing: RowProcessing,
    reader: { total: number; records(from?: number): AsyncIterable<SourceRecord> },
    { committed, plain }: { committed: Set<number>; plain: PlainCsv | null | undefined },
  ): Promise<{ failure: string | null; seen: ChunkCounts & { processed: number } }> {
    const { importer } = processing;
    const definition = importer.definition;
    const size = Math.max(1, definition.chunk_size);
    let first = 0;
    while (committed.has(first)) first += 1;
    const totals = conn.wholeRun
      ? { processed: 0, created: 0, updated: 0, skipped: 0, failed: 0 }
      : await this.runs.runTotals(ctx.job.id);
    const copy = conn.copy;
    const prepared = plain
      ? plainChunks(plainCsvChunks(plain, size, first), committed, copy ? (chunk) => copy.vouch(chunk) : null)
      : preparedChunks(processing, reader.records(first * size + 1), first, size, committed);
    const ahead = prepared[Symbol.asyncIterator]();
    // Merges and commits what a lane staged, in file order; answers the reason a threshold stopped the run.
    const finish = async (turn: StagedTurn): Promise<string | null> => {
      let counts: ChunkCounts;
      try {
        counts = await this.finishChunk(ctx, conn, turn.lane, processing, turn.chunk, await turn.staging);
      } finally {
        turn.wrote();
      }
      // The chunk just merged is garbage now: a good moment to collect, if the heap has grown.
      this.heap.check();
      totals.processed += turn.chunk.rowNumbers.length;
      totals.created += counts.created;
      totals.updated += counts.updated;
      totals.skipped += counts.skipped;
      totals.failed += counts.failed;
      if (conn.wholeRun && !conn.dryRun) {
        // The counters are written with the run's commit; progress shows meanwhile.
        await ctx.progress({
          progress: reader.total > 0 ? Math.min(1, totals.processed / reader.total) : 0,
          rowsProcessed: totals.processed,
          rowsFailed: totals.failed,
        });
      }
      return thresholdExceeded(definition, totals.failed, totals.processed);
    };
    // With n lanes, up to n - 1 chunks are staged while the one before them is merged. A chunk staged but
    // not merged when the run stops (an error, a threshold, a cancel) is rolled back with its lane.
    const pending: StagedTurn[] = [];
    let previous: Promise<void> = Promise.resolve();
    let chunkBefore: PreparedChunk | null = null;
    let turns = 0;
    try {
      let next = ahead.next();
      for (;;) {
        const step = await next;
        if (step.done) break;
        const chunk = step.value;
        // Cancel is cooperative, between chunks: at most one chunk's time after the request. In `transaction:
        // chunk` each chunk's commit is fenced by the cancel (commitChunk), which answers it as soon.
        if (conn.wholeRun) await ctx.checkpoint();
        // The lane's previous chunk was merged already: at most n - 1 turns stay pending.
        const lane = conn.lanes[turns % conn.lanes.length] as QueryRunner;
        turns += 1;
        // A chunk copied into the target waits for the chunk before to be done writing it (copyIntoTarget).
        const before = previous;
        let wrote = (): void => undefined;
        const written = new Promise<void>((resolve) => (wrote = resolve));
        const staging = this.stageChunk(conn, lane, processing, chunk, { before, wrote, chunkBefore });
        staging.catch(() => undefined);
        const turn: StagedTurn = { chunk, lane, staging, written, wrote };
        previous = written;
        chunkBefore = chunk;
        pending.push(turn);
        // Read ahead once the chunk's staging is under way; a read error surfaces when that chunk's turn
        // comes (and is not unhandled meanwhile).
        next = ahead.next();
        next.catch(() => undefined);
        if (pending.length < conn.lanes.length) continue;
        const stop = await finish(pending.shift() as StagedTurn);
        if (stop) return { failure: stop, seen: totals };
      }
      while (pending.length > 0) {
        const stop = await finish(pending.shift() as StagedTurn);
        if (stop) return { failure: stop, seen: totals };
      }
      return { failure: null, seen: totals };
    } finally {
      // Chunks left behind: their staging must end before their lanes' transactions are rolled back. One at
      // a time, in file order: each may be waiting for the one before to be done writing the target.
      for (const turn of pending) {
        await turn.staging.catch(() => undefined);
        turn.wrote();
      }
      await ahead.return(undefined).catch(() => undefined);
    }
  }

  /**
   * A chunk's first half, on its lane: opens the chunk's transaction (`transaction: chunk`) and fills the
   * lane's staging table (no write to the target yet). Answers whether anything was staged.
   */
  private async stageChunk(
    conn: Connections,
    lane: QueryRunner,
    processing: RowProcessing,
    prepared: PreparedChunk,
    turn: CopyTurn,
  ): Promise<boolean> {
    if (!conn.wholeRun) await lane.startTransaction();
    if (prepared.staged.length === 0 && !prepared.plain) return false;
    // Only while chunks bring new keys (`conn.fresh`, as for the direct merge's plain inserts).
    if (prepared.vouched && conn.copy && conn.fresh && (await this.copyIntoTarget(lane, conn, prepared, turn))) {
      return true;
    }
    await lane.query(stageReset);
    if (prepared.plain && conn.raw) await this.stagePlain(lane, conn, processing, prepared);
    await this.stageRows(lane, processing.plan, prepared.staged, prepared.outcomes);
    return true;
  }

  /** A chunk's second half, on its lane: checks, merge, and its bookkeeping committed. Returns its counts. */
  private async finishChunk(
    ctx: JobContext,
    conn: Connections,
    target: QueryRunner,
    processing: RowProcessing,
    prepared: PreparedChunk,
    staged: boolean,
  ): Promise<ChunkCounts> {
    const { importer, plan } = processing;
    const definition = importer.definition;
    const { index: chunkIndex, rowNumbers, records, outcomes } = prepared;
    // What a retry needs besides the row data: its geometry as read, in its layer's CRS.
    const geometryOf = (record: SourceRecord) =>
      record.geometry === null ? {} : { geometry: record.geometry, srid: prepared.srid };

    const { book } = conn;
    try {
      const rows = rowNumbers.length;
      const direct = prepared.copied
        ? { created: rows, updated: 0, skipped: 0, failed: 0 }
        : prepared.direct && conn.direct
          ? await this.mergeDirect(target, conn, prepared)
          : null;
      if (prepared.direct && !direct) {
        // The target refused the direct merge: the chunk goes the staged way, on this lane.
        await this.classifyPlain(target, conn, processing, prepared);
        await this.stageRows(target, plan, prepared.staged, prepared.outcomes);
      }
      if (staged && !direct) await this.merge(ctx.job.id, target, importer, plan, outcomes);
      if (prepared.plain && conn.raw && !direct) await this.loadFailedRecords(target, conn.raw, prepared);
      const counts: ChunkCounts = direct ?? { created: 0, updated: 0, skipped: 0, failed: 0 };
      const kept: KeptRow[] = [];
      for (const rowNumber of direct ? [] : rowNumbers) {
        const outcome = outcomes.get(rowNumber) ?? {
          status: 'failed',
          errors: { message: 'The row was not merged.' },
        };
        counts[outcome.status] += 1;
        const record = records.get(rowNumber) ?? { row_number: rowNumber, data: {}, geometry: null };
        if (outcome.status === 'failed') {
          kept.push({
            row_number: record.row_number,
            status: RowStatus.Failed,
            data: record.data,
            errors: outcome.errors,
            ...geometryOf(record),
          });
        } else if (definition.rows.keep_successful) {
          const status = outcome.status === 'skipped' ? RowStatus.Skipped : RowStatus.Succeeded;
          kept.push({ row_number: record.row_number, status, data: record.data, errors: null, ...geometryOf(record) });
        }
      }
      const chunk = {
        jobId: ctx.job.id,
        attemptToken: ctx.attemptToken,
        chunkIndex,
        firstRow: rowNumbers[0] ?? 0,
        lastRow: rowNumbers.at(-1) ?? 0,
        rows: rowNumbers.length,
        counts,
        kept,
      };
      if (!conn.wholeRun) {
        await this.runs.commitChunk(target.manager, chunk, {}).catch(fenced(ctx));
        await target.commitTransaction();
        return counts;
      }
      if (!conn.dryRun) await this.runs.commitChunk(target.manager, { ...chunk, kept: [] }, { countLater: true });
      await book.startTransaction();
      try {
        if (conn.dryRun) await this.runs.commitChunk(book.manager, chunk).catch(fenced(ctx));
        else await this.runs.keepRows(book.manager, ctx.job.id, ctx.attemptToken, kept).catch(fenced(ctx));
        await book.commitTransaction();
      } catch (error) {
        await book.rollbackTransaction().catch(() => undefined);
        throw error;
      }
      return counts;
    } catch (error) {
      if (!conn.wholeRun && target.isTransactionActive) await target.rollbackTransaction().catch(() => undefined);
      throw error;
    }
  }

  /**
   * The plain-CSV path's staging: COPY of the chunk's lines into the raw stage (PostgreSQL parses them).
   * A clean chunk waits there for the direct merge (`prepared.direct`); any other is classified now. A
   * chunk PostgreSQL cannot read as CSV (a row with too few or too many cells) is processed here whole.
   */
  private async stagePlain(
    q: QueryRunner,
    conn: Connections,
    processing: RowProcessing,
    prepared: PreparedChunk,
  ): Promise<void> {
    const raw = conn.raw as RawStage;
    const chunk = prepared.plain as PlainChunk;
    for (const statement of raw.reset(chunk.firstRow)) await q.query(statement);
    const staged = await underSavepoint(q, 'import_raw', async () => {
      if ((await this.copyBytes(q, raw.copy, chunk.bytes)) !== chunk.rows) throw new CopyCut();
      // A chunk the worker vouched for is clean; one whose COPY the target refused is staged.
      if (!conn.direct || prepared.copyRefused) return;
      if (prepared.vouched) prepared.direct = true;
      else {
        const [probe] = (await q.query(conn.direct.probe)) as { clean: boolean }[];
        prepared.direct = probe?.clean === true;
      }
    });
    if (!staged.done) this.processWhole(raw, processing, prepared);
    else if (!prepared.direct) await this.classifyPlain(q, conn, processing, prepared);
  }

  /**
   * Processes every row of the chunk here, as the JavaScript path would, once its raw stage was undone:
   * nothing of it stays staged in SQL.
   */
  private processWhole(raw: RawStage, processing: RowProcessing, prepared: PreparedChunk): void {
    prepared.direct = false;
    processRecords(processing, plainRecords(prepared.plain as PlainChunk, raw), prepared);
  }

  /**
   * The rows of the raw stage SQL vouches for go to the staging table in one statement, and the rest are
   * processed here like any record (their accepted rows join `staged`). When the statement fails, the
   * whole chunk is processed here.
   */
  private async classifyPlain(
    q: QueryRunner,
    conn: Connections,
    processing: RowProcessing,
    prepared: PreparedChunk,
  ): Promise<void> {
    const raw = conn.raw as RawStage;
    const chunk = prepared.plain as PlainChunk;
    prepared.direct = false;
    const classified = await underSavepoint(q, 'import_raw', () => q.query(raw.classify) as Promise<RawRow[]>);
    if (!classified.done) {
      this.processWhole(raw, processing, prepared);
      return;
    }
    const left = classified.value;
    processRecords(processing, left.map(rawRecord(raw.headers)), prepared);
    // Counted after the await: the other lane adds to the count meanwhile.
    conn.sqlRows += chunk.rows - left.length;
  }

  /**
   * The direct merge of a clean chunk. While chunks bring new keys only, plain inserts go first; a key
   * already in the target makes them fail, and ON CONFLICT takes over until a chunk creates every row
   * again. Answers the chunk's counts, or null when the target refused the merge (a constraint, a value,
   * two spellings of one key): the caller then stages the chunk.
   */
  private async mergeDirect(q: QueryRunner, conn: Connections, prepared: PreparedChunk): Promise<ChunkCounts | null> {
    const direct = conn.direct as DirectMerge;
    const rows = (prepared.plain as PlainChunk).rows;
    let merged: Awaited<ReturnType<typeof this.tryDirect>> = null;
    if (direct.fresh && conn.fresh) {
      merged = await this.tryDirect(q, conn, direct.fresh);
      // Refused for another reason than a stored key: ON CONFLICT would be refused too.
      if (merged === 'refused') return null;
      if (merged === null) conn.fresh = false;
    }
    merged ??= await this.tryDirect(q, conn, direct.statement);
    if (merged === null || merged === 'refused') return null;
    conn.fresh = merged.created === rows;
    conn.sqlRows += rows;
    conn.directRows += rows;
    return { ...merged, failed: 0 };
  }

  /**
   * One direct merge statement under a savepoint. Answers its counts; null when a key was already in the
   * target (unique violation); 'refused' for anything else the target refuses.
   */
  private async tryDirect(
    q: QueryRunner,
    conn: Connections,
    statement: string,
  ): Promise<Omit<ChunkCounts, 'failed'> | 'refused' | null> {
    const tried = await underSavepoint(
      q,
      'import_direct',
      () => q.query(statement) as Promise<Omit<ChunkCounts, 'failed'>[]>,
      // 21000: ON CONFLICT met one key twice; 42P10: no arbiter after all (the index changed meanwhile).
      (error) => rowFailureMessage(error) !== null || ['21000', '42P10'].includes(sqlStateOf(error)),
    );
    if (tried.done) {
      const [merged] = tried.value;
      return { created: merged?.created ?? 0, updated: merged?.updated ?? 0, skipped: merged?.skipped ?? 0 };
    }
    const state = sqlStateOf(tried.error);
    if (state === '42P10') conn.direct = null;
    return state === '23505' ? null : 'refused';
  }

  /**
   * The COPY of a chunk the worker vouched for straight into the target, under a savepoint. Answers
   * whether every row went in (all created); when the target refuses the COPY it is undone, and a key
   * already in the target ends the COPYs until a chunk creates every row again (as for plain inserts).
   */
  private async copyIntoTarget(
    q: QueryRunner,
    conn: Connections,
    prepared: PreparedChunk,
    { before, wrote, chunkBefore }: CopyTurn,
  ): Promise<boolean> {
    const copy = conn.copy as TargetCopy;
    const rows = (prepared.plain as PlainChunk).rows;
    // The chunk before writes only its own keys (its COPY, or its merge): with none in common, and a
    // target where only keys can collide, neither chunk can wait for the other's rows.
    const alongside = conn.overlap && keysDisjoint(chunkBefore?.keys, prepared.keys);
    // In `transaction: chunk` the COPY is its chunk's first statement: a refused COPY undoes the chunk's
    // transaction, which starts again (two round trips fewer per chunk than a savepoint).
    const undo = conn.wholeRun ? underSavepoint : firstInTransaction;
    const copied = await undo(
      q,
      'import_copy_target',
      async () => {
        // Else the chunk before must be done writing the target: two chunks' writes at once could wait on
        // each other's rows, and neither commits before the other is merged.
        if (!alongside) await before;
        if (!conn.fresh || (await this.copyBytes(q, copy.statement, prepared.vouched as Buffer)) !== rows) {
          throw new CopyCut();
        }
        wrote();
      },
      // 0A000: COPY FROM is not supported here (a target that changed since the run checked it).
      (error) => error instanceof CopyCut || rowFailureMessage(error) !== null || sqlStateOf(error) === '0A000',
    );
    if (!copied.done) {
      const state = sqlStateOf(copied.error);
      if (state === '23505') conn.fresh = false;
      else if (state === '0A000') conn.copy = null;
      else prepared.copyRefused = rowFailureMessage(copied.error) !== null;
      return false;
    }
    prepared.copied = true;
    conn.sqlRows += rows;
    conn.directRows += rows;
    conn.copiedRows += rows;
    if (alongside) conn.overlappedRows += rows;
    return true;
  }

  /** The plain-CSV path: the data of failed rows the worker has not read (they failed in SQL). */
  private async loadFailedRecords(q: QueryRunner, raw: RawStage, prepared: PreparedChunk): Promise<void> {
    const missing: number[] = [];
    for (const [row, outcome] of prepared.outcomes) {
      if (outcome.status === 'failed' && !prepared.records.has(row)) missing.push(row);
    }
    if (missing.length === 0) return;
    const rows = (await q.query(raw.rows, [missing])) as RawRow[];
    for (const record of rows.map(rawRecord(raw.headers))) prepared.records.set(record.row_number, record);
  }

  /** COPY (CSV) of `bytes` on the runner's own connection; answers the rows PostgreSQL took. */
  private async copyBytes(q: QueryRunner, statement: string, bytes: Buffer): Promise<number> {
    const client = (q as unknown as { databaseConnection: PoolClient }).databaseConnection;
    const copy = client.query(copyFrom(statement));
    await pipeline(Readable.from([bytes]), copy);
    return copy.rowCount;
  }

  /** Runs the deferred checks on the staged rows, then merges round by round. */
  private async merge(
    jobId: string,
    q: QueryRunner,
    importer: CompiledImporter,
    plan: MergePlan,
    outcomes: Map<number, Outcome>,
  ): Promise<void> {
    for (const check of importer.deferredChecks) {
      // The field-level message goes under the field in `validation` (the summary adds `field: `).
      const message = importer.deferredError(check).validation?.[check.column]?.[0] ?? importer.deferredMessage(check);
      await q.query(deferredCheckSql(check), [message, ...(check.rule === 'unique_in_file' ? [jobId] : [])]);
    }
    for (const check of importer.deferredChecks) {
      if (check.rule === 'unique_in_file') await q.query(rememberSeenSql(check.column), [jobId]);
    }
    if (importer.deferredChecks.length > 0) {
      const failedChecks = (await q.query(
        `SELECT __row AS row_number, __failed AS errors FROM ${STAGE} WHERE __failed IS NOT NULL`,
      )) as { row_number: number; errors: RowErrors }[];
      for (const row of failedChecks) outcomes.set(row.row_number, { status: 'failed', errors: row.errors });
    }

    const occurrences = occurrenceSql(plan);
    let rounds = 1;
    if (occurrences) {
      await q.query(occurrences);
      const [found] = (await q.query(`SELECT coalesce(max(__occ), 1) AS rounds FROM ${STAGE}`)) as {
        rounds: number;
      }[];
      rounds = found?.rounds ?? 1;
    }
    for (let round = 1; round <= rounds; round += 1) await this.mergeRound(q, plan, round, outcomes);
  }

  /**
   * Merges one occurrence round in one statement under a savepoint. When the target refuses a row (a
   * constraint, a value), the round's rows are bisected to isolate it.
   */
  private async mergeRound(q: QueryRunner, plan: MergePlan, round: number, outcomes: Map<number, Outcome>) {
    const merged = await underSavepoint(
      q,
      'import_merge',
      () => q.query(mergeSql(plan, 'round'), [round]) as Promise<MergeAnswer[]>,
    );
    if (merged.done) {
      recordMerged(merged.value, outcomes);
      return;
    }
    const [listed] = (await q.query(
      `SELECT array_agg(__row ORDER BY __row) AS rows FROM ${STAGE} WHERE __occ = $1 AND __failed IS NULL`,
      [round],
    )) as { rows: number[] | null }[];
    await this.mergeRows(q, mergeSql(plan, 'rows'), listed?.rows ?? [], outcomes);
  }

  /**
   * Merges `rows` under a savepoint. A constraint or value the target refuses rolls the statement back and
   * the rows are split in halves (in file order) until each violating row stands alone and fails.
   */
  private async mergeRows(
    q: QueryRunner,
    statement: string,
    rows: number[],
    outcomes: Map<number, Outcome>,
  ): Promise<void> {
    if (rows.length === 0) return;
    const merged = await underSavepoint(q, 'import_merge', () => q.query(statement, [rows]) as Promise<MergeAnswer[]>);
    if (merged.done) {
      recordMerged(merged.value, outcomes);
      return;
    }
    if (rows.length === 1) {
      outcomes.set(rows[0] as number, { status: 'failed', errors: { message: rowFailureMessage(merged.error) ?? '' } });
      return;
    }
    const half = Math.ceil(rows.length / 2);
    await this.mergeRows(q, statement, rows.slice(0, half), outcomes);
    await this.mergeRows(q, statement, rows.slice(half), outcomes);
  }

  /**
   * Copies the rows into the staging table under a savepoint. A value the staging column refuses (an
   * integer out of range) would fail the whole COPY: the rows are then split in halves until each
   * refused row stands alone and fails.
   */
  private async stageRows(
    q: QueryRunner,
    plan: MergePlan,
    rows: StagedRow[],
    outcomes: Map<number, Outcome>,
  ): Promise<void> {
    if (rows.length === 0) return;
    const copied = await underSavepoint(q, 'import_copy', () => this.copyRows(q, plan, rows));
    if (copied.done) return;
    const [only] = rows;
    if (rows.length === 1 && only) {
      outcomes.set(only.row_number, { status: 'failed', errors: { message: rowFailureMessage(copied.error) ?? '' } });
      return;
    }
    const half = Math.ceil(rows.length / 2);
    await this.stageRows(q, plan, rows.slice(0, half), outcomes);
    await this.stageRows(q, plan, rows.slice(half), outcomes);
  }

  /** COPY (text format) of the accepted rows into the staging table, on the runner's own connection. */
  private async copyRows(q: QueryRunner, plan: MergePlan, rows: StagedRow[]): Promise<void> {
    const client = (q as unknown as { databaseConnection: PoolClient }).databaseConnection;
    // Lines are sent in batches of ~256 KiB: one stream chunk per line would be one socket write per row.
    const batches = function* (): Generator<string> {
      let batch = '';
      for (const row of rows) {
        batch += row.line;
        if (batch.length >= COPY_BATCH_CHARS) {
          yield batch;
          batch = '';
        }
      }
      if (batch.length > 0) yield batch;
    };
    await pipeline(Readable.from(batches()), client.query(copyFrom(stageCopy(plan))));
  }
}

/** A COPY that took fewer rows than it was sent: a line PostgreSQL read as the end of data (`\.`). */
class CopyCut extends Error {}

/**
 * `work` under the savepoint `name`: released when it succeeds; rolled back to and released when it throws
 * an error `refused` accepts — by default a row's refusal (rowFailureMessage) or a CopyCut — which is then
 * answered, not thrown. Any other error is thrown as it is, the transaction left to the caller.
 */
async function underSavepoint<T>(
  q: QueryRunner,
  name: string,
  work: () => Promise<T>,
  refused: (error: unknown) => boolean = (error) => error instanceof CopyCut || rowFailureMessage(error) !== null,
): Promise<{ done: true; value: T } | { done: false; error: unknown }> {
  await q.query(`SAVEPOINT ${name}`);
  try {
    const value = await work();
    await q.query(`RELEASE SAVEPOINT ${name}`);
    return { done: true, value };
  } catch (error) {
    if (!refused(error)) throw error;
    await q.query(`ROLLBACK TO SAVEPOINT ${name}`);
    await q.query(`RELEASE SAVEPOINT ${name}`);
    return { done: false, error };
  }
}

/**
 * `underSavepoint` for the first statement of `q`'s transaction: a refused `work` rolls the transaction
 * back and starts a new one, which is what rolling back to a savepoint set at its start would leave.
 */
async function firstInTransaction<T>(
  q: QueryRunner,
  _name: string,
  work: () => Promise<T>,
  refused: (error: unknown) => boolean,
): Promise<{ done: true; value: T } | { done: false; error: unknown }> {
  try {
    return { done: true, value: await work() };
  } catch (error) {
    if (!refused(error)) throw error;
    await q.rollbackTransaction();
    await q.startTransaction();
    return { done: false, error };
  }
}

/**
 * Runs `statements` (without parameters) on `q` in one round trip; should that fail (they are then all
 * undone), one by one, each failure ignored.
 */
async function runEach(q: QueryRunner, statements: string[]): Promise<void> {
  try {
    await q.query(statements.join(';\n'));
  } catch {
    for (const statement of statements) await q.query(statement).catch(() => undefined);
  }
}

/** A merge statement's answer for one row. */
interface MergeAnswer {
  row_number: number;
  outcome: 'created' | 'updated' | 'skipped' | 'failed';
  message: string | null;
}

function recordMerged(result: MergeAnswer[], outcomes: Map<number, Outcome>): void {
  for (const r of result) {
    outcomes.set(
      r.row_number,
      r.outcome === 'failed'
        ? { status: 'failed', errors: { message: r.message ?? 'The row failed.' } }
        : { status: r.outcome },
    );
  }
}

/** The COPY text line of an accepted row, in `stageCopy`'s column order. */
function stagedLine(plan: MergePlan, row: AcceptedRow): string {
  const geometry = row.geometry;
  const values = [
    String(row.row_number),
    geometry === null ? '\\N' : copyValue('ewkt' in geometry ? geometry.ewkt : geometry.geojson, 'text'),
    geometry === null || 'ewkt' in geometry ? '\\N' : String(geometry.srid),
    ...plan.columns.map((c) => copyValue(row.values[c], plan.types[c] ?? 'text')),
  ];
  return copyLine(values);
}

/** A row of the raw stage: its number and its cells `c1`…`cN` (null for an empty cell). */
type RawRow = { row_number: number } & Record<string, string | null>;

/** A raw-stage row as the CSV reader would have read it (an empty cell is ''). */
function rawRecord(headers: string[]): (row: RawRow) => SourceRecord {
  return (row) => {
    const data: Record<string, unknown> = {};
    for (let i = 0; i < headers.length; i += 1) data[headers[i] as string] = row[`c${i + 1}`] ?? '';
    return { row_number: row.row_number, data, geometry: null };
  };
}

/** A plain chunk's lines as the CSV reader would have read them. */
function plainRecords(chunk: PlainChunk, raw: RawStage): SourceRecord[] {
  const text = chunk.bytes.toString('utf8');
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  return lines.map((line, i) => ({
    row_number: chunk.firstRow + i,
    data: plainRecordData(line, raw.delimiter, raw.headers),
    geometry: null,
  }));
}

/**
 * Transforms, casts and row-local rules over `records` (the compiled importer): accepted rows become COPY
 * lines in `staged`, refused and unreadable ones failed outcomes. Every record is kept for the chunk.
 */
function processRecords(processing: RowProcessing, records: SourceRecord[], chunk: PreparedChunk): void {
  const { importer, plan, binding, sourceSrid } = processing;
  for (const record of records) {
    chunk.records.set(record.row_number, record);
    // A record the reader could not parse (e.g. an NDJSON line that is not JSON) fails alone.
    const unreadable = recordErrorOf(record);
    if (unreadable) {
      chunk.outcomes.set(record.row_number, { status: 'failed', errors: { message: unreadable.message } });
      continue;
    }
    const processed = importer.process(record, binding);
    if (processed.ok) {
      chunk.staged.push({
        row_number: processed.row_number,
        line: stagedLine(plan, inSourceCrs(processed, sourceSrid)),
      });
    } else chunk.outcomes.set(record.row_number, { status: 'failed', errors: processed.errors });
  }
}

/** `first`, `first + 1`, … (`count` numbers), filled in a plain loop (a mapping callback per row costs more). */
function rowRange(first: number, count: number): number[] {
  const rows = new Array<number>(count);
  for (let i = 0; i < count; i += 1) rows[i] = first + i;
  return rows;
}

/**
 * The plain-CSV path's chunks: cut from the file, processed in the database; committed ones skipped. With
 * `vouch`, the worker checks each chunk for a COPY straight into the target (raw-vouch.ts).
 */
async function* plainChunks(
  chunks: AsyncIterable<PlainChunk>,
  committed: Set<number>,
  vouch: ((chunk: PlainChunk) => Promise<Vouched | null>) | null,
): AsyncGenerator<PreparedChunk> {
  for await (const plain of chunks) {
    if (committed.has(plain.index) || plain.rows === 0) continue;
    const vouched = vouch ? await vouch(plain) : null;
    yield {
      vouched: vouched?.bytes ?? null,
      keys: vouched?.keys ?? null,
      index: plain.index,
      rowNumbers: rowRange(plain.firstRow, plain.rows),
      records: new Map(),
      staged: [],
      outcomes: new Map(),
      srid: null,
      plain,
    };
  }
}

/**
 * The records in chunks of `size` from chunk `first` on, each read and processed (transforms, casts,
 * rules) into COPY lines; chunks already committed are skipped unprocessed.
 */
async function* preparedChunks(
  processing: RowProcessing,
  records: AsyncIterable<SourceRecord>,
  first: number,
  size: number,
  committed: Set<number>,
): AsyncGenerator<PreparedChunk> {
  let index = first;
  let batch: SourceRecord[] = [];
  const prepare = (chunk: SourceRecord[]): PreparedChunk | null => {
    const chunkIndex = index;
    index += 1;
    if (committed.has(chunkIndex) || chunk.length === 0) return null;
    const prepared: PreparedChunk = {
      index: chunkIndex,
      rowNumbers: chunk.map((record) => record.row_number),
      records: new Map(),
      staged: [],
      outcomes: new Map(),
      srid: processing.sourceSrid,
      plain: null,
    };
    processRecords(processing, chunk, prepared);
    return prepared;
  };
  for await (const record of records) {
    batch.push(record);
    if (batch.length >= size) {
      const chunk = prepare(batch);
      batch = [];
      if (chunk) yield chunk;
    }
  }
  const last = prepare(batch);
  if (last) yield last;
}

/** The governed collections of one run, for its `job finished` line (the governor is the worker's). */
function heapCollections(
  before: { collections: number; ms: number },
  after: { collections: number; ms: number },
): Record<string, number> {
  return { heap_collections: after.collections - before.collections, heap_collect_ms: after.ms - before.ms };
}

/**
 * A `geometry.from: source` geometry in the CRS of the layer it was read from, when the reader knows it
 * (GDAL layers, service layers): the merge transforms it into the target's `srid`. Without a known CRS
 * the importer's `srid` is assumed.
 */
export function inSourceCrs(row: AcceptedRow, sourceSrid: number | null): AcceptedRow {
  const geometry = row.geometry;
  if (sourceSrid === null || geometry === null || 'ewkt' in geometry || geometry.srid === sourceSrid) return row;
  return { ...row, geometry: { geojson: geometry.geojson, srid: sourceSrid } };
}

/** A fenced bookkeeping write lost: the run was cancelled, or a newer attempt took it over. */
function fenced(ctx: JobContext): (error: unknown) => Promise<never> {
  return async (error: unknown) => {
    if (error instanceof ChunkFenceError) {
      await ctx.checkpoint();
      throw new StaleAttemptError();
    }
    throw error;
  };
}

/** The reason the importer's error thresholds stop the run, or null. */
export function thresholdExceeded(definition: ImporterDefinition, failed: number, processed: number): string | null {
  const { max_failed_rows: maxRows, max_failed_ratio: maxRatio } = definition.errors;
  if (maxRows !== null && failed > maxRows) {
    return `The run stopped: ${failed} rows failed, more than the importer allows (max_failed_rows ${maxRows}).`;
  }
  if (maxRatio !== null && processed > 0 && failed / processed > maxRatio) {
    return `The run stopped: ${failed} of ${processed} rows failed, more than the importer allows (max_failed_ratio ${maxRatio}).`;
  }
  return null;
}
