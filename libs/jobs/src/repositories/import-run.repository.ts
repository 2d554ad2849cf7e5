import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { RowStatus, type RowErrors } from '../entities/ingest-row.entity.js';
import { JobStatus } from '../job-status.js';
import { PositionalParams, sql, type SqlFragment } from './sql.js';
import { unflushed } from './unflushed.js';

/** The ledger's columns, in the order `commitChunk` gives them. */
const LEDGER_COLUMNS = 'job_id, chunk_index, first_row, last_row, rows, created, updated, skipped, failed';

/** How the rows of one chunk ended. */
export interface ChunkCounts {
  created: number;
  updated: number;
  skipped: number;
  failed: number;
}

/** One row to keep in `ingest_rows`: every failed row, and successful ones when the importer asks. */
export interface KeptRow {
  row_number: number;
  status: RowStatus;
  /** The row as read, under its original headers. */
  data: Record<string, unknown>;
  errors: RowErrors | null;
  /** The geometry read from the source (GeoJSON) and its layer's EPSG code, for retries; absent: none. */
  geometry?: string | null;
  srid?: number | null;
}

/** Everything a chunk commits, in its own transaction, together with its target writes. */
export interface ChunkCommit {
  jobId: string;
  attemptToken: string;
  /** 0-based position of the chunk in the source order. */
  chunkIndex: number;
  firstRow: number;
  lastRow: number;
  rows: number;
  counts: ChunkCounts;
  kept: KeptRow[];
}

export interface RunTotals extends ChunkCounts {
  processed: number;
  chunks: number;
}

/** A failed row of an earlier run, as a retry reads it. */
export interface FailedRowRecord {
  row_number: number;
  data: Record<string, unknown>;
  /** The geometry read from the source (GeoJSON text), null when the row had none. */
  geometry: string | null;
  /** The EPSG code of the source layer of `geometry`, when known. */
  srid: number | null;
}

/** The chunk's attempt lost the job (superseded or cancelled), or another attempt committed the chunk. */
export class ChunkFenceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChunkFenceError';
  }
}

const FAILED_ROWS_PAGE = 1000;

/** jsonb cannot hold NUL characters; a source row may, and must not fail its chunk's commit for it. */
const withoutNul = (_key: string, value: unknown): unknown =>
  typeof value === 'string' ? value.replace(/\0/g, '') : value;

/**
 * The write side of importer runs: the chunk ledger, the kept rows and the run's counters. Every chunk
 * write is fenced by the attempt token and lives in the caller's transaction (the chunk's), so a crash
 * leaves either the whole chunk (target rows, ledger, counters, kept rows) or none of it.
 */
@Injectable()
export class ImportRunRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private async run<T>(fragment: SqlFragment, manager?: EntityManager): Promise<T[]> {
    const params = new PositionalParams();
    const text = params.render(fragment);
    const result = (await (manager ?? this.dataSource.manager).query(text, params.values)) as unknown;
    // UPDATE/DELETE … RETURNING answer [rows, count]; SELECT and INSERT answer the rows.
    if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') {
      return result[0] as T[];
    }
    return result as T[];
  }

  /** Chunk indexes already committed for the run (a resumed attempt skips them). */
  async committedChunks(jobId: string): Promise<number[]> {
    const rows = await this.run<{ chunk_index: number }>(
      sql('SELECT chunk_index FROM import_chunks WHERE job_id = :jobId ORDER BY chunk_index', { jobId }),
    );
    return rows.map((r) => r.chunk_index);
  }

  /**
   * Forgets everything an earlier attempt committed (ledger, kept rows, seen values, counters): runs that
   * are all or nothing (`transaction: run`, dry runs) restart from the first row. False if the attempt lost.
   */
  async restartRun(jobId: string, attemptToken: string): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const held = await this.run(
        sql(
          `UPDATE ingest_jobs SET rows_processed = 0, rows_failed = 0, rows_created = 0, rows_updated = 0,
             rows_skipped = 0, progress = 0, updated_at = now()
           WHERE id = :jobId AND status = :processing AND attempt_token = :attemptToken RETURNING id`,
          { jobId, attemptToken, processing: JobStatus.Processing },
        ),
        manager,
      );
      if (held.length === 0) return false;
      for (const table of ['import_chunks', 'ingest_rows', 'import_seen_values']) {
        await this.run(sql(`DELETE FROM ${table} WHERE job_id = :jobId`, { jobId }), manager);
      }
      return true;
    });
  }

  /**
   * The exact row count, known before the first row is processed. False if the attempt lost the job.
   * Advisory, like progress: written without waiting for the WAL flush (`unflushed`).
   */
  async recordTotal(jobId: string, attemptToken: string, total: number): Promise<boolean> {
    const rows = await unflushed(this.dataSource, (manager) =>
      this.run(
        sql(
          `UPDATE ingest_jobs SET rows_total = :total, updated_at = now()
           WHERE id = :jobId AND status = :processing AND attempt_token = :attemptToken RETURNING id`,
          { jobId, attemptToken, total, processing: JobStatus.Processing },
        ),
        manager,
      ),
    );
    return rows.length > 0;
  }

  /**
   * Commits a chunk's bookkeeping in `manager`'s transaction: its ledger row, its kept rows and (unless
   * `countLater`, for runs that total the ledger at the end) the counters. Throws ChunkFenceError when
   * the attempt no longer owns the job or the chunk is already committed, so the caller rolls back.
   */
  async commitChunk(manager: EntityManager, chunk: ChunkCommit, opts: { countLater?: boolean } = {}): Promise<void> {
    const { jobId, attemptToken, counts } = chunk;
    const values = {
      jobId,
      chunkIndex: chunk.chunkIndex,
      firstRow: chunk.firstRow,
      lastRow: chunk.lastRow,
      rows: chunk.rows,
      ...counts,
      attemptToken,
      processing: JobStatus.Processing,
    };
    const ledgerRow = `:jobId::uuid, :chunkIndex::int, :firstRow::int, :lastRow::int, :rows::int,
      :created::int, :updated::int, :skipped::int, :failed::int`;
    if (opts.countLater) {
      const ledger = await this.run(
        sql(
          `INSERT INTO import_chunks (${LEDGER_COLUMNS}) VALUES (${ledgerRow})
           ON CONFLICT (job_id, chunk_index) DO NOTHING RETURNING chunk_index`,
          values,
        ),
        manager,
      );
      if (ledger.length === 0) throw new ChunkFenceError(`Chunk ${chunk.chunkIndex} was already committed.`);
    } else {
      // The counters and the ledger row in one statement (one round trip per chunk): the ledger row is
      // inserted only when the fenced UPDATE found the job, and both are undone with the chunk otherwise.
      const [answer] = await this.run<{ held: number; ledger: number }>(
        sql(
          `WITH held AS (
             UPDATE ingest_jobs SET
               rows_processed = rows_processed + :rows, rows_failed = rows_failed + :failed,
               rows_created = rows_created + :created, rows_updated = rows_updated + :updated,
               rows_skipped = rows_skipped + :skipped,
               progress = CASE WHEN coalesce(rows_total, 0) > 0
                          THEN least(1, (rows_processed + :rows)::double precision / rows_total) ELSE progress END,
               updated_at = now()
             WHERE id = :jobId AND status = :processing AND attempt_token = :attemptToken
               AND cancel_requested_at IS NULL
             RETURNING id),
           ledger AS (
             INSERT INTO import_chunks (${LEDGER_COLUMNS}) SELECT ${ledgerRow} FROM held
             ON CONFLICT (job_id, chunk_index) DO NOTHING RETURNING chunk_index)
           SELECT (SELECT count(*) FROM held)::int AS held, (SELECT count(*) FROM ledger)::int AS ledger`,
          values,
        ),
        manager,
      );
      if (!answer?.held) throw new ChunkFenceError('The attempt no longer owns the job.');
      if (!answer.ledger) throw new ChunkFenceError(`Chunk ${chunk.chunkIndex} was already committed.`);
    }
    await this.insertKept(manager, jobId, chunk.kept);
  }

  /**
   * Kept rows alone, for a run whose ledger commits later with its target (`transaction: run`): in
   * `manager`'s transaction, fenced by the attempt (ChunkFenceError when it lost the job).
   */
  async keepRows(manager: EntityManager, jobId: string, attemptToken: string, kept: KeptRow[]): Promise<void> {
    if (kept.length === 0) return;
    const held = await this.run(
      sql(
        `UPDATE ingest_jobs SET updated_at = now()
         WHERE id = :jobId AND status = :processing AND attempt_token = :attemptToken RETURNING id`,
        { jobId, attemptToken, processing: JobStatus.Processing },
      ),
      manager,
    );
    if (held.length === 0) throw new ChunkFenceError('The attempt no longer owns the job.');
    await this.insertKept(manager, jobId, kept);
  }

  private async insertKept(manager: EntityManager, jobId: string, kept: KeptRow[]): Promise<void> {
    if (kept.length === 0) return;
    await this.run(
      sql(
        `INSERT INTO ingest_rows (job_id, row_number, status, data, errors, source_geometry, source_srid)
         SELECT :jobId, r.row_number, r.status, r.data, r.errors, r.geometry, r.srid
         FROM jsonb_to_recordset(:rows::jsonb)
           AS r(row_number integer, status varchar, data jsonb, errors jsonb, geometry text, srid integer)`,
        { jobId, rows: JSON.stringify(kept, withoutNul) },
      ),
      manager,
    );
  }

  /**
   * For runs that commit once (`transaction: run`): sets the counters to the ledger's sums in the run's
   * transaction, fenced by the attempt. Throws ChunkFenceError when the attempt lost the job.
   */
  async applyLedgerTotals(manager: EntityManager, jobId: string, attemptToken: string): Promise<void> {
    const held = await this.run(
      sql(
        `UPDATE ingest_jobs j SET rows_processed = t.rows, rows_failed = t.failed, rows_created = t.created,
           rows_updated = t.updated, rows_skipped = t.skipped,
           progress = CASE WHEN coalesce(j.rows_total, 0) > 0 THEN least(1, t.rows::double precision / j.rows_total)
                      ELSE j.progress END,
           updated_at = now()
         FROM (SELECT coalesce(sum(rows), 0) AS rows, coalesce(sum(failed), 0) AS failed,
                      coalesce(sum(created), 0) AS created, coalesce(sum(updated), 0) AS updated,
                      coalesce(sum(skipped), 0) AS skipped
               FROM import_chunks WHERE job_id = :jobId) t
         WHERE j.id = :jobId AND j.status = :processing AND j.attempt_token = :attemptToken
           AND j.cancel_requested_at IS NULL
         RETURNING j.id`,
        { jobId, attemptToken, processing: JobStatus.Processing },
      ),
      manager,
    );
    if (held.length === 0) throw new ChunkFenceError('The attempt no longer owns the job.');
  }

  /** The run's totals, from its ledger (exact across resumed attempts). */
  async runTotals(jobId: string, manager?: EntityManager): Promise<RunTotals> {
    const [row] = await this.run<Record<string, string | number>>(
      sql(
        `SELECT count(*) AS chunks, coalesce(sum(rows), 0) AS processed, coalesce(sum(created), 0) AS created,
                coalesce(sum(updated), 0) AS updated, coalesce(sum(skipped), 0) AS skipped,
                coalesce(sum(failed), 0) AS failed
         FROM import_chunks WHERE job_id = :jobId`,
        { jobId },
      ),
      manager,
    );
    const n = (key: string): number => Number(row?.[key] ?? 0);
    return {
      chunks: n('chunks'),
      processed: n('processed'),
      created: n('created'),
      updated: n('updated'),
      skipped: n('skipped'),
      failed: n('failed'),
    };
  }

  /** Stores the run's summary on a running attempt (a run that ends `failed` keeps its summary too). */
  async recordSummary(jobId: string, attemptToken: string, summary: Record<string, unknown>): Promise<boolean> {
    // Before the attempt's end, which flushes it: written without waiting for the WAL flush.
    const rows = await unflushed(this.dataSource, (manager) =>
      this.run(
        sql(
          `UPDATE ingest_jobs SET result = :summary::jsonb, updated_at = now()
           WHERE id = :jobId AND status = :processing AND attempt_token = :attemptToken RETURNING id`,
          { jobId, attemptToken, summary: JSON.stringify(summary), processing: JobStatus.Processing },
        ),
        manager,
      ),
    );
    return rows.length > 0;
  }

  /** The source's header row as a run recorded it (`result.headers`), for retries and downloads. */
  async recordedHeaders(jobId: string): Promise<string[]> {
    const [row] = await this.run<{ headers: unknown }>(
      sql(`SELECT result->'headers' AS headers FROM ingest_jobs WHERE id = :jobId`, { jobId }),
    );
    const headers = row?.headers;
    return Array.isArray(headers) ? headers.filter((h): h is string => typeof h === 'string') : [];
  }

  async countFailedRows(jobId: string): Promise<number> {
    const [row] = await this.run<{ n: string }>(
      sql(`SELECT count(*) AS n FROM ingest_rows WHERE job_id = :jobId AND status = :failed`, {
        jobId,
        failed: RowStatus.Failed,
      }),
    );
    return Number(row?.n ?? 0);
  }

  /**
   * The failed rows of a run in row order, read in pages by position (keyset on the failed-rows index),
   * never all at once; `afterRow` skips rows up to that number.
   */
  async *failedRows(jobId: string, afterRow = 0, pageSize = FAILED_ROWS_PAGE): AsyncIterable<FailedRowRecord> {
    let after = afterRow;
    for (;;) {
      const page = await this.run<FailedRowRecord>(
        sql(
          `SELECT row_number, data, source_geometry AS geometry, source_srid AS srid FROM ingest_rows
           WHERE job_id = :jobId AND status = :failed AND row_number > :after
           ORDER BY row_number LIMIT :limit`,
          { jobId, failed: RowStatus.Failed, after, limit: pageSize },
        ),
      );
      for (const row of page) yield row;
      const last = page.at(-1);
      if (!last || page.length < pageSize) return;
      after = last.row_number;
    }
  }
}
