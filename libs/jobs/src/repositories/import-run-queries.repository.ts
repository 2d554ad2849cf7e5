import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ConflictError, DomainError, ErrorCode, NotFoundError } from '@app/common';
import { DataSource, type Repository } from 'typeorm';
import { IngestJob } from '../entities/ingest-job.entity.js';
import { IngestRow, RowStatus } from '../entities/ingest-row.entity.js';
import { JobKind } from '../job-kind.js';
import { JobStatus, isTerminal } from '../job-status.js';
import { JobRepository } from './job.repository.js';
import { hydrate } from './hydrate.js';
import { selectOne, selectPage, whereClause } from './page.js';
import { queryPrepared } from './prepared.js';
import { ReadCoalescer } from './read-coalescer.js';

/** Row outcomes as the runs API names them: skipped rows did not fail, so they count as `success`. */
export type RunRowFilter = 'failed' | 'success';

/** The properties of a run the runs API and CLI show of it (`toRun`, the list). */
export const RUN_VIEW = [
  'id',
  'owner',
  'importer',
  'status',
  'sourceFilename',
  'dryRun',
  'parentId',
  'rowsTotal',
  'rowsProcessed',
  'rowsFailed',
  'rowsCreated',
  'rowsUpdated',
  'rowsSkipped',
  'result',
  'error',
  'warnings',
  'createdAt',
  'startedAt',
  'completedAt',
] as const satisfies readonly (keyof IngestJob)[];
export type RunView = Pick<IngestJob, (typeof RUN_VIEW)[number]>;

export interface RunListQuery {
  /** Null lists every owner's runs (operators at the CLI only). */
  owner: string | null;
  importer?: string;
  status?: JobStatus;
  page: number;
  perPage: number;
}

export interface RowPageQuery {
  page: number;
  perPage: number;
  status?: RunRowFilter;
}

export interface MessageCount {
  message: string;
  count: number;
}

export interface RunErrorSummary {
  total_failed_rows: number;
  error_summary: MessageCount[];
  validation_summary: MessageCount[];
}

export interface RetryRequest {
  parentId: string;
  owner: string;
  dryRun: boolean;
  requestId: string | null;
}

/** Longest list a summary returns: a run with a million distinct messages must not answer with all of them. */
export const SUMMARY_LIMIT = 100;

/** A run that ended without failed rows has nothing to retry (seed 004 answers 400). */
export class NoFailedRowsError extends DomainError {
  constructor() {
    super(ErrorCode.BadRequest, 'The original run has no failed rows to retry.');
  }
}

const ACTIVE = [JobStatus.Pending, JobStatus.Queued, JobStatus.Processing];
const FAILED = RowStatus.Failed;

/**
 * The read side of importer runs (jobs of kind `import-run`) and their rows, plus the one write the runs
 * API needs beyond JobRepository's: creating a retry run race-free. Every read is owner-scoped by the
 * caller through `getForOwner`; row queries take the run id of a run already checked.
 */
@Injectable()
export class ImportRunQueries {
  private readonly runs: Repository<IngestJob>;
  private readonly rows: Repository<IngestRow>;
  /** Identical list pages asked at once are read once (`ReadCoalescer`). */
  private readonly pages = new ReadCoalescer<{ runs: RunView[]; total: number }>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly jobs: JobRepository,
  ) {
    this.runs = dataSource.getRepository(IngestJob);
    this.rows = dataSource.getRepository(IngestRow);
  }

  /**
   * The run if `owner` owns it; a 404 that does not say whether it exists otherwise (or is another kind of
   * job). One fixed statement (`selectOne`), not a TypeORM query built per call: GET /api/v1/ingest/{id}
   * and every run route read it first.
   */
  async getForOwner(id: string, owner: string): Promise<IngestJob> {
    const run = await selectOne<IngestJob>(this.dataSource, this.runs.metadata, {
      id,
      owner,
      kind: JobKind.ImportRun,
    });
    if (!run) throw new NotFoundError('Ingest run', id);
    return run;
  }

  /** Any owner's run, for operators at the CLI; 404 when there is no such run. */
  async getAny(id: string): Promise<IngestJob> {
    const run = await this.runs.findOneBy({ id, kind: JobKind.ImportRun });
    if (!run) throw new NotFoundError('Ingest run', id);
    return run;
  }

  /**
   * One page of runs as the runs API shows them (`RunView`: not the runs' parameters and source), newest
   * first, ties (same instant) broken by id so pages never overlap; and how many match. Callers asking
   * for the same page at once share one read (`ReadCoalescer`) and its result, which they must not change.
   */
  list(query: RunListQuery): Promise<{ runs: RunView[]; total: number }> {
    const key = JSON.stringify([query.owner, query.importer ?? null, query.status ?? null, query.page, query.perPage]);
    return this.pages.run(key, () => this.readPage(query));
  }

  private async readPage(query: RunListQuery): Promise<{ runs: RunView[]; total: number }> {
    const filter = { owner: query.owner ?? undefined, importer: query.importer, status: query.status };
    const [runs, total] = await selectPage<RunView>(this.dataSource, this.runs.metadata, {
      equal: { kind: JobKind.ImportRun, ...filter },
      orderBy: 'created_at DESC, id DESC',
      page: query.page,
      perPage: query.perPage,
      count: () => this.count(filter),
      select: RUN_VIEW,
    });
    return { runs, total };
  }

  /**
   * How many importer runs match, from the counters the database keeps per owner, importer and status
   * (migration ImportRunCounts): a sum over a few rows, not a count over every run.
   */
  async count(filter: { owner?: string; importer?: string; status?: JobStatus }): Promise<number> {
    const { where, values } = whereClause(filter);
    const [row] = await queryPrepared<{ total: number }>(
      this.dataSource,
      `SELECT coalesce(sum(runs), 0)::int AS total FROM import_run_counts ${where}`,
      values,
    );
    return row?.total ?? 0;
  }

  /** One page of a run's rows in row order, optionally only failed or only successful ones. */
  async rowPage(runId: string, query: RowPageQuery): Promise<{ rows: IngestRow[]; total: number }> {
    const [rows, total] = await selectPage<IngestRow>(this.dataSource, this.rows.metadata, {
      equal: { job_id: runId, status: query.status === 'failed' ? FAILED : undefined },
      extra: query.status === 'success' ? [`status <> '${FAILED}'`] : [],
      orderBy: 'row_number ASC',
      page: query.page,
      perPage: query.perPage,
    });
    return { rows, total };
  }

  /**
   * Failed rows grouped by message and by `<field>: <message>`, most frequent first, counted in SQL so
   * no row is loaded (at most SUMMARY_LIMIT entries each).
   */
  async errorSummary(runId: string): Promise<RunErrorSummary> {
    const [total] = (await this.dataSource.query(
      `SELECT count(*)::int AS count FROM ingest_rows WHERE job_id = $1 AND status = $2`,
      [runId, FAILED],
    )) as { count: number }[];
    const errors = (await this.dataSource.query(
      `SELECT errors->>'message' AS message, count(*)::int AS count
         FROM ingest_rows
        WHERE job_id = $1 AND status = $2 AND errors->>'message' IS NOT NULL
        GROUP BY 1 ORDER BY count DESC, message ASC LIMIT $3`,
      [runId, FAILED, SUMMARY_LIMIT],
    )) as MessageCount[];
    const validation = (await this.dataSource.query(
      `SELECT field.key || ': ' || msg.value AS message, count(*)::int AS count
         FROM ingest_rows r
        CROSS JOIN LATERAL jsonb_each(
          CASE WHEN jsonb_typeof(r.errors->'validation') = 'object' THEN r.errors->'validation' ELSE '{}'::jsonb END
        ) AS field(key, messages)
        CROSS JOIN LATERAL jsonb_array_elements_text(
          CASE WHEN jsonb_typeof(field.messages) = 'array' THEN field.messages ELSE '[]'::jsonb END
        ) AS msg(value)
        WHERE r.job_id = $1 AND r.status = $2
        GROUP BY 1 ORDER BY count DESC, message ASC LIMIT $3`,
      [runId, FAILED, SUMMARY_LIMIT],
    )) as MessageCount[];
    return { total_failed_rows: total?.count ?? 0, error_summary: errors, validation_summary: validation };
  }

  async hasFailedRows(runId: string): Promise<boolean> {
    const found = (await this.dataSource.query(`SELECT 1 FROM ingest_rows WHERE job_id = $1 AND status = $2 LIMIT 1`, [
      runId,
      FAILED,
    ])) as unknown[];
    return found.length > 0;
  }

  /**
   * Every data key of the failed rows, in the order first seen (by row number, then position in the row).
   * jsonb does not keep key order, so `preferred` (the source's header row, when the run recorded it)
   * decides the order of the keys it names; the others follow.
   */
  async failedRowHeaders(runId: string, preferred: readonly string[] = []): Promise<string[]> {
    const keys = (await this.dataSource.query(
      `SELECT k.key FROM ingest_rows r
        CROSS JOIN LATERAL jsonb_object_keys(r.data) WITH ORDINALITY AS k(key, position)
        WHERE r.job_id = $1 AND r.status = $2
        GROUP BY k.key ORDER BY min(r.row_number::bigint * 1000000 + k.position), k.key`,
      [runId, FAILED],
    )) as { key: string }[];
    const seen = new Set(keys.map((k) => k.key));
    const first = preferred.filter((header) => seen.has(header));
    const firstSet = new Set(first);
    return [...first, ...keys.map((k) => k.key).filter((key) => !firstSet.has(key))];
  }

  /**
   * The failed rows in row order, read through a server-side cursor in batches: memory stays flat however
   * many rows failed. The cursor lives in a read-only transaction on its own connection until the
   * generator finishes or is abandoned (`return()` closes it).
   */
  async *failedRows(runId: string, batchSize = 500): AsyncGenerator<IngestRow[]> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    let open = false;
    try {
      await runner.query('BEGIN READ ONLY');
      open = true;
      await runner.query(
        `DECLARE failed_rows NO SCROLL CURSOR FOR
           SELECT * FROM ingest_rows WHERE job_id = $1 AND status = $2 ORDER BY row_number`,
        [runId, FAILED],
      );
      for (;;) {
        const batch = (await runner.query(`FETCH ${Math.max(1, Math.trunc(batchSize))} FROM failed_rows`)) as Record<
          string,
          unknown
        >[];
        if (batch.length === 0) break;
        yield batch.map((raw) => hydrate<IngestRow>(this.rows.metadata, raw));
      }
      await runner.query('COMMIT');
      open = false;
    } finally {
      // An abandoned generator (client went away mid-download) ends here with its transaction still open.
      if (open) await runner.query('ROLLBACK').catch(() => undefined);
      await runner.release();
    }
  }

  /**
   * Creates a retry run of `parentId` over its failed rows, queued. The parent row is locked for the
   * check-and-insert, so of two concurrent retries exactly one creates a run and the other gets 409.
   * 404 for another owner's run; 409 while the parent has not ended or another retry of it is active;
   * 400 when it has no failed rows.
   */
  async createRetry(request: RetryRequest): Promise<IngestJob> {
    return this.dataSource.transaction(async (manager) => {
      const locked = (await manager.query(
        `SELECT * FROM ingest_jobs WHERE id = $1 AND owner = $2 AND kind = $3 FOR UPDATE`,
        [request.parentId, request.owner, JobKind.ImportRun],
      )) as Record<string, unknown>[];
      const raw = locked[0];
      if (!raw) throw new NotFoundError('Ingest run', request.parentId);
      const parent = hydrate<IngestJob>(this.runs.metadata, raw);
      if (!isTerminal(parent.status)) {
        throw new ConflictError(`Run is '${parent.status}'; only a run that has ended can be retried.`, {
          current_status: parent.status,
        });
      }
      const active = (await manager.query(
        `SELECT id FROM ingest_jobs WHERE parent_id = $1 AND kind = $2 AND status = ANY($3::varchar[]) LIMIT 1`,
        [parent.id, JobKind.ImportRun, ACTIVE],
      )) as { id: string }[];
      if (active[0]) {
        throw new ConflictError('A retry of this run is already in progress.', { retry_id: active[0].id });
      }
      const failed = (await manager.query(`SELECT 1 FROM ingest_rows WHERE job_id = $1 AND status = $2 LIMIT 1`, [
        parent.id,
        FAILED,
      ])) as unknown[];
      if (failed.length === 0) throw new NoFailedRowsError();
      const format = parent.params.kind === JobKind.ImportRun ? parent.params.format : null;
      return this.jobs.create(
        {
          owner: parent.owner,
          kind: JobKind.ImportRun,
          importer: parent.importer,
          status: JobStatus.Queued,
          source: { type: 'failed-rows', job_id: parent.id },
          params: { kind: JobKind.ImportRun, format },
          sourceFilename: parent.sourceFilename,
          parentId: parent.id,
          dryRun: request.dryRun,
          requestId: request.requestId,
        },
        manager,
      );
    });
  }
}
