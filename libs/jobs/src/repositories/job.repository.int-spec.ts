import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError } from '@app/common';
import { parseConfig } from '@app/config';
import {
  InvalidJobDocumentError,
  InvalidTransitionError,
  JobKind,
  JobRepository,
  JobStatus,
  JobStep,
  createDataSource,
  isSourceReady,
  parseJobParams,
  parseJobSource,
  type CommitClaim,
  type CommitRequest,
  type IngestJob,
  type JobErrorInfo,
  type NewJob,
  type StoredFileSource,
  type UploadState,
} from '@app/jobs';
import type { DataSource } from 'typeorm';
import { committedUnflushed, statementsDuring } from '../../../../test/support/query-log.js';

/** A stored file whose bytes arrived directly (bound at creation). */
const fileSource = (key = 'staging/x/f.gpkg', size = 1234): StoredFileSource => ({
  type: 'stored-file',
  key,
  size,
  upload: { mode: 'direct' },
});

/** A presigned upload the client has not completed yet: no key is bound. */
const presignedSource = (incomingKey = `staging/${randomUUID()}/incoming/f.gpkg`): StoredFileSource => ({
  type: 'stored-file',
  key: null,
  size: 2048,
  upload: {
    mode: 'presigned',
    incoming_key: incomingKey,
    upload_id: null,
    part_size: null,
    part_count: 1,
    content_type: 'application/geopackage+sqlite3',
    completion_digest: null,
    completing: null,
  },
});

const diagnosticsJob = (steps = 2): Pick<NewJob, 'kind' | 'source' | 'params'> => ({
  kind: JobKind.Diagnostics,
  source: { type: 'none' },
  params: { kind: JobKind.Diagnostics, steps, step_ms: 0, fail_with: null },
});

const claim = (commit: CommitRequest = { title: 'T' }, layerName: string | null = null): CommitClaim => ({
  commit,
  layerName,
  requestId: null,
});

/** The presigned upload state of a job (fails the test if it has none). */
function uploadOf(job: IngestJob | null): Extract<UploadState, { mode: 'presigned' }> {
  expect(job?.source.type).toBe('stored-file');
  const upload = job?.source.type === 'stored-file' ? job.source.upload : null;
  if (upload?.mode !== 'presigned') throw new Error('expected a presigned upload');
  return upload;
}

/** The SQLSTATE and constraint of a failed query; fails the test if it succeeds. */
async function queryError(run: Promise<unknown>): Promise<{ code?: string; constraint?: string }> {
  try {
    await run;
  } catch (error) {
    const e = error as { driverError?: { code?: string; constraint?: string }; code?: string; constraint?: string };
    return { code: e.driverError?.code ?? e.code, constraint: e.driverError?.constraint ?? e.constraint };
  }
  throw new Error('expected the query to fail');
}

/** The error a promise rejects with; fails the test if it resolves. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

async function invalidTransitionOf(promise: Promise<unknown>): Promise<InvalidTransitionError> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(InvalidTransitionError);
  return error as InvalidTransitionError;
}

function fulfilled<T>(results: PromiseSettledResult<T>[]): T[] {
  return results.filter((r): r is PromiseFulfilledResult<T> => r.status === 'fulfilled').map((r) => r.value);
}

function rejected<T>(results: PromiseSettledResult<T>[]): unknown[] {
  return results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown);
}

describe('JobRepository (PostgreSQL)', () => {
  let dataSource: DataSource;
  let jobs: JobRepository;
  // Every row this file creates belongs to this owner (or `stranger`), so parallel files never meet.
  const owner = `it-jobs-${randomUUID()}`;
  const stranger = `it-jobs-other-${randomUUID()}`;

  beforeAll(async () => {
    dataSource = createDataSource(parseConfig(process.env), 'strata-int-job-repository');
    await dataSource.initialize();
    jobs = new JobRepository(dataSource);
  });

  afterAll(async () => {
    // Nothing left queued or processing for another suite's sweeper to pick up from the shared database.
    await dataSource?.query(
      `UPDATE ingest_jobs SET status = 'cancelled' WHERE owner = ANY($1) AND status IN ('queued', 'processing')`,
      [[owner, stranger]],
    );
    await dataSource?.destroy();
  });

  /** A file → dataset job on a bound stored file, uncommitted; `overrides` replace any field. */
  const newJob = (overrides: Partial<NewJob> = {}): Promise<IngestJob> =>
    jobs.create({
      owner,
      kind: JobKind.FileDataset,
      source: fileSource(),
      params: { kind: JobKind.FileDataset, commit: null },
      ...overrides,
    });

  /** A pending presigned upload whose window is open for a day (so no sweeper reaps it meanwhile). */
  const presignedJob = (): Promise<IngestJob> =>
    newJob({ source: presignedSource(), sourceFilename: 'f.gpkg', expiresAt: new Date(Date.now() + 86_400_000) });

  /** A job a delivery holding `token` is running. */
  async function runningJob(token = randomUUID()): Promise<IngestJob> {
    const job = await newJob({ status: JobStatus.Queued });
    const started = await jobs.markStarted(job.id, token);
    expect(started?.status).toBe(JobStatus.Processing);
    return started!;
  }

  async function reload(id: string): Promise<IngestJob> {
    const job = await jobs.findById(id);
    expect(job).not.toBeNull();
    return job!;
  }

  describe('create and read', () => {
    it('persists a pending job with defaults and the given fields', async () => {
      const job = await newJob({
        source: fileSource('staging/x/roads.gpkg', 1234),
        sourceFilename: 'roads.gpkg',
        contentKind: 'vector',
        allLayers: ['roads', 'rivers'],
        requestId: 'req-create',
        dryRun: true,
      });
      expect(job.id).toMatch(/^[0-9a-f-]{36}$/);

      const stored = await reload(job.id);
      expect(stored).toMatchObject({
        owner,
        kind: JobKind.FileDataset,
        importer: 'dataset',
        status: JobStatus.Pending,
        step: 'pending',
        progress: 0,
        rowsProcessed: 0,
        rowsFailed: 0,
        attempts: 0,
        attemptToken: null,
        sourceFilename: 'roads.gpkg',
        source: { type: 'stored-file', key: 'staging/x/roads.gpkg', size: 1234, upload: { mode: 'direct' } },
        params: { kind: JobKind.FileDataset, commit: null },
        contentKind: 'vector',
        allLayers: ['roads', 'rivers'],
        layerName: null,
        requestId: 'req-create',
        dryRun: true,
        warnings: [],
        queuedAt: null,
        startedAt: null,
        completedAt: null,
        expiresAt: null,
      });
    });

    it('takes the importer of the kind unless one is given', async () => {
      expect((await newJob()).importer).toBe('dataset');
      const diagnostics = await newJob(diagnosticsJob());
      expect(await reload(diagnostics.id)).toMatchObject({
        kind: JobKind.Diagnostics,
        importer: 'diagnostics',
        source: { type: 'none' },
        params: { kind: JobKind.Diagnostics, steps: 2, step_ms: 0, fail_with: null },
      });
      expect((await newJob({ importer: 'parcels-v2' })).importer).toBe('parcels-v2');
    });

    it('refuses parameters of another kind before writing anything', async () => {
      const id = randomUUID();
      const error = await rejectionOf(
        newJob({ id, params: { kind: JobKind.Diagnostics, steps: 1, step_ms: 0, fail_with: null } }),
      );
      expect((error as Error).message).toBe("params for 'diagnostics' given to a 'file-dataset' job");
      expect(await jobs.findById(id)).toBeNull();
    });

    it('stamps queuedAt when a job is created already queued', async () => {
      const job = await newJob({ status: JobStatus.Queued });
      const stored = await reload(job.id);
      expect(stored.status).toBe(JobStatus.Queued);
      expect(stored.queuedAt).toBeInstanceOf(Date);
    });

    it("getForOwner returns the owner's job", async () => {
      const job = await newJob();
      const found = await jobs.getForOwner(job.id, owner);
      expect(found.id).toBe(job.id);
      expect(found.owner).toBe(owner);
    });

    it('getForOwner gives the same 404 for "not yours" and "does not exist"', async () => {
      const job = await newJob();
      const missingId = randomUUID();

      const notYours = await rejectionOf(jobs.getForOwner(job.id, stranger));
      const missing = await rejectionOf(jobs.getForOwner(missingId, owner));

      for (const error of [notYours, missing]) {
        expect(error).toBeInstanceOf(NotFoundError);
        expect((error as NotFoundError).status).toBe(404);
      }
      const generic = (error: unknown, id: string): string => (error as Error).message.replace(id, '<id>');
      expect(generic(notYours, job.id)).toBe(generic(missing, missingId));
      expect((notYours as NotFoundError).extensions).toEqual((missing as NotFoundError).extensions);
    });
  });

  describe('claimForCommit', () => {
    it('moves pending → queued once; a second claim is a 409 naming the current status', async () => {
      const job = await newJob({ source: fileSource('staging/x/roads.gpkg'), contentKind: 'vector' });
      const claimed = await jobs.claimForCommit(job.id, owner, {
        commit: { title: 'Roads', srid_override: 25832 },
        layerName: 'roads',
        requestId: 'req-commit',
      });
      expect(claimed.status).toBe(JobStatus.Queued);
      expect(claimed.step).toBe('queued');
      expect(claimed.queuedAt).toBeInstanceOf(Date);
      expect(claimed.params).toEqual({ kind: JobKind.FileDataset, commit: { title: 'Roads', srid_override: 25832 } });
      expect(claimed.contentKind).toBe('vector');
      expect(claimed.layerName).toBe('roads');
      expect(claimed.requestId).toBe('req-commit');
      expect(await reload(job.id)).toMatchObject({
        params: claimed.params,
        layerName: 'roads',
        requestId: 'req-commit',
      });

      const error = await invalidTransitionOf(jobs.claimForCommit(job.id, owner, claim({ title: 'Again' }, 'rivers')));
      expect(error.status).toBe(409);
      expect(error.current).toBe(JobStatus.Queued);
      expect(error.extensions).toEqual({ current_status: 'queued' });
      expect(error.message).toContain("'queued'");
      // The loser changed nothing: the first commit's options and layer stay.
      expect(await reload(job.id)).toMatchObject({
        status: JobStatus.Queued,
        params: claimed.params,
        layerName: 'roads',
      });
    });

    it('keeps the layer and request id the job has when the commit names none', async () => {
      const job = await newJob({ layerName: 'only', requestId: 'req-create' });
      const claimed = await jobs.claimForCommit(job.id, owner, claim({ title: 'Only' }));
      expect(claimed).toMatchObject({ layerName: 'only', requestId: 'req-create' });
    });

    it("is a 404 on another owner's job and leaves it pending", async () => {
      const job = await newJob();
      expect(await rejectionOf(jobs.claimForCommit(job.id, stranger, claim()))).toBeInstanceOf(NotFoundError);
      expect(await reload(job.id)).toMatchObject({ status: JobStatus.Pending, params: { commit: null } });
    });

    it('is a 409 saying why while a presigned upload has not been completed', async () => {
      const job = await presignedJob();
      const error = await invalidTransitionOf(jobs.claimForCommit(job.id, owner, claim()));
      expect(error.status).toBe(409);
      expect(error.current).toBe(JobStatus.Pending);
      expect(error.message).toBe('The upload for this job has not been completed yet.');
      expect(await reload(job.id)).toMatchObject({ status: JobStatus.Pending, params: { commit: null } });
    });

    it('is a 409 for a job that is not a dataset job (diagnostics)', async () => {
      const job = await newJob(diagnosticsJob());
      const error = await invalidTransitionOf(jobs.claimForCommit(job.id, owner, claim()));
      expect(error.status).toBe(409);
      expect(error.current).toBe(JobStatus.Pending);
      expect(error.message).toBe('A diagnostics job cannot be committed.');
      expect(await reload(job.id)).toMatchObject({
        status: JobStatus.Pending,
        params: { kind: JobKind.Diagnostics, steps: 2, step_ms: 0, fail_with: null },
      });
    });

    it('lets exactly one of 20 concurrent commits win', async () => {
      const job = await newJob();
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => jobs.claimForCommit(job.id, owner, claim({ title: `t${i}` }, `l${i}`))),
      );
      expect(fulfilled(results)).toHaveLength(1);
      expect(rejected(results).every((e) => e instanceof InvalidTransitionError)).toBe(true);
      const winner = fulfilled(results)[0]!;
      const stored = await reload(job.id);
      expect(stored.params).toEqual(winner.params);
      expect(stored.layerName).toBe(winner.layerName);
      expect(winner.params).toEqual({ kind: JobKind.FileDataset, commit: { title: `t${winner.layerName!.slice(1)}` } });
    });
  });

  describe('fan-out', () => {
    it('lets one of two fan-outs and a commit racing for the same job win', async () => {
      for (let round = 0; round < 5; round += 1) {
        const parent = await newJob({ source: fileSource('staging/p/three.gpkg') });
        const claims = await Promise.allSettled([
          jobs.claimForFanOut(parent.id, owner),
          jobs.claimForCommit(parent.id, owner, claim()),
          jobs.claimForFanOut(parent.id, owner),
        ]);
        expect(fulfilled(claims)).toHaveLength(1);
        expect(rejected(claims).every((e) => e instanceof InvalidTransitionError)).toBe(true);
        expect((await reload(parent.id)).status).toBe(fulfilled(claims)[0]!.status);
      }
    });

    it('inserts children in request order and ends the parent fanned_out', async () => {
      const source = fileSource('staging/p/three.gpkg', 999);
      const parent = await newJob({ source, sourceFilename: 'three.gpkg', requestId: 'req-fan' });
      expect(await jobs.recordPreview(parent.id, ['a', 'b', 'c'], 'vector')).toBe(true);
      const claimed = await jobs.claimForFanOut(parent.id, owner);
      expect(claimed.status).toBe(JobStatus.FanningOut);
      const children = await jobs.createFanOutChildren(claimed, [
        { layerName: 'b', commit: { title: 'B' } },
        { layerName: 'a', commit: { title: 'A', srid_override: 4326 } },
      ]);
      expect(children.map((c) => [c.layerName, c.status, c.parentId, c.source, c.params])).toEqual([
        ['b', JobStatus.Queued, parent.id, source, { kind: JobKind.FileDataset, commit: { title: 'B' } }],
        [
          'a',
          JobStatus.Queued,
          parent.id,
          source,
          { kind: JobKind.FileDataset, commit: { title: 'A', srid_override: 4326 } },
        ],
      ]);
      for (const child of children) {
        expect(await reload(child.id)).toMatchObject({
          kind: JobKind.FileDataset,
          importer: 'dataset',
          source,
          params: child.params,
          contentKind: 'vector',
          allLayers: ['a', 'b', 'c'],
          sourceFilename: 'three.gpkg',
          requestId: 'req-fan',
          step: 'queued',
        });
        expect(child.queuedAt).toBeInstanceOf(Date);
      }
      expect((await jobs.finishFanOut(parent.id, true))?.status).toBe(JobStatus.FannedOut);
      expect(await jobs.finishFanOut(parent.id, true)).toBeNull();
      const [listed, total] = await jobs.listChildren(parent.id, 1, 10);
      expect(total).toBe(2);
      expect(listed.map((c) => c.id).sort()).toEqual(children.map((c) => c.id).sort());
    });

    it('discards only the children no worker has started', async () => {
      const parent = await newJob({ source: fileSource('staging/p/d.gpkg') });
      const claimed = await jobs.claimForFanOut(parent.id, owner);
      const [a, b] = await jobs.createFanOutChildren(claimed, [
        { layerName: 'a', commit: {} },
        { layerName: 'b', commit: {} },
      ]);
      // The sweeper got `b` to a worker before the gateway gave up on the fan-out.
      expect((await jobs.markStarted(b!.id, randomUUID()))?.status).toBe(JobStatus.Processing);
      expect(await jobs.discardChildren(parent.id)).toEqual([a!.id]);
      expect(await jobs.findById(a!.id)).toBeNull();
      expect((await reload(b!.id)).status).toBe(JobStatus.Processing);
    });

    it('returns the parent to pending when no child could be queued', async () => {
      const parent = await newJob({ source: fileSource('staging/p/one.gpkg') });
      await jobs.claimForFanOut(parent.id, owner);
      expect((await jobs.finishFanOut(parent.id, false))?.status).toBe(JobStatus.Pending);
    });

    it('refuses a job that is not pending, and hides other owners’ jobs', async () => {
      const parent = await newJob({ source: fileSource('staging/p/q.gpkg'), status: JobStatus.Queued });
      expect((await invalidTransitionOf(jobs.claimForFanOut(parent.id, owner))).current).toBe(JobStatus.Queued);
      expect(await rejectionOf(jobs.claimForFanOut(parent.id, stranger))).toBeInstanceOf(NotFoundError);
    });

    it('refuses an upload that has not been completed, and a job that is not a file job', async () => {
      const unbound = await presignedJob();
      expect((await invalidTransitionOf(jobs.claimForFanOut(unbound.id, owner))).message).toBe(
        'The upload for this job has not been completed yet.',
      );
      const diagnostics = await newJob(diagnosticsJob());
      expect((await invalidTransitionOf(jobs.claimForFanOut(diagnostics.id, owner))).message).toBe(
        'A diagnostics job cannot be fanned out.',
      );
      expect((await reload(unbound.id)).status).toBe(JobStatus.Pending);
      expect((await reload(diagnostics.id)).status).toBe(JobStatus.Pending);
      // Only a file job has children.
      expect(
        (await rejectionOf(jobs.createFanOutChildren(diagnostics, [{ layerName: 'a', commit: {} }]))) as Error,
      ).toHaveProperty('message', 'only file jobs fan out');
      const [, total] = await jobs.listChildren(diagnostics.id, 1, 10);
      expect(total).toBe(0);
    });
  });

  describe('recordPreview', () => {
    it('stores the layers and content kind of a pending job, and of no other', async () => {
      const job = await newJob();
      expect(await jobs.recordPreview(job.id, ['dem'], 'raster')).toBe(true);
      expect(await reload(job.id)).toMatchObject({
        allLayers: ['dem'],
        contentKind: 'raster',
        status: JobStatus.Pending,
      });
      // A repeated preview replaces what the first found.
      expect(await jobs.recordPreview(job.id, ['roads', 'rivers'], 'vector')).toBe(true);
      expect(await reload(job.id)).toMatchObject({ allLayers: ['roads', 'rivers'], contentKind: 'vector' });

      await jobs.claimForCommit(job.id, owner, claim());
      expect(await jobs.recordPreview(job.id, ['late'], 'raster')).toBe(false);
      expect(await reload(job.id)).toMatchObject({ allLayers: ['roads', 'rivers'], contentKind: 'vector' });
    });

    it('is false for a job that does not exist', async () => {
      expect(await jobs.recordPreview(randomUUID(), ['a'], 'vector')).toBe(false);
    });
  });

  describe('lockAttempt', () => {
    it('locks only for the current attempt, and not once a cancel was requested', async () => {
      const job = await runningJob();
      await dataSource.transaction(async (manager) => {
        expect((await jobs.lockAttempt(job.id, job.attemptToken!, manager))?.id).toBe(job.id);
        expect(await jobs.lockAttempt(job.id, randomUUID(), manager)).toBeNull();
      });
      await jobs.requestCancel(job.id, owner);
      await dataSource.transaction(async (manager) => {
        expect(await jobs.lockAttempt(job.id, job.attemptToken!, manager)).toBeNull();
      });
    });
  });

  describe('markStarted', () => {
    it('takes a queued job with the attempt token, counting the attempt and stamping startedAt', async () => {
      const job = await newJob({ status: JobStatus.Queued });
      const token = randomUUID();
      const started = await jobs.markStarted(job.id, token);

      expect(started).toMatchObject({
        status: JobStatus.Processing,
        attemptToken: token,
        attempts: 1,
        step: 'starting',
      });
      expect(started?.startedAt).toBeInstanceOf(Date);
      const stored = await reload(job.id);
      expect(stored.attemptToken).toBe(token);
      expect(stored.attempts).toBe(1);
    });

    it('lets a new delivery take over a running job, keeping the first startedAt', async () => {
      const first = await runningJob();
      const second = randomUUID();
      const takenOver = await jobs.markStarted(first.id, second);
      expect(takenOver).toMatchObject({ status: JobStatus.Processing, attemptToken: second, attempts: 2 });
      expect(takenOver?.startedAt?.getTime()).toBe(first.startedAt?.getTime());
    });

    it('refuses a pending job (never committed)', async () => {
      const job = await newJob();
      expect(await jobs.markStarted(job.id, randomUUID())).toBeNull();
      expect((await reload(job.id)).status).toBe(JobStatus.Pending);
    });

    it('refuses a job whose cancellation was requested while running', async () => {
      const job = await runningJob();
      await jobs.requestCancel(job.id, owner);
      expect(await jobs.markStarted(job.id, randomUUID())).toBeNull();
      const stored = await reload(job.id);
      expect(stored.attemptToken).toBe(job.attemptToken);
      expect(stored.attempts).toBe(1);
    });

    it('refuses a job cancelled before it started', async () => {
      const job = await newJob({ status: JobStatus.Queued });
      await jobs.requestCancel(job.id, owner);
      expect(await jobs.markStarted(job.id, randomUUID())).toBeNull();
      expect((await reload(job.id)).status).toBe(JobStatus.Cancelled);
    });
  });

  describe('reportProgress', () => {
    it('records progress for the current attempt, clamped to [0, 1]', async () => {
      const job = await runningJob();
      const ok = await jobs.reportProgress(job.id, job.attemptToken!, {
        step: JobStep.Loading,
        progress: 1.7,
        rowsTotal: 100,
        rowsProcessed: 40,
        rowsFailed: 2,
      });
      expect(ok).toBe(true);
      expect(await reload(job.id)).toMatchObject({
        step: 'loading',
        progress: 1,
        rowsTotal: 100,
        rowsProcessed: 40,
        rowsFailed: 2,
      });
    });

    it('commits without waiting for the WAL flush (progress is advisory)', async () => {
      const job = await runningJob();
      const runners = await statementsDuring(dataSource, () =>
        jobs.reportProgress(job.id, job.attemptToken!, { step: JobStep.Loading, progress: 0.25 }),
      );
      expect(runners).toHaveLength(1);
      expect(committedUnflushed(runners[0]!, /^UPDATE ingest_jobs SET .*"progress"/)).toBe(true);
      expect((await reload(job.id)).progress).toBe(0.25);
    });

    it('is false for a stale attempt token and changes nothing', async () => {
      const job = await runningJob();
      const stale = job.attemptToken!;
      await jobs.markStarted(job.id, randomUUID());
      expect(await jobs.reportProgress(job.id, stale, { step: JobStep.Finalizing, progress: 0.5 })).toBe(false);
      const stored = await reload(job.id);
      expect(stored.step).toBe('starting');
      expect(stored.progress).toBe(0);
    });

    it('stores a numbered diagnostics step, and reads an unknown stored step back as null', async () => {
      const job = await runningJob();
      expect(await jobs.reportProgress(job.id, job.attemptToken!, { step: 'step-2-of-5' })).toBe(true);
      expect((await reload(job.id)).step).toBe('step-2-of-5');
      await dataSource.query(`UPDATE ingest_jobs SET step = 'zombie' WHERE id = $1`, [job.id]);
      expect((await reload(job.id)).step).toBeNull();
    });

    it('is false once cancellation was requested, so the attempt stops', async () => {
      const job = await runningJob();
      await jobs.requestCancel(job.id, owner);
      expect(await jobs.reportProgress(job.id, job.attemptToken!, { progress: 0.5 })).toBe(false);
    });
  });

  describe('terminal writes are fenced by the attempt token', () => {
    it('complete by the current attempt stores the outcome', async () => {
      const job = await runningJob();
      const done = await jobs.complete(job.id, job.attemptToken!, {
        status: JobStatus.CompletedWithErrors,
        result: { tables: 1 },
        warnings: [{ code: 'w', message: 'careful' }],
        rowsProcessed: 10,
        rowsFailed: 3,
      });
      expect(done).toMatchObject({
        status: JobStatus.CompletedWithErrors,
        step: 'done',
        progress: 1,
        result: { tables: 1 },
        warnings: [{ code: 'w', message: 'careful' }],
        rowsProcessed: 10,
        rowsFailed: 3,
      });
      expect(done?.completedAt).toBeInstanceOf(Date);
      // Terminal: nothing finishes it a second time.
      expect(await jobs.fail(job.id, job.attemptToken!, { code: 'x', message: 'late' })).toBeNull();
      expect((await reload(job.id)).status).toBe(JobStatus.CompletedWithErrors);
    });

    it('fail and markCancelled by the current attempt end the job', async () => {
      const failing = await runningJob();
      const failed = await jobs.fail(failing.id, failing.attemptToken!, { code: 'bad-input', message: 'no layers' });
      expect(failed).toMatchObject({ status: JobStatus.Failed, step: 'failed' });
      expect(failed?.error).toEqual({ code: 'bad-input', message: 'no layers' });

      const cancelling = await runningJob();
      const cancelled = await jobs.markCancelled(cancelling.id, cancelling.attemptToken!);
      expect(cancelled).toMatchObject({ status: JobStatus.Cancelled, step: 'cancelled' });
      expect(cancelled?.completedAt).toBeInstanceOf(Date);
    });

    it('a zombie attempt cannot complete, fail or cancel a job taken over by a newer delivery', async () => {
      const job = await runningJob();
      const zombie = job.attemptToken!;
      const current = randomUUID();
      await jobs.markStarted(job.id, current);

      expect(await jobs.complete(job.id, zombie, { status: JobStatus.Completed })).toBeNull();
      expect(await jobs.fail(job.id, zombie, { code: 'x', message: 'zombie' })).toBeNull();
      expect(await jobs.markCancelled(job.id, zombie)).toBeNull();
      const stored = await reload(job.id);
      expect(stored.status).toBe(JobStatus.Processing);
      expect(stored.attemptToken).toBe(current);
      expect(stored.error).toBeNull();

      expect((await jobs.complete(job.id, current, { status: JobStatus.Completed }))?.status).toBe(JobStatus.Completed);
    });
  });

  describe('requestCancel', () => {
    it.each([JobStatus.Pending, JobStatus.Queued] as const)('cancels a %s job at once', async (status) => {
      const job = await newJob({ status });
      const cancelled = await jobs.requestCancel(job.id, owner);
      expect(cancelled).toMatchObject({ status: JobStatus.Cancelled, step: 'cancelled' });
      expect(cancelled.completedAt).toBeInstanceOf(Date);
      expect(cancelled.cancelRequestedAt).toBeInstanceOf(Date);
      expect(await jobs.isCancelRequested(job.id)).toBe(true);
    });

    it('flags a running job: still processing, step cancelling', async () => {
      const job = await runningJob();
      const flagged = await jobs.requestCancel(job.id, owner);
      expect(flagged).toMatchObject({ status: JobStatus.Processing, step: 'cancelling', completedAt: null });
      expect(flagged.cancelRequestedAt).toBeInstanceOf(Date);
      expect(await jobs.isCancelRequested(job.id)).toBe(true);
      // Asking again keeps the first request time.
      const again = await jobs.requestCancel(job.id, owner);
      expect(again.cancelRequestedAt?.getTime()).toBe(flagged.cancelRequestedAt?.getTime());
    });

    it('cancels a pending presigned upload at once', async () => {
      const job = await presignedJob();
      expect(await jobs.requestCancel(job.id, owner)).toMatchObject({ status: JobStatus.Cancelled, step: 'cancelled' });
      // Nothing can complete the upload of a cancelled job.
      expect(await jobs.leaseUploadCompletion(job.id, owner, randomUUID(), 60_000)).toBeNull();
    });

    it.each([JobStatus.Completed, JobStatus.Failed] as const)(
      'is a 409 naming the status for a %s job, and does not flag it',
      async (status) => {
        const job = await runningJob();
        if (status === JobStatus.Completed) await jobs.complete(job.id, job.attemptToken!, { status });
        else await jobs.fail(job.id, job.attemptToken!, { code: 'boom', message: 'it broke' });
        const error = await invalidTransitionOf(jobs.requestCancel(job.id, owner));
        expect(error.status).toBe(409);
        expect(error.current).toBe(status);
        expect(error.message).toBe(`Job is already '${status}'; it cannot be cancelled.`);
        expect(await reload(job.id)).toMatchObject({ status, cancelRequestedAt: null });
      },
    );

    it('is a 409 for a job already cancelled, keeping its first request time', async () => {
      const job = await newJob({ status: JobStatus.Queued });
      const cancelled = await jobs.requestCancel(job.id, owner);
      const error = await invalidTransitionOf(jobs.requestCancel(job.id, owner));
      expect(error.current).toBe(JobStatus.Cancelled);
      expect(error.message).toBe("Job is already 'cancelled'; it cannot be cancelled.");
      const stored = await reload(job.id);
      expect(stored.cancelRequestedAt?.getTime()).toBe(cancelled.cancelRequestedAt?.getTime());
      expect(stored.completedAt?.getTime()).toBe(cancelled.completedAt?.getTime());
    });

    it('is a 409 (not terminal: "not now") while a fan-out holds the job', async () => {
      const parent = await newJob();
      await jobs.claimForFanOut(parent.id, owner);
      const error = await invalidTransitionOf(jobs.requestCancel(parent.id, owner));
      expect(error.current).toBe(JobStatus.FanningOut);
      expect(error.message).toBe("Job is 'fanning_out'; it cannot be cancelled now.");
      expect(await reload(parent.id)).toMatchObject({ status: JobStatus.FanningOut, cancelRequestedAt: null });
    });

    it("is a 404 on another owner's job and does not flag or cancel it", async () => {
      const job = await runningJob();
      expect(await rejectionOf(jobs.requestCancel(job.id, stranger))).toBeInstanceOf(NotFoundError);
      expect(await jobs.isCancelRequested(job.id)).toBe(false);
      const queued = await newJob({ status: JobStatus.Queued });
      expect(await rejectionOf(jobs.requestCancel(queued.id, stranger))).toBeInstanceOf(NotFoundError);
      expect((await reload(queued.id)).status).toBe(JobStatus.Queued);
    });

    it('finishCancellation ends a flagged running job, and only a flagged one', async () => {
      const unflagged = await runningJob();
      expect(await jobs.finishCancellation(unflagged.id)).toBeNull();
      expect((await reload(unflagged.id)).status).toBe(JobStatus.Processing);

      const job = await runningJob();
      await jobs.requestCancel(job.id, owner);
      const done = await jobs.finishCancellation(job.id);
      expect(done).toMatchObject({ status: JobStatus.Cancelled, step: 'cancelled' });
      expect(done?.completedAt).toBeInstanceOf(Date);
      expect(await jobs.finishCancellation(job.id)).toBeNull();
    });
  });

  describe('claimForRetry', () => {
    it('moves failed → queued with a clean slate', async () => {
      const job = await runningJob();
      expect(await jobs.reportProgress(job.id, job.attemptToken!, { progress: 0.4 })).toBe(true);
      await jobs.requestCancel(job.id, owner);
      expect((await jobs.fail(job.id, job.attemptToken!, { code: 'boom', message: 'it broke' }))?.status).toBe(
        JobStatus.Failed,
      );

      const retried = await jobs.claimForRetry(job.id, owner);
      expect(retried).toMatchObject({
        status: JobStatus.Queued,
        step: 'queued',
        error: null,
        attemptToken: null,
        progress: 0,
        completedAt: null,
        cancelRequestedAt: null,
      });
      expect(retried.queuedAt!.getTime()).toBeGreaterThanOrEqual(job.queuedAt!.getTime());
      // The next delivery starts it again with a fresh token.
      expect((await jobs.markStarted(job.id, randomUUID()))?.status).toBe(JobStatus.Processing);
    });

    it.each([JobStatus.Pending, JobStatus.Queued, JobStatus.Processing, JobStatus.Completed, JobStatus.Cancelled])(
      'is a 409 for a %s job',
      async (status) => {
        const job = await newJob({ status: status === JobStatus.Pending ? JobStatus.Pending : JobStatus.Queued });
        if (status !== JobStatus.Pending && status !== JobStatus.Queued) {
          const token = randomUUID();
          await jobs.markStarted(job.id, token);
          if (status === JobStatus.Completed) await jobs.complete(job.id, token, { status: JobStatus.Completed });
          if (status === JobStatus.Cancelled) await jobs.markCancelled(job.id, token);
        }
        expect((await reload(job.id)).status).toBe(status);

        const error = await invalidTransitionOf(jobs.claimForRetry(job.id, owner));
        expect(error.status).toBe(409);
        expect(error.current).toBe(status);
        expect((await reload(job.id)).status).toBe(status);
      },
    );

    it('replaces the stored commit options with the ones given, in the same guarded update', async () => {
      const job = await newJob();
      const committed = await jobs.claimForCommit(
        job.id,
        owner,
        claim({ title: 'Roads', summary: 'old', srid_override: 3857, x_column: 'lon', y_column: 'lat' }),
      );
      const token = randomUUID();
      await jobs.markStarted(committed.id, token);
      await jobs.fail(committed.id, token, { code: 'missing-crs', message: 'Missing CRS' });

      const retried = await jobs.claimForRetry(job.id, owner, {
        srid_override: 4326,
        summary: null,
        x_column: null,
        y_column: null,
      });
      expect(retried.status).toBe(JobStatus.Queued);
      expect(retried.params).toEqual({ kind: JobKind.FileDataset, commit: { title: 'Roads', srid_override: 4326 } });
      expect((await reload(job.id)).params).toEqual(retried.params);

      // A retry without options keeps what the last one set.
      const token2 = randomUUID();
      await jobs.markStarted(job.id, token2);
      await jobs.fail(job.id, token2, { code: 'boom', message: 'it broke' });
      expect((await jobs.claimForRetry(job.id, owner)).params).toEqual(retried.params);
    });

    it('leaves a job whose retry lost the race untouched, options included', async () => {
      const job = await newJob();
      await jobs.claimForCommit(job.id, owner, claim({ title: 'Kept', srid_override: 3857 }));
      const error = await invalidTransitionOf(jobs.claimForRetry(job.id, owner, { srid_override: 4326 }));
      expect(error.status).toBe(409);
      expect((await reload(job.id)).params).toEqual({
        kind: JobKind.FileDataset,
        commit: { title: 'Kept', srid_override: 3857 },
      });
    });

    it('is a 409 for a job that failed before it was ever committed', async () => {
      const job = await newJob();
      await jobs.failPending(job.id, { code: 'aborted', message: 'Upload aborted.' });
      const error = await invalidTransitionOf(jobs.claimForRetry(job.id, owner));
      expect(error.message).toBe('This job failed before it was committed; upload the file again.');
    });

    it("is a 404 on another owner's failed job", async () => {
      const job = await runningJob();
      await jobs.fail(job.id, job.attemptToken!, { code: 'boom', message: 'it broke' });
      expect(await rejectionOf(jobs.claimForRetry(job.id, stranger))).toBeInstanceOf(NotFoundError);
      expect((await reload(job.id)).status).toBe(JobStatus.Failed);
    });
  });

  describe('stranded jobs', () => {
    it('findStranded returns old queued and silent processing jobs only; failStranded fails them once', async () => {
      // Rows are dated in 2010 and the cutoff is 2011, far behind anything a live worker or test creates.
      const old = '2010-06-01T00:00:00Z';
      const cutoff = new Date('2011-01-01T00:00:00Z');
      const oldQueued = await newJob({ status: JobStatus.Queued });
      const freshQueued = await newJob({ status: JobStatus.Queued });
      const silent = await runningJob();
      const busy = await runningJob();
      const oldPending = await newJob();
      const oldDone = await runningJob();
      await jobs.complete(oldDone.id, oldDone.attemptToken!, { status: JobStatus.Completed });
      await dataSource.query(`UPDATE ingest_jobs SET queued_at = $2, updated_at = $2 WHERE id = ANY($1::uuid[])`, [
        [oldQueued.id, silent.id, oldPending.id, oldDone.id],
        old,
      ]);
      // `busy` was queued long ago but reports progress now: it is not silent.
      await dataSource.query(`UPDATE ingest_jobs SET queued_at = $2 WHERE id = $1`, [busy.id, old]);

      const found = new Set((await jobs.findStranded(cutoff, 10_000)).map((j) => j.id));
      try {
        expect(found.has(oldQueued.id)).toBe(true);
        expect(found.has(silent.id)).toBe(true);
        expect(found.has(freshQueued.id)).toBe(false);
        expect(found.has(busy.id)).toBe(false);
        expect(found.has(oldPending.id)).toBe(false);
        expect(found.has(oldDone.id)).toBe(false);
      } finally {
        // Fail the stranded rows right away so no sweeper (ours or a concurrent run's) acts on them later.
        const error = { code: 'worker-lost', message: 'gone' };
        const failedQueued = await jobs.failStranded(oldQueued.id, error);
        const failedSilent = await jobs.failStranded(silent.id, error);
        expect(failedQueued).toMatchObject({ status: JobStatus.Failed, step: 'failed', error, attemptToken: null });
        expect(failedSilent).toMatchObject({ status: JobStatus.Failed, step: 'failed', error, attemptToken: null });
      }
      // Fenced: the silent attempt cannot complete after the sweeper failed it; terminal jobs stay put.
      expect(await jobs.complete(silent.id, silent.attemptToken!, { status: JobStatus.Completed })).toBeNull();
      expect(await jobs.failStranded(oldQueued.id, { code: 'again', message: 'again' })).toBeNull();
      expect(await jobs.failStranded(oldPending.id, { code: 'x', message: 'x' })).toBeNull();
      expect(await jobs.failStranded(oldDone.id, { code: 'x', message: 'x' })).toBeNull();
      expect((await reload(oldDone.id)).status).toBe(JobStatus.Completed);
      expect((await reload(oldPending.id)).status).toBe(JobStatus.Pending);
      const stillFound = new Set((await jobs.findStranded(cutoff, 10_000)).map((j) => j.id));
      expect(stillFound.has(oldQueued.id)).toBe(false);
      expect(stillFound.has(silent.id)).toBe(false);
    });
  });

  describe('concurrency', () => {
    it('two concurrent commits of one job: exactly one wins, the other gets a 409', async () => {
      const job = await newJob();
      const results = await Promise.allSettled([
        jobs.claimForCommit(job.id, owner, claim({ title: 'one' })),
        jobs.claimForCommit(job.id, owner, claim({ title: 'two' })),
      ]);
      expect(fulfilled(results)).toHaveLength(1);
      const losers = rejected(results);
      expect(losers).toHaveLength(1);
      expect(losers[0]).toBeInstanceOf(InvalidTransitionError);
      expect((losers[0] as InvalidTransitionError).current).toBe(JobStatus.Queued);
    });

    it('commit racing a cancel never loses the cancel', async () => {
      // Whichever runs first, the job ends cancelled: a commit after the cancel is a 409, a cancel after
      // the commit cancels the queued job.
      for (let i = 0; i < 10; i += 1) {
        const job = await newJob();
        const [commit, cancel] = await Promise.allSettled([
          jobs.claimForCommit(job.id, owner, claim()),
          jobs.requestCancel(job.id, owner),
        ]);
        expect(cancel.status).toBe('fulfilled');
        const commitOutcome =
          commit.status === 'fulfilled'
            ? 'committed'
            : commit.reason instanceof InvalidTransitionError
              ? `409 from ${commit.reason.current}`
              : commit.reason;
        expect(['committed', '409 from cancelled']).toContain(commitOutcome);
        const stored = await reload(job.id);
        expect(stored.status).toBe(JobStatus.Cancelled);
        expect(stored.cancelRequestedAt).toBeInstanceOf(Date);
      }
    });

    it('cancel racing the start of a delivery never loses the cancel', async () => {
      // Cancelled before the start (the start is refused), or flagged after it (the attempt stops at its
      // next checkpoint): never a running job nobody asked to stop.
      for (let i = 0; i < 10; i += 1) {
        const job = await newJob({ status: JobStatus.Queued });
        const token = randomUUID();
        const [started, cancel] = await Promise.all([
          jobs.markStarted(job.id, token),
          jobs.requestCancel(job.id, owner),
        ]);
        const stored = await reload(job.id);
        const outcomes = {
          'started, then flagged': {
            status: JobStatus.Processing,
            step: 'cancelling',
            attemptToken: token,
            attempts: 1,
          },
          'cancelled before it started': {
            status: JobStatus.Cancelled,
            step: 'cancelled',
            attemptToken: null,
            attempts: 0,
          },
        };
        const outcome = started ? 'started, then flagged' : 'cancelled before it started';
        expect(stored).toMatchObject(outcomes[outcome]);
        expect(cancel).toMatchObject(outcomes[outcome]);
        expect(stored.cancelRequestedAt).toBeInstanceOf(Date);
        // Either way the attempt stops at its next checkpoint, and the job ends cancelled.
        expect(await jobs.reportProgress(job.id, token, { progress: 0.1 })).toBe(false);
        await jobs.markCancelled(job.id, token);
        expect((await reload(job.id)).status).toBe(JobStatus.Cancelled);
      }
    });

    it('20 concurrent commits of one pending job: 1 success, 19 conflicts, ends queued', async () => {
      const job = await newJob();
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, () => jobs.claimForCommit(job.id, owner, claim())),
      );

      expect(fulfilled(results)).toHaveLength(1);
      const losers = rejected(results);
      expect(losers).toHaveLength(19);
      for (const loser of losers) {
        expect(loser).toBeInstanceOf(InvalidTransitionError);
        expect((loser as InvalidTransitionError).current).toBe(JobStatus.Queued);
      }
      const stored = await reload(job.id);
      expect(stored.status).toBe(JobStatus.Queued);
      expect(stored.queuedAt?.getTime()).toBe(fulfilled(results)[0]!.queuedAt?.getTime());
    });

    it('two concurrent retries of one failed job: exactly one wins', async () => {
      const job = await runningJob();
      await jobs.fail(job.id, job.attemptToken!, { code: 'boom', message: 'it broke' });
      const results = await Promise.allSettled([jobs.claimForRetry(job.id, owner), jobs.claimForRetry(job.id, owner)]);
      expect(fulfilled(results)).toHaveLength(1);
      expect(rejected(results)).toHaveLength(1);
      expect(rejected(results)[0]).toBeInstanceOf(InvalidTransitionError);
    });

    it('complete racing fail for the same attempt: exactly one terminal write lands', async () => {
      const job = await runningJob();
      const token = job.attemptToken!;
      const [completed, failed] = await Promise.all([
        jobs.complete(job.id, token, { status: JobStatus.Completed }),
        jobs.fail(job.id, token, { code: 'boom', message: 'it broke' }),
      ]);
      expect([completed, failed].filter((r) => r !== null)).toHaveLength(1);
      const winner = completed ?? failed;
      expect((await reload(job.id)).status).toBe(winner?.status);
    });

    it('two concurrent deliveries: both start in turn, but only the last token can complete', async () => {
      const job = await newJob({ status: JobStatus.Queued });
      const tokens = [randomUUID(), randomUUID()];
      const starts = await Promise.allSettled(tokens.map((t) => jobs.markStarted(job.id, t)));
      expect(fulfilled(starts).every((s) => s?.status === JobStatus.Processing)).toBe(true);
      const afterStart = await reload(job.id);
      expect(afterStart.attempts).toBe(2);
      expect(tokens).toContain(afterStart.attemptToken);

      const completions = await Promise.allSettled(
        tokens.map((t) => jobs.complete(job.id, t, { status: JobStatus.Completed, result: { by: t } })),
      );
      const winners = fulfilled(completions).filter((c) => c !== null);
      expect(winners).toHaveLength(1);
      expect(winners[0]!.result).toEqual({ by: afterStart.attemptToken });
      expect((await reload(job.id)).status).toBe(JobStatus.Completed);
    });
  });

  describe('presigned upload completion lease', () => {
    const LEASE_MS = 60_000;
    const badBytes: JobErrorInfo = { code: 'upload-rejected', message: 'bad bytes' };

    it('two concurrent completions: exactly one takes the lease', async () => {
      for (let round = 0; round < 10; round += 1) {
        const job = await presignedJob();
        const tokens = [randomUUID(), randomUUID()];
        const leases = await Promise.all(tokens.map((t) => jobs.leaseUploadCompletion(job.id, owner, t, LEASE_MS)));
        const winners = leases.filter((l) => l !== null);
        expect(winners).toHaveLength(1);
        const holder = tokens[leases.indexOf(winners[0]!)]!;
        const stored = await reload(job.id);
        expect(uploadOf(stored).completing?.token).toBe(holder);
        expect(uploadOf(winners[0]!).completing?.token).toBe(holder);
        // The lease runs for about its ttl from now (the database's clock, ours may differ a little).
        const until = Date.parse(uploadOf(stored).completing!.until);
        expect(until).toBeGreaterThan(Date.now() + LEASE_MS / 2);
        expect(until).toBeLessThan(Date.now() + LEASE_MS * 2);
        // While it is live, nobody else gets it.
        expect(await jobs.leaseUploadCompletion(job.id, owner, randomUUID(), LEASE_MS)).toBeNull();
        expect(uploadOf(await reload(job.id)).completing?.token).toBe(holder);
      }
    });

    it('an expired lease can be taken over, and then only the new holder can bind', async () => {
      const job = await presignedJob();
      const first = randomUUID();
      // A lease whose end is already past: as a holder that died mid-completion would leave it.
      expect(await jobs.leaseUploadCompletion(job.id, owner, first, -1000)).not.toBeNull();
      const second = randomUUID();
      const taken = await jobs.leaseUploadCompletion(job.id, owner, second, LEASE_MS);
      expect(uploadOf(taken).completing?.token).toBe(second);

      expect(await jobs.bindUploadedSource(job.id, first, 'staging/late/f.gpkg', 'd1')).toBeNull();
      const bound = await jobs.bindUploadedSource(job.id, second, 'staging/x/f.gpkg', 'd2');
      expect(bound?.source).toMatchObject({
        key: 'staging/x/f.gpkg',
        upload: { completion_digest: 'd2', completing: null },
      });
    });

    it('binds the bytes only with the holder’s token, ends the lease and makes the job committable', async () => {
      const job = await presignedJob();
      const incoming = uploadOf(job).incoming_key;
      // Without a lease, nobody can bind.
      expect(await jobs.bindUploadedSource(job.id, randomUUID(), 'staging/x/f.gpkg', 'd')).toBeNull();

      const token = randomUUID();
      await jobs.leaseUploadCompletion(job.id, owner, token, LEASE_MS);
      expect(await jobs.bindUploadedSource(job.id, randomUUID(), 'staging/x/f.gpkg', 'd')).toBeNull();
      const unbound = await reload(job.id);
      expect(unbound.source).toMatchObject({ key: null });
      expect(isSourceReady(unbound.source)).toBe(false);

      const frozen = `staging/${job.id}/f.gpkg`;
      const bound = await jobs.bindUploadedSource(job.id, token, frozen, 'digest-1');
      expect(bound?.status).toBe(JobStatus.Pending);
      expect(bound?.source).toEqual({
        type: 'stored-file',
        key: frozen,
        size: 2048,
        upload: { ...uploadOf(job), incoming_key: incoming, completion_digest: 'digest-1', completing: null },
      });
      expect((await reload(job.id)).source).toEqual(bound?.source);
      expect(isSourceReady(bound!.source)).toBe(true);

      // Bound once: not again (even by the same holder), and the completed upload cannot be leased again.
      expect(await jobs.bindUploadedSource(job.id, token, 'staging/x/other.gpkg', 'digest-2')).toBeNull();
      expect(await jobs.leaseUploadCompletion(job.id, owner, randomUUID(), LEASE_MS)).toBeNull();
      expect((await reload(job.id)).source).toEqual(bound?.source);
      expect((await jobs.claimForCommit(job.id, owner, claim())).status).toBe(JobStatus.Queued);
    });

    it('releaseUploadCompletion gives the lease back (its holder only), so the next completion goes at once', async () => {
      const job = await presignedJob();
      const token = randomUUID();
      await jobs.leaseUploadCompletion(job.id, owner, token, LEASE_MS);
      await jobs.releaseUploadCompletion(job.id, randomUUID());
      expect(uploadOf(await reload(job.id)).completing?.token).toBe(token);

      await jobs.releaseUploadCompletion(job.id, token);
      const released = await reload(job.id);
      expect(uploadOf(released).completing).toBeNull();
      expect(released.status).toBe(JobStatus.Pending);
      // The released holder can no longer bind; a new completion leases and binds.
      expect(await jobs.bindUploadedSource(job.id, token, 'staging/x/f.gpkg', 'd')).toBeNull();
      const next = randomUUID();
      expect(await jobs.leaseUploadCompletion(job.id, owner, next, LEASE_MS)).not.toBeNull();
      expect((await jobs.bindUploadedSource(job.id, next, 'staging/x/f.gpkg', 'd'))?.source).toMatchObject({
        key: 'staging/x/f.gpkg',
      });
      // After the bind, a release is a no-op that leaves the bound source alone.
      await jobs.releaseUploadCompletion(job.id, next);
      expect((await reload(job.id)).source).toMatchObject({ key: 'staging/x/f.gpkg' });
    });

    it('leases only a pending, unbound presigned upload of its owner', async () => {
      const mine = await presignedJob();
      expect(await jobs.leaseUploadCompletion(mine.id, stranger, randomUUID(), LEASE_MS)).toBeNull();
      expect(uploadOf(await reload(mine.id)).completing).toBeNull();

      const direct = await newJob({ source: { ...fileSource(), key: null } });
      expect(await jobs.leaseUploadCompletion(direct.id, owner, randomUUID(), LEASE_MS)).toBeNull();
      const bound = await newJob();
      expect(await jobs.leaseUploadCompletion(bound.id, owner, randomUUID(), LEASE_MS)).toBeNull();
      const failed = await presignedJob();
      await jobs.failUnboundUpload(failed.id, badBytes);
      expect(await jobs.leaseUploadCompletion(failed.id, owner, randomUUID(), LEASE_MS)).toBeNull();
      expect(await jobs.leaseUploadCompletion(randomUUID(), owner, randomUUID(), LEASE_MS)).toBeNull();
    });

    it('a cancel during a completion wins: the holder can no longer bind', async () => {
      const job = await presignedJob();
      const token = randomUUID();
      await jobs.leaseUploadCompletion(job.id, owner, token, LEASE_MS);
      await jobs.requestCancel(job.id, owner);
      expect(await jobs.bindUploadedSource(job.id, token, 'staging/x/f.gpkg', 'd')).toBeNull();
      expect(await reload(job.id)).toMatchObject({ status: JobStatus.Cancelled, source: { key: null } });
    });

    it('failUnboundUpload refuses while a live lease is held, unless given its token', async () => {
      const job = await presignedJob();
      const token = randomUUID();
      await jobs.leaseUploadCompletion(job.id, owner, token, LEASE_MS);

      expect(await jobs.failUnboundUpload(job.id, { code: 'aborted', message: 'aborted' })).toBeNull();
      expect(await jobs.failUnboundUpload(job.id, { code: 'aborted', message: 'aborted' }, randomUUID())).toBeNull();
      expect((await reload(job.id)).status).toBe(JobStatus.Pending);

      const failed = await jobs.failUnboundUpload(job.id, badBytes, token);
      expect(failed).toMatchObject({ status: JobStatus.Failed, step: 'failed', error: badBytes });
      expect(failed?.completedAt).toBeInstanceOf(Date);
      // Failed before it was ever committed: nothing to retry.
      expect((await invalidTransitionOf(jobs.claimForRetry(job.id, owner))).message).toBe(
        'This job failed before it was committed; upload the file again.',
      );
    });

    it('failUnboundUpload fails an upload with no lease or an expired one (the sweeper’s case)', async () => {
      const idle = await presignedJob();
      expect((await jobs.failUnboundUpload(idle.id, badBytes))?.status).toBe(JobStatus.Failed);

      const stale = await presignedJob();
      await jobs.leaseUploadCompletion(stale.id, owner, randomUUID(), -1000);
      expect((await jobs.failUnboundUpload(stale.id, badBytes))?.status).toBe(JobStatus.Failed);

      const released = await presignedJob();
      const token = randomUUID();
      await jobs.leaseUploadCompletion(released.id, owner, token, LEASE_MS);
      await jobs.releaseUploadCompletion(released.id, token);
      expect((await jobs.failUnboundUpload(released.id, badBytes))?.status).toBe(JobStatus.Failed);
    });

    it('failUnboundUpload leaves alone an upload that completed meanwhile, and a job past pending', async () => {
      const job = await presignedJob();
      const token = randomUUID();
      await jobs.leaseUploadCompletion(job.id, owner, token, LEASE_MS);
      await jobs.bindUploadedSource(job.id, token, 'staging/x/f.gpkg', 'd');
      expect(await jobs.failUnboundUpload(job.id, badBytes)).toBeNull();
      expect(await jobs.failUnboundUpload(job.id, badBytes, token)).toBeNull();
      expect(await reload(job.id)).toMatchObject({ status: JobStatus.Pending, error: null });

      const direct = await newJob();
      expect(await jobs.failUnboundUpload(direct.id, badBytes)).toBeNull();
      const cancelled = await presignedJob();
      await jobs.requestCancel(cancelled.id, owner);
      expect(await jobs.failUnboundUpload(cancelled.id, badBytes)).toBeNull();
      expect((await reload(cancelled.id)).status).toBe(JobStatus.Cancelled);
    });

    it('findExpiredUploads finds unbound presigned uploads whose window closed, and nothing else', async () => {
      // Windows close in a day or three; asking as of two days ahead keeps live sweepers out of the way.
      const day = 86_400_000;
      const asOf = new Date(Date.now() + 2 * day);
      const closing = await newJob({ source: presignedSource(), expiresAt: new Date(Date.now() + day) });
      const open = await newJob({ source: presignedSource(), expiresAt: new Date(Date.now() + 3 * day) });
      const completed = await newJob({
        source: { ...presignedSource(), key: 'staging/x/done.gpkg' },
        expiresAt: new Date(Date.now() + day),
      });
      const direct = await newJob({ source: { ...fileSource(), key: null }, expiresAt: new Date(Date.now() + day) });
      const ids = (found: IngestJob[]): Set<string> => new Set(found.map((j) => j.id));

      expect(ids(await jobs.findExpiredUploads(new Date(), 10_000)).has(closing.id)).toBe(false);
      const found = ids(await jobs.findExpiredUploads(asOf, 10_000));
      expect(found.has(closing.id)).toBe(true);
      expect(found.has(open.id)).toBe(false);
      expect(found.has(completed.id)).toBe(false);
      expect(found.has(direct.id)).toBe(false);
      // Once failed, it is no longer found.
      await jobs.failUnboundUpload(closing.id, { code: 'upload-expired', message: 'closed' });
      expect(ids(await jobs.findExpiredUploads(asOf, 10_000)).has(closing.id)).toBe(false);
      await jobs.failUnboundUpload(open.id, { code: 'test-cleanup', message: 'done' });
    });
  });

  describe('stored documents', () => {
    /** The jsonb documents as stored, without the entity's transformers. */
    async function rawDocuments(id: string): Promise<{ source: unknown; params: unknown; kind: string }> {
      const [row] = (await dataSource.query('SELECT kind, source, params FROM ingest_jobs WHERE id = $1', [id])) as {
        kind: string;
        source: unknown;
        params: unknown;
      }[];
      expect(row).toBeDefined();
      return row!;
    }

    it.each<[string, Partial<NewJob>]>([
      ['a bound direct upload', {}],
      ['an unbound presigned multipart upload', { source: { ...presignedSource(), size: 30_000_000 } }],
      [
        'a committed job with every commit field',
        {
          params: {
            kind: JobKind.FileDataset,
            commit: {
              title: 'DEM',
              summary: null,
              srid_override: 25832,
              x_column: null,
              y_column: null,
              geom_column: 'wkt',
              compression: 'ZSTD',
              resampling: 'average',
              nodata_override: -9999.5,
              strict_cog: true,
            },
          },
        },
      ],
      [
        'a service dataset',
        {
          kind: JobKind.ServiceDataset,
          source: {
            type: 'remote-service',
            url: 'https://example.org/arcgis/rest/services/p/FeatureServer',
            service_type: 'arcgis',
            layer: 'Parcels',
            layer_id: '3',
            object_id_field: 'OBJECTID',
            version: null,
          },
          params: { kind: JobKind.ServiceDataset, commit: { title: 'Parcels' } },
        },
      ],
      [
        'diagnostics',
        { ...diagnosticsJob(), params: { kind: JobKind.Diagnostics, steps: 4, step_ms: 25, fail_with: 'transient' } },
      ],
    ])('%s round-trips through parseJobSource and parseJobParams', async (_name, overrides) => {
      const job = await newJob(overrides);
      const raw = await rawDocuments(job.id);
      expect(raw.kind).toBe(job.kind);
      expect(parseJobSource(raw.source)).toStrictEqual(job.source);
      expect(parseJobParams(raw.params)).toStrictEqual(job.params);
      const stored = await reload(job.id);
      expect(stored.source).toStrictEqual(job.source);
      expect(stored.params).toStrictEqual(job.params);
    });

    it('a lease and a bind written by SQL round-trip too', async () => {
      const job = await presignedJob();
      const token = randomUUID();
      const leased = await jobs.leaseUploadCompletion(job.id, owner, token, 60_000);
      expect(parseJobSource((await rawDocuments(job.id)).source)).toStrictEqual(leased?.source);
      const bound = await jobs.bindUploadedSource(job.id, token, 'staging/x/f.gpkg', 'digest');
      expect(parseJobSource((await rawDocuments(job.id)).source)).toStrictEqual(bound?.source);
      const committed = await jobs.claimForCommit(job.id, owner, claim({ title: 'T', strict_cog: false }));
      expect(parseJobParams((await rawDocuments(job.id)).params)).toStrictEqual(committed.params);
      expect(committed.params).toEqual({ kind: JobKind.FileDataset, commit: { title: 'T', strict_cog: false } });
    });

    it('a row whose document does not match its type is refused when read, not cast', async () => {
      const job = await newJob();
      try {
        await dataSource.query(`UPDATE ingest_jobs SET source = '{"type": "ftp"}'::jsonb WHERE id = $1`, [job.id]);
        expect(await rejectionOf(jobs.findById(job.id))).toBeInstanceOf(InvalidJobDocumentError);
        await dataSource.query(
          `UPDATE ingest_jobs SET source = $2::jsonb, params = '{"kind": "file-dataset", "commit": {"title": 1}}'::jsonb
           WHERE id = $1`,
          [job.id, JSON.stringify(fileSource())],
        );
        expect(await rejectionOf(jobs.findById(job.id))).toBeInstanceOf(InvalidJobDocumentError);
      } finally {
        await dataSource.query('DELETE FROM ingest_jobs WHERE id = $1', [job.id]);
      }
    });

    it('the database refuses a row whose params kind differs from its kind column', async () => {
      const onInsert = await queryError(
        dataSource.query(
          `INSERT INTO ingest_jobs (owner, kind, source, params) VALUES ($1, 'file-dataset', $2::jsonb, $3::jsonb)`,
          [
            owner,
            JSON.stringify(fileSource()),
            JSON.stringify({ kind: JobKind.Diagnostics, steps: 1, step_ms: 0, fail_with: null }),
          ],
        ),
      );
      expect(onInsert).toEqual({ code: '23514', constraint: 'ck_ingest_jobs_params_kind' });

      const job = await newJob();
      const onUpdate = await queryError(
        dataSource.query(`UPDATE ingest_jobs SET kind = 'diagnostics' WHERE id = $1`, [job.id]),
      );
      expect(onUpdate).toEqual({ code: '23514', constraint: 'ck_ingest_jobs_params_kind' });
      expect(await reload(job.id)).toMatchObject({ kind: JobKind.FileDataset, params: { kind: JobKind.FileDataset } });
    });
  });
});
