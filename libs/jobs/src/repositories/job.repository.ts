import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { NotFoundError } from '@app/common';
import { DataSource, In, IsNull, LessThan, type EntityManager, type Repository } from 'typeorm';
import { IngestJob, type JobErrorInfo, type JobWarning } from '../entities/ingest-job.entity.js';
import { InvalidTransitionError, JobStatus, isTerminal, sourcesOf } from '../job-status.js';
import { hydrate } from './hydrate.js';

export interface NewJob {
  /** Chosen by the caller when it must name storage keys after the job before the row exists. */
  id?: string;
  owner: string;
  importer: string;
  status?: JobStatus.Pending | JobStatus.Queued;
  sourceType?: string | null;
  sourceFilename?: string | null;
  sourceKey?: string | null;
  sourceSize?: number | null;
  layerName?: string | null;
  options?: Record<string, unknown>;
  parentId?: string | null;
  dryRun?: boolean;
  requestId?: string | null;
  expiresAt?: Date | null;
}

export interface ProgressUpdate {
  step?: string;
  progress?: number;
  rowsTotal?: number | null;
  rowsProcessed?: number;
  rowsFailed?: number;
}

export interface CompletionUpdate {
  status: JobStatus.Completed | JobStatus.CompletedWithErrors;
  result?: Record<string, unknown> | null;
  datasetId?: string | null;
  warnings?: JobWarning[];
  rowsProcessed?: number;
  rowsFailed?: number;
}

type Assignments = Record<string, string>;

/**
 * Owns every write to `ingest_jobs`. Each status change is one guarded `UPDATE … WHERE status IN (…)
 * RETURNING *`; a lost race returns `null` (worker-side) or throws a 409 (user-side), never overwrites.
 */
@Injectable()
export class JobRepository {
  private readonly repo: Repository<IngestJob>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.repo = dataSource.getRepository(IngestJob);
  }

  async create(input: NewJob, manager?: EntityManager): Promise<IngestJob> {
    const repo = manager ? manager.getRepository(IngestJob) : this.repo;
    const status = input.status ?? JobStatus.Pending;
    const job = repo.create({
      ...(input.id ? { id: input.id } : {}),
      owner: input.owner,
      importer: input.importer,
      status,
      step: status,
      sourceType: input.sourceType ?? null,
      sourceFilename: input.sourceFilename ?? null,
      sourceKey: input.sourceKey ?? null,
      sourceSize: input.sourceSize ?? null,
      layerName: input.layerName ?? null,
      options: input.options ?? {},
      parentId: input.parentId ?? null,
      dryRun: input.dryRun ?? false,
      requestId: input.requestId ?? null,
      expiresAt: input.expiresAt ?? null,
      queuedAt: status === JobStatus.Queued ? new Date() : null,
    });
    return repo.save(job);
  }

  async findById(id: string): Promise<IngestJob | null> {
    return this.repo.findOneBy({ id });
  }

  /** The job if `owner` owns it; otherwise a 404 that does not reveal whether it exists. */
  async getForOwner(id: string, owner: string): Promise<IngestJob> {
    const job = await this.repo.findOneBy({ id, owner });
    if (!job) throw new NotFoundError('Job', id);
    return job;
  }

  async listChildren(parentId: string, page: number, perPage: number): Promise<[IngestJob[], number]> {
    return this.repo.findAndCount({
      where: { parentId },
      order: { createdAt: 'ASC', id: 'ASC' },
      skip: (page - 1) * perPage,
      take: perPage,
    });
  }

  /**
   * The one primitive behind every status change. `from` defaults to every status the state machine
   * allows `to` from; `where` adds fencing conditions. Returns the updated job, or null if it lost.
   */
  async transition(
    id: string,
    to: JobStatus,
    opts: { from?: JobStatus[]; set?: Assignments; where?: string[]; params?: unknown[] } = {},
    manager?: EntityManager,
  ): Promise<IngestJob | null> {
    const allowed = sourcesOf(to);
    const from = opts.from ? opts.from.filter((s) => allowed.includes(s)) : allowed;
    const params: unknown[] = [id, from, to, ...(opts.params ?? [])];
    const assignments: Assignments = { status: '$3', updated_at: 'now()', ...opts.set };
    const sets = Object.entries(assignments)
      .map(([column, expr]) => `"${column}" = ${expr}`)
      .join(', ');
    const conditions = ['id = $1', 'status = ANY($2::varchar[])', ...(opts.where ?? [])].join(' AND ');
    const runner = manager ?? this.dataSource.manager;
    const rows = (await runner.query(`UPDATE ingest_jobs SET ${sets} WHERE ${conditions} RETURNING *`, params)) as [
      Record<string, unknown>[],
      number,
    ];
    const raw = rows[0]?.[0];
    return raw ? hydrate<IngestJob>(this.repo.metadata, raw) : null;
  }

  /** Throws 404 when the owner cannot see the job, 409 naming the current status otherwise. */
  private async explainLoss(
    id: string,
    owner: string,
    attempted: JobStatus,
    message?: (s: JobStatus) => string,
  ): Promise<never> {
    const current = await this.getForOwner(id, owner);
    throw new InvalidTransitionError(id, current.status, attempted, message?.(current.status));
  }

  /**
   * `pending → queued`, for the owner, recording the commit's options (merged into `options`) and the
   * layer to ingest. A concurrent or repeated commit gets 409.
   */
  async claimForCommit(
    id: string,
    owner: string,
    options?: Record<string, unknown>,
    layerName?: string | null,
    requestId?: string | null,
  ): Promise<IngestJob> {
    const job = await this.transition(id, JobStatus.Queued, {
      from: [JobStatus.Pending],
      set: {
        queued_at: 'now()',
        step: `'queued'`,
        options: `options || $5::jsonb`,
        layer_name: 'coalesce($6::varchar, layer_name)',
        // The commit is what starts the work: its request id follows the job into the worker's logs.
        request_id: 'coalesce($7::varchar, request_id)',
      },
      where: ['owner = $4', 'source_key IS NOT NULL'],
      params: [owner, JSON.stringify(options ?? {}), layerName ?? null, requestId ?? null],
    });
    if (job) return job;
    const current = await this.getForOwner(id, owner);
    if (current.status === JobStatus.Pending) {
      throw new InvalidTransitionError(
        id,
        current.status,
        JobStatus.Queued,
        'The upload for this job has not been completed yet.',
      );
    }
    throw new InvalidTransitionError(
      id,
      current.status,
      JobStatus.Queued,
      `Job is '${current.status}'; only a pending job can be committed.`,
    );
  }

  /** `pending → fanning_out`: the parent is claimed before any child exists, so a racing commit or fan-out gets 409. */
  async claimForFanOut(id: string, owner: string): Promise<IngestJob> {
    const job = await this.transition(id, JobStatus.FanningOut, {
      from: [JobStatus.Pending],
      set: { step: `'fanning_out'` },
      where: ['owner = $4', 'source_key IS NOT NULL'],
      params: [owner],
    });
    return (
      job ??
      this.explainLoss(id, owner, JobStatus.FanningOut, (s) =>
        s === JobStatus.Pending
          ? 'The upload for this job has not been completed yet.'
          : `Job is '${s}'; only a pending job can be fanned out.`,
      )
    );
  }

  /** Inserts every child of a claimed fan-out parent in one transaction, `queued`, in the given order. */
  async createFanOutChildren(
    parent: IngestJob,
    children: { layerName: string; options: Record<string, unknown> }[],
  ): Promise<IngestJob[]> {
    return this.dataSource.transaction(async (manager) => {
      const created: IngestJob[] = [];
      for (const child of children) {
        created.push(
          await this.create(
            {
              owner: parent.owner,
              importer: parent.importer,
              status: JobStatus.Queued,
              sourceType: parent.sourceType,
              sourceFilename: parent.sourceFilename,
              sourceKey: parent.sourceKey,
              sourceSize: parent.sourceSize,
              layerName: child.layerName,
              options: { ...parent.options, ...child.options },
              parentId: parent.id,
              requestId: parent.requestId,
            },
            manager,
          ),
        );
      }
      return created;
    });
  }

  /** Ends a fan-out: `fanned_out` (terminal) when a child was queued, else back to `pending` for another try. */
  async finishFanOut(id: string, anyQueued: boolean): Promise<IngestJob | null> {
    return anyQueued
      ? this.transition(id, JobStatus.FannedOut, {
          from: [JobStatus.FanningOut],
          set: { step: `'fanned_out'`, completed_at: 'now()', progress: '1' },
        })
      : this.transition(id, JobStatus.Pending, { from: [JobStatus.FanningOut], set: { step: `'pending'` } });
  }

  /**
   * Removes a fan-out's children that no worker has started (none could be queued), so the fan-out can
   * be sent again; returns the ids removed. A child the sweeper already handed to a worker stays.
   */
  async discardChildren(parentId: string): Promise<string[]> {
    const rows = (await this.dataSource.query(
      `DELETE FROM ingest_jobs WHERE parent_id = $1 AND status = 'queued' AND started_at IS NULL RETURNING id`,
      [parentId],
    )) as [{ id: string }[], number];
    return rows[0].map((r) => r.id);
  }

  /** A queued job that could not be put on a queue: `queued → failed`, retryable later. */
  async failUndispatched(id: string, error: JobErrorInfo): Promise<IngestJob | null> {
    return this.transition(id, JobStatus.Failed, {
      from: [JobStatus.Queued],
      set: { completed_at: 'now()', step: `'failed'`, error: '$4::jsonb' },
      params: [JSON.stringify(error)],
    });
  }

  /**
   * Locks a running attempt's row for its publishing transaction: null unless `attemptToken` still owns
   * the job and no cancel was requested (so a superseded or cancelled attempt can never publish).
   */
  async lockAttempt(id: string, attemptToken: string, manager: EntityManager): Promise<IngestJob | null> {
    const rows = (await manager.query(
      `SELECT * FROM ingest_jobs WHERE id = $1 AND status = 'processing' AND attempt_token = $2
         AND cancel_requested_at IS NULL FOR UPDATE`,
      [id, attemptToken],
    )) as Record<string, unknown>[];
    const raw = rows[0];
    return raw ? hydrate<IngestJob>(this.repo.metadata, raw) : null;
  }

  /**
   * A delivery takes the job: `queued → processing`, or `processing → processing` when a new delivery
   * replaces a crashed or retried one. The fresh attempt token fences every later write of the old one.
   * Null if the job was cancelled or is no longer runnable.
   */
  async markStarted(id: string, attemptToken: string): Promise<IngestJob | null> {
    return this.transition(id, JobStatus.Processing, {
      from: [JobStatus.Queued, JobStatus.Processing],
      set: {
        attempt_token: '$4',
        attempts: 'attempts + 1',
        started_at: 'coalesce(started_at, now())',
        step: `'starting'`,
        error: 'NULL',
      },
      where: ['cancel_requested_at IS NULL'],
      params: [attemptToken],
    });
  }

  /** Records progress; false when this attempt no longer owns the job (stop work at once). */
  async reportProgress(id: string, attemptToken: string, update: ProgressUpdate): Promise<boolean> {
    const set: Assignments = {};
    const params: unknown[] = [attemptToken];
    const add = (column: string, value: unknown, cast: string): void => {
      params.push(value);
      set[column] = `$${params.length + 3}::${cast}`;
    };
    if (update.step !== undefined) add('step', update.step, 'varchar');
    if (update.progress !== undefined) add('progress', Math.min(1, Math.max(0, update.progress)), 'float8');
    if (update.rowsTotal !== undefined) add('rows_total', update.rowsTotal, 'bigint');
    if (update.rowsProcessed !== undefined) add('rows_processed', update.rowsProcessed, 'bigint');
    if (update.rowsFailed !== undefined) add('rows_failed', update.rowsFailed, 'bigint');
    const job = await this.transition(id, JobStatus.Processing, {
      from: [JobStatus.Processing],
      set,
      where: ['attempt_token = $4', 'cancel_requested_at IS NULL'],
      params,
    });
    return job !== null;
  }

  async addWarning(id: string, attemptToken: string, warning: JobWarning): Promise<void> {
    await this.transition(id, JobStatus.Processing, {
      from: [JobStatus.Processing],
      set: { warnings: 'warnings || $5::jsonb' },
      where: ['attempt_token = $4'],
      params: [attemptToken, JSON.stringify([warning])],
    });
  }

  /** Terminal success, fenced by the attempt token. */
  async complete(
    id: string,
    attemptToken: string,
    update: CompletionUpdate,
    manager?: EntityManager,
  ): Promise<IngestJob | null> {
    return this.transition(
      id,
      update.status,
      {
        from: [JobStatus.Processing],
        set: {
          completed_at: 'now()',
          progress: '1',
          step: `'done'`,
          result: '$5::jsonb',
          dataset_id: 'coalesce($6::uuid, dataset_id)',
          warnings: 'warnings || $7::jsonb',
          rows_processed: 'coalesce($8::bigint, rows_processed)',
          rows_failed: 'coalesce($9::bigint, rows_failed)',
        },
        where: ['attempt_token = $4'],
        params: [
          attemptToken,
          JSON.stringify(update.result ?? null),
          update.datasetId ?? null,
          JSON.stringify(update.warnings ?? []),
          update.rowsProcessed ?? null,
          update.rowsFailed ?? null,
        ],
      },
      manager,
    );
  }

  /** Terminal failure of a running attempt, fenced by its token. */
  async fail(id: string, attemptToken: string, error: JobErrorInfo): Promise<IngestJob | null> {
    return this.transition(id, JobStatus.Failed, {
      from: [JobStatus.Processing],
      set: { completed_at: 'now()', step: `'failed'`, error: '$5::jsonb' },
      where: ['attempt_token = $4'],
      params: [attemptToken, JSON.stringify(error)],
    });
  }

  /** A running attempt saw the cancel request at a checkpoint and stopped. */
  async markCancelled(id: string, attemptToken: string): Promise<IngestJob | null> {
    return this.transition(id, JobStatus.Cancelled, {
      from: [JobStatus.Processing],
      set: { completed_at: 'now()', step: `'cancelled'` },
      where: ['attempt_token = $4'],
      params: [attemptToken],
    });
  }

  /** A cancel request on a job whose attempt died before reaching a checkpoint. */
  async finishCancellation(id: string): Promise<IngestJob | null> {
    return this.transition(id, JobStatus.Cancelled, {
      from: [JobStatus.Processing],
      set: { completed_at: 'now()', step: `'cancelled'` },
      where: ['cancel_requested_at IS NOT NULL'],
    });
  }

  /** The sweeper gives up on a job no queue entry is running (crashed too often, or unknown importer). */
  async failStranded(id: string, error: JobErrorInfo): Promise<IngestJob | null> {
    return this.transition(id, JobStatus.Failed, {
      from: [JobStatus.Queued, JobStatus.Processing],
      set: { completed_at: 'now()', step: `'failed'`, error: '$4::jsonb', attempt_token: 'NULL' },
      params: [JSON.stringify(error)],
    });
  }

  /**
   * Cooperative cancel. A job that has not started is cancelled at once (and will never start); a
   * running one is flagged and stops at its next checkpoint. Terminal jobs → 409.
   */
  async requestCancel(id: string, owner: string): Promise<IngestJob> {
    const rows = (await this.dataSource.query(
      `UPDATE ingest_jobs SET
         status = CASE WHEN status = 'processing' THEN status ELSE 'cancelled' END,
         step = CASE WHEN status = 'processing' THEN 'cancelling' ELSE 'cancelled' END,
         completed_at = CASE WHEN status = 'processing' THEN completed_at ELSE now() END,
         cancel_requested_at = coalesce(cancel_requested_at, now()),
         updated_at = now()
       WHERE id = $1 AND owner = $2 AND status = ANY($3::varchar[])
       RETURNING *`,
      [id, owner, [JobStatus.Pending, JobStatus.Queued, JobStatus.Processing]],
    )) as [Record<string, unknown>[], number];
    const raw = rows[0]?.[0];
    if (raw) return hydrate<IngestJob>(this.repo.metadata, raw);
    return this.explainLoss(id, owner, JobStatus.Cancelled, (s) =>
      isTerminal(s) ? `Job is already '${s}'; it cannot be cancelled.` : `Job is '${s}'; it cannot be cancelled now.`,
    );
  }

  async isCancelRequested(id: string): Promise<boolean> {
    const job = await this.repo.findOne({ where: { id }, select: { id: true, cancelRequestedAt: true, status: true } });
    return !job || job.cancelRequestedAt !== null || job.status === JobStatus.Cancelled;
  }

  /**
   * `failed → queued` with a clean slate; the next delivery gets a new attempt token. Only jobs that were
   * committed once (an upload that failed before its commit has nothing to run).
   */
  async claimForRetry(id: string, owner: string): Promise<IngestJob> {
    const job = await this.transition(id, JobStatus.Queued, {
      from: [JobStatus.Failed],
      set: {
        queued_at: 'now()',
        step: `'queued'`,
        attempt_token: 'NULL',
        error: 'NULL',
        progress: '0',
        completed_at: 'NULL',
        cancel_requested_at: 'NULL',
      },
      where: ['owner = $4', 'queued_at IS NOT NULL'],
      params: [owner],
    });
    return (
      job ??
      this.explainLoss(id, owner, JobStatus.Queued, (s) =>
        s === JobStatus.Failed
          ? 'This job failed before it was committed; upload the file again.'
          : `Job is '${s}'; only a failed job can be retried.`,
      )
    );
  }

  /** Stores what a preview found, while the job is still pending (commit and fan-out validate against it). */
  async recordPreview(id: string, allLayers: string[], kind: 'vector' | 'raster'): Promise<boolean> {
    const rows = (await this.dataSource.query(
      `UPDATE ingest_jobs SET all_layers = $2::jsonb, options = options || $3::jsonb, updated_at = now()
       WHERE id = $1 AND status = 'pending' RETURNING id`,
      [id, JSON.stringify(allLayers), JSON.stringify({ source_kind: kind })],
    )) as [unknown[], number];
    return rows[1] > 0;
  }

  /** Reads the job and locks its row until the surrounding transaction ends (serialises completions). */
  async lockForUpdate(id: string, manager: EntityManager): Promise<IngestJob | null> {
    const rows = (await manager.query('SELECT * FROM ingest_jobs WHERE id = $1 FOR UPDATE', [id])) as Record<
      string,
      unknown
    >[];
    const raw = rows[0];
    return raw ? hydrate<IngestJob>(this.repo.metadata, raw) : null;
  }

  /** Binds verified source bytes to a pending job (once: a bound job keeps its key). */
  async bindSource(
    id: string,
    key: string,
    options: Record<string, unknown>,
    manager: EntityManager,
  ): Promise<IngestJob | null> {
    const rows = (await manager.query(
      `UPDATE ingest_jobs SET source_key = $2, options = options || $3::jsonb, updated_at = now()
       WHERE id = $1 AND status = 'pending' AND source_key IS NULL RETURNING *`,
      [id, key, JSON.stringify(options)],
    )) as [Record<string, unknown>[], number];
    const raw = rows[0]?.[0];
    return raw ? hydrate<IngestJob>(this.repo.metadata, raw) : null;
  }

  /** A staged job that can never be used (aborted, expired or bad bytes): `pending → failed`. */
  async failPending(id: string, error: JobErrorInfo, manager?: EntityManager): Promise<IngestJob | null> {
    return this.transition(
      id,
      JobStatus.Failed,
      {
        from: [JobStatus.Pending],
        set: { completed_at: 'now()', step: `'failed'`, error: '$4::jsonb' },
        params: [JSON.stringify(error)],
      },
      manager,
    );
  }

  /** Presigned uploads whose window closed before they were completed. */
  async findExpiredUploads(now: Date, limit = 100): Promise<IngestJob[]> {
    return this.repo.find({
      where: { status: JobStatus.Pending, sourceType: 'presigned', sourceKey: IsNull(), expiresAt: LessThan(now) },
      take: limit,
    });
  }

  /** Jobs that should be on a queue: queued for a while, or running but silent for a while. */
  async findStranded(olderThan: Date, limit = 100): Promise<IngestJob[]> {
    return this.repo.find({
      where: [
        { status: JobStatus.Queued, queuedAt: LessThan(olderThan) },
        { status: JobStatus.Processing, updatedAt: LessThan(olderThan) },
      ],
      order: { queuedAt: 'ASC' },
      take: limit,
    });
  }

  async findByIds(ids: string[]): Promise<IngestJob[]> {
    return ids.length === 0 ? [] : this.repo.findBy({ id: In(ids) });
  }
}
