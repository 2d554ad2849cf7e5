import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotFoundError } from '@app/common';
import { parseConfig } from '@app/config';
import {
  InvalidTransitionError,
  JobRepository,
  JobStatus,
  createDataSource,
  type IngestJob,
  type NewJob,
} from '@app/jobs';
import type { DataSource } from 'typeorm';

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
    await dataSource?.destroy();
  });

  const newJob = (overrides: Partial<NewJob> = {}): Promise<IngestJob> =>
    jobs.create({ owner, importer: 'dataset', ...overrides });

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
      const job = await newJob({ sourceFilename: 'roads.gpkg', sourceSize: 1234, options: { a: 1 }, dryRun: true });
      expect(job.id).toMatch(/^[0-9a-f-]{36}$/);

      const stored = await reload(job.id);
      expect(stored).toMatchObject({
        owner,
        importer: 'dataset',
        status: JobStatus.Pending,
        step: 'pending',
        progress: 0,
        rowsProcessed: 0,
        rowsFailed: 0,
        attempts: 0,
        attemptToken: null,
        sourceFilename: 'roads.gpkg',
        sourceSize: 1234,
        options: { a: 1 },
        dryRun: true,
        warnings: [],
        queuedAt: null,
        startedAt: null,
        completedAt: null,
      });
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
      const job = await newJob({ sourceKey: 'staging/x/roads.gpkg', options: { source_kind: 'vector' } });
      const claimed = await jobs.claimForCommit(job.id, owner, { commit: { title: 'Roads' } }, 'roads');
      expect(claimed.status).toBe(JobStatus.Queued);
      expect(claimed.step).toBe('queued');
      expect(claimed.queuedAt).toBeInstanceOf(Date);
      expect(claimed.options).toEqual({ source_kind: 'vector', commit: { title: 'Roads' } });
      expect(claimed.layerName).toBe('roads');

      const error = await invalidTransitionOf(jobs.claimForCommit(job.id, owner));
      expect(error.status).toBe(409);
      expect(error.current).toBe(JobStatus.Queued);
      expect(error.extensions).toEqual({ current_status: 'queued' });
      expect(error.message).toContain("'queued'");
      expect((await reload(job.id)).status).toBe(JobStatus.Queued);
    });

    it("is a 404 on another owner's job and leaves it pending", async () => {
      const job = await newJob({ sourceKey: 'staging/x/a.gpkg' });
      expect(await rejectionOf(jobs.claimForCommit(job.id, stranger))).toBeInstanceOf(NotFoundError);
      expect((await reload(job.id)).status).toBe(JobStatus.Pending);
    });

    it('is a 409 saying why while the upload is not complete', async () => {
      const job = await newJob();
      const error = await invalidTransitionOf(jobs.claimForCommit(job.id, owner));
      expect(error.message).toBe('The upload for this job has not been completed yet.');
      expect((await reload(job.id)).status).toBe(JobStatus.Pending);
    });

    it('lets exactly one of 20 concurrent commits win', async () => {
      const job = await newJob({ sourceKey: 'staging/x/a.gpkg' });
      const results = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) => jobs.claimForCommit(job.id, owner, { commit: { title: `t${i}` } })),
      );
      expect(fulfilled(results)).toHaveLength(1);
      expect(rejected(results).every((e) => e instanceof InvalidTransitionError)).toBe(true);
      const winner = fulfilled(results)[0]!;
      expect((await reload(job.id)).options).toEqual(winner.options);
    });
  });

  describe('fan-out', () => {
    it('lets one of two fan-outs and a commit racing for the same job win', async () => {
      for (let round = 0; round < 5; round += 1) {
        const parent = await newJob({ sourceKey: 'staging/p/three.gpkg' });
        const claims = await Promise.allSettled([
          jobs.claimForFanOut(parent.id, owner),
          jobs.claimForCommit(parent.id, owner),
          jobs.claimForFanOut(parent.id, owner),
        ]);
        expect(fulfilled(claims)).toHaveLength(1);
        expect(rejected(claims).every((e) => e instanceof InvalidTransitionError)).toBe(true);
        expect((await reload(parent.id)).status).toBe(fulfilled(claims)[0]!.status);
      }
    });

    it('inserts children in request order and ends the parent fanned_out', async () => {
      const parent = await newJob({ sourceKey: 'staging/p/three.gpkg', sourceFilename: 'three.gpkg' });
      const claimed = await jobs.claimForFanOut(parent.id, owner);
      expect(claimed.status).toBe(JobStatus.FanningOut);
      const children = await jobs.createFanOutChildren(claimed, [
        { layerName: 'b', options: { commit: { title: 'B' } } },
        { layerName: 'a', options: { commit: { title: 'A' } } },
      ]);
      expect(children.map((c) => [c.layerName, c.status, c.parentId, c.sourceKey, c.options.commit])).toEqual([
        ['b', JobStatus.Queued, parent.id, 'staging/p/three.gpkg', { title: 'B' }],
        ['a', JobStatus.Queued, parent.id, 'staging/p/three.gpkg', { title: 'A' }],
      ]);
      expect((await jobs.finishFanOut(parent.id, true))?.status).toBe(JobStatus.FannedOut);
      expect(await jobs.finishFanOut(parent.id, true)).toBeNull();
      const [listed, total] = await jobs.listChildren(parent.id, 1, 10);
      expect(total).toBe(2);
      expect(listed.map((c) => c.id).sort()).toEqual(children.map((c) => c.id).sort());
    });

    it('discards only the children no worker has started', async () => {
      const parent = await newJob({ sourceKey: 'staging/p/d.gpkg' });
      const claimed = await jobs.claimForFanOut(parent.id, owner);
      const [a, b] = await jobs.createFanOutChildren(claimed, [
        { layerName: 'a', options: {} },
        { layerName: 'b', options: {} },
      ]);
      // The sweeper got `b` to a worker before the gateway gave up on the fan-out.
      expect((await jobs.markStarted(b!.id, randomUUID()))?.status).toBe(JobStatus.Processing);
      expect(await jobs.discardChildren(parent.id)).toEqual([a!.id]);
      expect(await jobs.findById(a!.id)).toBeNull();
      expect((await reload(b!.id)).status).toBe(JobStatus.Processing);
    });

    it('returns the parent to pending when no child could be queued', async () => {
      const parent = await newJob({ sourceKey: 'staging/p/one.gpkg' });
      await jobs.claimForFanOut(parent.id, owner);
      expect((await jobs.finishFanOut(parent.id, false))?.status).toBe(JobStatus.Pending);
    });

    it('refuses a job that is not pending, and hides other owners’ jobs', async () => {
      const parent = await newJob({ sourceKey: 'staging/p/q.gpkg', status: JobStatus.Queued });
      expect((await invalidTransitionOf(jobs.claimForFanOut(parent.id, owner))).current).toBe(JobStatus.Queued);
      expect(await rejectionOf(jobs.claimForFanOut(parent.id, stranger))).toBeInstanceOf(NotFoundError);
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
        step: 'loading',
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

    it('is false for a stale attempt token and changes nothing', async () => {
      const job = await runningJob();
      const stale = job.attemptToken!;
      await jobs.markStarted(job.id, randomUUID());
      expect(await jobs.reportProgress(job.id, stale, { step: 'zombie', progress: 0.5 })).toBe(false);
      const stored = await reload(job.id);
      expect(stored.step).toBe('starting');
      expect(stored.progress).toBe(0);
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

    it('is a 409 naming the status for a terminal job', async () => {
      const job = await runningJob();
      await jobs.complete(job.id, job.attemptToken!, { status: JobStatus.Completed });
      const error = await invalidTransitionOf(jobs.requestCancel(job.id, owner));
      expect(error.status).toBe(409);
      expect(error.current).toBe(JobStatus.Completed);
      expect(error.message).toContain("'completed'");
      expect((await reload(job.id)).cancelRequestedAt).toBeNull();
    });

    it("is a 404 on another owner's job and does not flag it", async () => {
      const job = await runningJob();
      expect(await rejectionOf(jobs.requestCancel(job.id, stranger))).toBeInstanceOf(NotFoundError);
      expect(await jobs.isCancelRequested(job.id)).toBe(false);
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
      const job = await newJob({ sourceKey: 'staging/x/a.gpkg' });
      const results = await Promise.allSettled([
        jobs.claimForCommit(job.id, owner),
        jobs.claimForCommit(job.id, owner),
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
        const job = await newJob({ sourceKey: 'staging/x/a.gpkg' });
        const [commit, cancel] = await Promise.allSettled([
          jobs.claimForCommit(job.id, owner),
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

    it('20 concurrent commits of one pending job: 1 success, 19 conflicts, ends queued', async () => {
      const job = await newJob({ sourceKey: 'staging/x/a.gpkg' });
      const results = await Promise.allSettled(Array.from({ length: 20 }, () => jobs.claimForCommit(job.id, owner)));

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
});
