import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { NotFoundError, UUID_PATTERN } from '@app/common';
import { DataSource, LessThan, type EntityManager, type Repository } from 'typeorm';
import type { CommitRequest, ContentKind } from '../commit-options.js';
import { IngestJob, type JobErrorInfo, type JobWarning } from '../entities/ingest-job.entity.js';
import { JobKind, JobStep, type ProgressStep } from '../job-kind.js';
import type { JobParams } from '../job-params.js';
import { SOURCE_READY_SQL, isSourceReady, type JobSource } from '../job-source.js';
import { InvalidTransitionError, JobStatus, isTerminal, sourcesOf } from '../job-status.js';
import { hydrate } from './hydrate.js';
import { selectByKeys, selectOne, selectPage } from './page.js';
import { ReadBatcher } from './read-batcher.js';
import { NOW, PositionalParams, jsonb, sql, type SqlFragment } from './sql.js';
import { unflushed } from './unflushed.js';

export interface NewJob {
  /** Chosen by the caller when it must name storage keys after the job before the row exists. */
  id?: string;
  owner: string;
  kind: JobKind;
  /** Importer slug; defaults to the built-in one of the kind (`dataset`, `diagnostics`). */
  importer?: string;
  status?: JobStatus.Pending | JobStatus.Queued;
  source: JobSource;
  params: JobParams;
  sourceFilename?: string | null;
  layerName?: string | null;
  contentKind?: ContentKind | null;
  allLayers?: string[] | null;
  parentId?: string | null;
  dryRun?: boolean;
  requestId?: string | null;
  expiresAt?: Date | null;
}

export interface ProgressUpdate {
  step?: ProgressStep;
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

/** What a commit records on the job it claims. */
export interface CommitClaim {
  commit: CommitRequest;
  layerName: string | null;
  requestId: string | null;
}

type JobColumn =
  | 'status'
  | 'step'
  | 'progress'
  | 'rows_total'
  | 'rows_processed'
  | 'rows_failed'
  | 'warnings'
  | 'error'
  | 'attempt_token'
  | 'attempts'
  | 'params'
  | 'source'
  | 'layer_name'
  | 'all_layers'
  | 'content_kind'
  | 'result'
  | 'dataset_id'
  | 'request_id'
  | 'cancel_requested_at'
  | 'queued_at'
  | 'started_at'
  | 'completed_at';

/** `SET column = value`: a plain value becomes a parameter; a fragment is SQL (with named parameters). */
type Assignments = Partial<Record<JobColumn, SqlFragment | string | number | boolean | null>>;

interface GuardedUpdate {
  /** The statuses the row must be in. */
  statuses: readonly JobStatus[];
  set: Assignments;
  /** Further conditions (fencing by owner, attempt token, source readiness…). */
  where?: SqlFragment[];
}

const DATASET_KINDS = [JobKind.FileDataset, JobKind.ServiceDataset];
const DEFAULT_IMPORTER: Record<JobKind, string> = {
  [JobKind.FileDataset]: 'dataset',
  [JobKind.ServiceDataset]: 'dataset',
  [JobKind.Vrt]: 'vrt',
  [JobKind.ImportRun]: 'import',
  [JobKind.Diagnostics]: 'diagnostics',
};

const ownedBy = (owner: string): SqlFragment => sql('owner = :owner', { owner });
const heldBy = (attemptToken: string): SqlFragment => sql('attempt_token = :token', { token: attemptToken });
const NO_CANCEL_REQUEST = sql('cancel_requested_at IS NULL');
const SOURCE_READY = sql(SOURCE_READY_SQL);
const finished = (step: JobStep): Assignments => ({ completed_at: NOW, step });

/**
 * `params` with the stored commit options replaced by a retry's: a value replaces the stored one, null
 * removes it (back to its default), an absent field keeps what the commit asked for.
 */
function retriedCommit(options: CommitRequest): SqlFragment {
  const entries = Object.entries(options).filter(([, value]) => value !== undefined);
  return sql(
    `jsonb_set(params, '{commit}', (coalesce(params->'commit', '{}'::jsonb) - :cleared::text[]) || :given::jsonb)`,
    {
      cleared: entries.filter(([, value]) => value === null).map(([key]) => key),
      given: JSON.stringify(Object.fromEntries(entries.filter(([, value]) => value !== null))),
    },
  );
}

/**
 * Owns every write to `ingest_jobs`. Each status change is one guarded `UPDATE … WHERE status IN (…)
 * RETURNING *`; a lost race returns `null` (worker-side) or throws a 409 (user-side), never overwrites.
 */
/** The properties of a job its API view shows (`toJobResponse`). */
export const JOB_VIEW = [
  'id',
  'status',
  'step',
  'progress',
  'rowsProcessed',
  'rowsFailed',
  'rowsTotal',
  'warnings',
  'error',
  'datasetId',
  'parentId',
  'attempts',
  'importer',
  'dryRun',
  'sourceFilename',
  'layerName',
  'result',
  'createdAt',
  'startedAt',
  'completedAt',
] as const satisfies readonly (keyof IngestJob)[];
export type JobViewProperty = (typeof JOB_VIEW)[number];
export type JobView = Pick<IngestJob, JobViewProperty>;

/** A row's id and the owner it must belong to. */
interface OwnedId {
  id: string;
  owner: string;
}

@Injectable()
export class JobRepository {
  private readonly repo: Repository<IngestJob>;
  /** `getViewForOwner`'s reads, by id and owner, batched into one statement under load. */
  private readonly views: ReadBatcher<OwnedId, JobView>;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.repo = dataSource.getRepository(IngestJob);
    this.views = new ReadBatcher(
      (key) => `${key.id}/${key.owner}`,
      (keys) =>
        selectByKeys<JobView>(
          this.dataSource,
          this.repo.metadata,
          ['id', 'owner'],
          keys.map((key) => [key.id, key.owner]),
          JOB_VIEW,
        ),
    );
  }

  async create(input: NewJob, manager?: EntityManager): Promise<IngestJob> {
    if (input.params.kind !== input.kind)
      throw new Error(`params for '${input.params.kind}' given to a '${input.kind}' job`);
    const repo = manager ? manager.getRepository(IngestJob) : this.repo;
    const status = input.status ?? JobStatus.Pending;
    const job = repo.create({
      ...(input.id ? { id: input.id } : {}),
      owner: input.owner,
      kind: input.kind,
      importer: input.importer ?? DEFAULT_IMPORTER[input.kind],
      status,
      step: status === JobStatus.Queued ? JobStep.Queued : JobStep.Pending,
      source: input.source,
      params: input.params,
      sourceFilename: input.sourceFilename ?? null,
      layerName: input.layerName ?? null,
      contentKind: input.contentKind ?? null,
      allLayers: input.allLayers ?? null,
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

  /**
   * The job if `owner` owns it; otherwise a 404 that does not reveal whether it exists. The hottest read
   * of the API (clients poll it): one fixed statement hydrated like the `RETURNING *` paths (`selectOne`),
   * not a query built per call (TypeORM's builder cost more CPU than the query itself).
   */
  async getForOwner(id: string, owner: string): Promise<IngestJob> {
    const job = await selectOne<IngestJob>(this.dataSource, this.repo.metadata, { id, owner });
    if (!job) throw new NotFoundError('Job', id);
    return job;
  }

  /**
   * What `GET /api/jobs/{id}` shows of the owner's job, and only that: the hottest read of the API
   * (clients poll it) leaves out the job's parameters, source and options, which are the bulk of a row
   * to parse and validate. Concurrent reads go to the database together (`ReadBatcher`), each still
   * seeing every write committed before it was asked. An id that is not a UUID is no job's (and must not
   * fail the batch it would join).
   */
  async getViewForOwner(id: string, owner: string): Promise<JobView> {
    const job = UUID_PATTERN.test(id) ? await this.views.load({ id: id.toLowerCase(), owner }) : undefined;
    if (!job) throw new NotFoundError('Job', id);
    return job;
  }

  async listChildren(parentId: string, page: number, perPage: number): Promise<[IngestJob[], number]> {
    return selectPage<IngestJob>(this.dataSource, this.repo.metadata, {
      equal: { parent_id: parentId },
      orderBy: 'created_at ASC, id ASC',
      page,
      perPage,
    });
  }

  /**
   * The one primitive behind every status change: moves the job to `to` from `from` (default: every
   * status the state machine allows `to` from) when the extra conditions hold. Null if it lost.
   */
  async transition(
    id: string,
    to: JobStatus,
    opts: { from?: JobStatus[]; set?: Assignments; where?: SqlFragment[] } = {},
    manager?: EntityManager,
  ): Promise<IngestJob | null> {
    const allowed = sourcesOf(to);
    const from = opts.from ? opts.from.filter((s) => allowed.includes(s)) : allowed;
    return this.guardedUpdate(id, { statuses: from, set: { ...opts.set, status: to }, where: opts.where }, manager);
  }

  /** `UPDATE … WHERE id AND status IN (…) AND … RETURNING *`, with named parameters. */
  private async guardedUpdate(id: string, update: GuardedUpdate, manager?: EntityManager): Promise<IngestJob | null> {
    const params = new PositionalParams();
    const sets = Object.entries({ ...update.set, updated_at: NOW })
      .map(([column, value]) => `"${column}" = ${params.assign(value)}`)
      .join(', ');
    const conditions = [
      `id = ${params.value(id)}`,
      `status = ANY(${params.value(update.statuses)}::varchar[])`,
      ...(update.where ?? []).map((condition) => `(${params.render(condition)})`),
    ].join(' AND ');
    const runner = manager ?? this.dataSource.manager;
    const rows = (await runner.query(
      `UPDATE ingest_jobs SET ${sets} WHERE ${conditions} RETURNING *`,
      params.values,
    )) as [Record<string, unknown>[], number];
    const raw = rows[0]?.[0];
    return raw ? hydrate<IngestJob>(this.repo.metadata, raw) : null;
  }

  /** Throws 404 when the owner cannot see the job, 409 naming the current status otherwise. */
  private async explainLoss(
    id: string,
    owner: string,
    attempted: JobStatus,
    message?: (job: IngestJob) => string,
  ): Promise<never> {
    const current = await this.getForOwner(id, owner);
    throw new InvalidTransitionError(id, current.status, attempted, message?.(current));
  }

  /**
   * `pending → queued`, for the owner, recording the commit's options and the layer to ingest. Only
   * dataset jobs whose source is ready (an upload that completed) can be committed; a concurrent or
   * repeated commit gets 409.
   */
  async claimForCommit(id: string, owner: string, claim: CommitClaim): Promise<IngestJob> {
    const job = await this.transition(id, JobStatus.Queued, {
      from: [JobStatus.Pending],
      set: {
        queued_at: NOW,
        step: JobStep.Queued,
        params: sql(`jsonb_set(params, '{commit}', :commit::jsonb)`, { commit: JSON.stringify(claim.commit) }),
        layer_name: sql('coalesce(:layer::varchar, layer_name)', { layer: claim.layerName }),
        // The commit is what starts the work: its request id follows the job into the worker's logs.
        request_id: sql('coalesce(:request::varchar, request_id)', { request: claim.requestId }),
      },
      where: [ownedBy(owner), SOURCE_READY, sql('kind = ANY(:kinds::varchar[])', { kinds: DATASET_KINDS })],
    });
    return job ?? this.explainLoss(id, owner, JobStatus.Queued, (current) => notCommittable(current, 'committed'));
  }

  /** `pending → fanning_out`: the parent is claimed before any child exists, so a racing commit or fan-out gets 409. */
  async claimForFanOut(id: string, owner: string): Promise<IngestJob> {
    const job = await this.transition(id, JobStatus.FanningOut, {
      from: [JobStatus.Pending],
      set: { step: JobStep.FanningOut },
      where: [ownedBy(owner), SOURCE_READY, sql('kind = :kind', { kind: JobKind.FileDataset })],
    });
    return job ?? this.explainLoss(id, owner, JobStatus.FanningOut, (current) => notCommittable(current, 'fanned out'));
  }

  /** Inserts every child of a claimed fan-out parent in one transaction, `queued`, in the given order. */
  async createFanOutChildren(
    parent: IngestJob,
    children: { layerName: string; commit: CommitRequest }[],
  ): Promise<IngestJob[]> {
    if (parent.params.kind !== JobKind.FileDataset) throw new Error('only file jobs fan out');
    const kind = parent.params.kind;
    return this.dataSource.transaction(async (manager) => {
      const created: IngestJob[] = [];
      for (const child of children) {
        created.push(
          await this.create(
            {
              owner: parent.owner,
              kind,
              importer: parent.importer,
              status: JobStatus.Queued,
              source: parent.source,
              params: { kind, commit: child.commit },
              sourceFilename: parent.sourceFilename,
              contentKind: parent.contentKind,
              allLayers: parent.allLayers,
              layerName: child.layerName,
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
          set: { ...finished(JobStep.FannedOut), progress: 1 },
        })
      : this.transition(id, JobStatus.Pending, { from: [JobStatus.FanningOut], set: { step: JobStep.Pending } });
  }

  /**
   * Removes a fan-out's children that no worker has started (none could be queued), so the fan-out can
   * be sent again; returns the ids removed. A child the sweeper already handed to a worker stays.
   */
  async discardChildren(parentId: string): Promise<string[]> {
    const rows = (await this.dataSource.query(
      `DELETE FROM ingest_jobs WHERE parent_id = $1 AND status = $2 AND started_at IS NULL RETURNING id`,
      [parentId, JobStatus.Queued],
    )) as [{ id: string }[], number];
    return rows[0].map((r) => r.id);
  }

  /** A queued job that could not be put on a queue: `queued → failed`, retryable later. */
  async failUndispatched(id: string, error: JobErrorInfo): Promise<IngestJob | null> {
    return this.transition(id, JobStatus.Failed, {
      from: [JobStatus.Queued],
      set: { ...finished(JobStep.Failed), error: jsonb(error) },
    });
  }

  /**
   * Locks a running attempt's row for its publishing transaction: null unless `attemptToken` still owns
   * the job and no cancel was requested (so a superseded or cancelled attempt can never publish).
   */
  async lockAttempt(id: string, attemptToken: string, manager: EntityManager): Promise<IngestJob | null> {
    const rows = (await manager.query(
      `SELECT * FROM ingest_jobs WHERE id = $1 AND status = $2 AND attempt_token = $3
         AND cancel_requested_at IS NULL FOR UPDATE`,
      [id, JobStatus.Processing, attemptToken],
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
        attempt_token: attemptToken,
        attempts: sql('attempts + 1'),
        started_at: sql('coalesce(started_at, now())'),
        step: JobStep.Starting,
        error: null,
      },
      where: [NO_CANCEL_REQUEST],
    });
  }

  /** Records progress; false when this attempt no longer owns the job (stop work at once). */
  /** Progress is advisory: written without waiting for the WAL flush (`unflushed`). */
  async reportProgress(id: string, attemptToken: string, update: ProgressUpdate): Promise<boolean> {
    const set: Assignments = {};
    if (update.step !== undefined) set.step = update.step;
    if (update.progress !== undefined) set.progress = Math.min(1, Math.max(0, update.progress));
    if (update.rowsTotal !== undefined) set.rows_total = update.rowsTotal;
    if (update.rowsProcessed !== undefined) set.rows_processed = update.rowsProcessed;
    if (update.rowsFailed !== undefined) set.rows_failed = update.rowsFailed;
    const job = await unflushed(this.dataSource, (manager) =>
      this.transition(
        id,
        JobStatus.Processing,
        { from: [JobStatus.Processing], set, where: [heldBy(attemptToken), NO_CANCEL_REQUEST] },
        manager,
      ),
    );
    return job !== null;
  }

  async addWarning(id: string, attemptToken: string, warning: JobWarning): Promise<void> {
    await this.transition(id, JobStatus.Processing, {
      from: [JobStatus.Processing],
      set: { warnings: sql('warnings || :warning::jsonb', { warning: JSON.stringify([warning]) }) },
      where: [heldBy(attemptToken)],
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
          ...finished(JobStep.Done),
          progress: 1,
          result: jsonb(update.result ?? null),
          dataset_id: sql('coalesce(:dataset::uuid, dataset_id)', { dataset: update.datasetId ?? null }),
          warnings: sql('warnings || :warnings::jsonb', { warnings: JSON.stringify(update.warnings ?? []) }),
          rows_processed: sql('coalesce(:n::bigint, rows_processed)', { n: update.rowsProcessed ?? null }),
          rows_failed: sql('coalesce(:n::bigint, rows_failed)', { n: update.rowsFailed ?? null }),
        },
        where: [heldBy(attemptToken)],
      },
      manager,
    );
  }

  /** Terminal failure of a running attempt, fenced by its token. */
  async fail(id: string, attemptToken: string, error: JobErrorInfo): Promise<IngestJob | null> {
    return this.transition(id, JobStatus.Failed, {
      from: [JobStatus.Processing],
      set: { ...finished(JobStep.Failed), error: jsonb(error) },
      where: [heldBy(attemptToken)],
    });
  }

  /** A running attempt saw the cancel request at a checkpoint and stopped. */
  async markCancelled(id: string, attemptToken: string): Promise<IngestJob | null> {
    return this.transition(id, JobStatus.Cancelled, {
      from: [JobStatus.Processing],
      set: finished(JobStep.Cancelled),
      where: [heldBy(attemptToken)],
    });
  }

  /** A cancel request on a job whose attempt died before reaching a checkpoint. */
  async finishCancellation(id: string): Promise<IngestJob | null> {
    return this.transition(id, JobStatus.Cancelled, {
      from: [JobStatus.Processing],
      set: finished(JobStep.Cancelled),
      where: [sql('cancel_requested_at IS NOT NULL')],
    });
  }

  /** The sweeper gives up on a job no queue entry is running (crashed too often, or nothing can run it). */
  async failStranded(id: string, error: JobErrorInfo): Promise<IngestJob | null> {
    return this.transition(id, JobStatus.Failed, {
      from: [JobStatus.Queued, JobStatus.Processing],
      set: { ...finished(JobStep.Failed), error: jsonb(error), attempt_token: null },
    });
  }

  /**
   * Cooperative cancel. A job that has not started is cancelled at once (and will never start); a
   * running one is flagged and stops at its next checkpoint. Terminal jobs → 409.
   */
  async requestCancel(id: string, owner: string): Promise<IngestJob> {
    const requested = sql('coalesce(cancel_requested_at, now())');
    const cancelled = await this.transition(id, JobStatus.Cancelled, {
      from: [JobStatus.Pending, JobStatus.Queued],
      set: { ...finished(JobStep.Cancelled), cancel_requested_at: requested },
      where: [ownedBy(owner)],
    });
    if (cancelled) return cancelled;
    // Running: the status stays; the attempt sees the request at its next checkpoint.
    const flagged = await this.guardedUpdate(id, {
      statuses: [JobStatus.Processing],
      set: { step: JobStep.Cancelling, cancel_requested_at: requested },
      where: [ownedBy(owner)],
    });
    if (flagged) return flagged;
    return this.explainLoss(id, owner, JobStatus.Cancelled, ({ status }) =>
      isTerminal(status)
        ? `Job is already '${status}'; it cannot be cancelled.`
        : `Job is '${status}'; it cannot be cancelled now.`,
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
  async claimForRetry(id: string, owner: string, options: CommitRequest | null = null): Promise<IngestJob> {
    const job = await this.transition(id, JobStatus.Queued, {
      from: [JobStatus.Failed],
      set: {
        queued_at: NOW,
        step: JobStep.Queued,
        attempt_token: null,
        error: null,
        progress: 0,
        completed_at: null,
        cancel_requested_at: null,
        ...(options ? { params: retriedCommit(options) } : {}),
      },
      where: [
        ownedBy(owner),
        sql('queued_at IS NOT NULL'),
        // Only a dataset job has commit options to replace.
        ...(options ? [sql('kind = ANY(:kinds::varchar[])', { kinds: DATASET_KINDS })] : []),
      ],
    });
    return (
      job ??
      this.explainLoss(id, owner, JobStatus.Queued, ({ status }) =>
        status === JobStatus.Failed
          ? 'This job failed before it was committed; upload the file again.'
          : `Job is '${status}'; only a failed job can be retried.`,
      )
    );
  }

  /** Stores what a preview found, while the job is still pending (commit and fan-out validate against it). */
  async recordPreview(id: string, allLayers: string[], content: ContentKind): Promise<boolean> {
    const job = await this.guardedUpdate(id, {
      statuses: [JobStatus.Pending],
      set: { all_layers: jsonb(allLayers), content_kind: content },
    });
    return job !== null;
  }

  /**
   * Takes the completion lease of a pending presigned upload: only its holder assembles, checks and
   * binds the bytes, and it holds no row lock or connection while talking to storage. Null while
   * another completion holds an unexpired lease, or when the upload is no longer completable.
   */
  async leaseUploadCompletion(id: string, owner: string, token: string, ttlMs: number): Promise<IngestJob | null> {
    return this.guardedUpdate(id, {
      statuses: [JobStatus.Pending],
      set: {
        source: sql(
          `jsonb_set(source, '{upload,completing}',
             jsonb_build_object('token', :token::text, 'until', (now() + :ttl * interval '1 millisecond')::text))`,
          { token, ttl: ttlMs },
        ),
      },
      where: [
        ownedBy(owner),
        sql(`source->>'type' = 'stored-file' AND source->'upload'->>'mode' = 'presigned' AND source->>'key' IS NULL`),
        sql(
          `(source->'upload'->'completing' IS NULL OR jsonb_typeof(source->'upload'->'completing') = 'null'
            OR (source->'upload'->'completing'->>'until')::timestamptz < now())`,
        ),
      ],
    });
  }

  /** Binds verified bytes to the job and ends the completion lease (only its holder can). */
  async bindUploadedSource(id: string, token: string, key: string, digest: string): Promise<IngestJob | null> {
    return this.guardedUpdate(id, {
      statuses: [JobStatus.Pending],
      set: {
        source: sql(
          `jsonb_set(jsonb_set(jsonb_set(source, '{key}', to_jsonb(:key::text)),
             '{upload,completion_digest}', to_jsonb(:digest::text)), '{upload,completing}', 'null'::jsonb)`,
          { key, digest },
        ),
      },
      where: [sql(`source->>'key' IS NULL AND source->'upload'->'completing'->>'token' = :token`, { token })],
    });
  }

  /** Gives the completion lease back (the completion failed and may be tried again). */
  async releaseUploadCompletion(id: string, token: string): Promise<void> {
    await this.guardedUpdate(id, {
      statuses: [JobStatus.Pending],
      set: { source: sql(`jsonb_set(source, '{upload,completing}', 'null'::jsonb)`) },
      where: [sql(`source->'upload'->'completing'->>'token' = :token`, { token })],
    });
  }

  /** A staged job that can never be used (aborted, expired or bad bytes): `pending → failed`. */
  async failPending(id: string, error: JobErrorInfo, where: SqlFragment[] = []): Promise<IngestJob | null> {
    return this.transition(id, JobStatus.Failed, {
      from: [JobStatus.Pending],
      set: { ...finished(JobStep.Failed), error: jsonb(error) },
      where,
    });
  }

  /** An abandoned upload (aborted, expired or rejected): fails unless it completed meanwhile. */
  async failUnboundUpload(id: string, error: JobErrorInfo, leaseToken?: string): Promise<IngestJob | null> {
    return this.failPending(id, error, [
      sql(`source->>'key' IS NULL`),
      leaseToken
        ? sql(`source->'upload'->'completing'->>'token' = :token`, { token: leaseToken })
        : sql(
            `(jsonb_typeof(source->'upload'->'completing') IS DISTINCT FROM 'object'
              OR (source->'upload'->'completing'->>'until')::timestamptz < now())`,
          ),
    ]);
  }

  /** Presigned uploads whose window closed before they were completed. */
  async findExpiredUploads(now: Date, limit = 100): Promise<IngestJob[]> {
    return this.repo
      .createQueryBuilder('job')
      .where('job.status = :status', { status: JobStatus.Pending })
      .andWhere(`job.source->>'type' = 'stored-file' AND job.source->'upload'->>'mode' = 'presigned'`)
      .andWhere(`job.source->>'key' IS NULL`)
      .andWhere('job.expires_at < :now', { now })
      .take(limit)
      .getMany();
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
}

/** Why a pending job could not be committed or fanned out, in the user's terms. */
function notCommittable(job: IngestJob, verb: 'committed' | 'fanned out'): string {
  if (job.status !== JobStatus.Pending) return `Job is '${job.status}'; only a pending job can be ${verb}.`;
  if (!isSourceReady(job.source)) return 'The upload for this job has not been completed yet.';
  return `A ${job.kind} job cannot be ${verb}.`;
}
