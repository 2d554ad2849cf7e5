import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Test, type TestingModule } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppConfig, ConfigModule, parseConfig } from '@app/config';
import { JobKind, JobRepository, JobStatus, JobsModule, dispatchFor, type IngestJob, type NewJob } from '@app/jobs';
import { ALL_QUEUES, JobName, JobProducer, QueueName, QueuesModule, redisConnectionOptions } from '@app/queues';
import { Storage, StorageModule } from '@app/storage';
import { Worker, type Job, type Queue } from 'bullmq';
import { Readable } from 'node:stream';
import { DataSource } from 'typeorm';
import { QueueSweeper } from './sweeper.service.js';
import { MetricsModule, StrataMetrics } from '@app/metrics';

/**
 * Stranded rows are dated in 2000 and the sweeper's grace reaches back only to 2005, so this file's
 * sweeps consider its own rows (and nothing a live worker or another test file is using).
 */
const STRANDED_AT = '2000-01-01T00:00:00Z';
const GRACE_MS = Date.now() - Date.parse('2005-01-01T00:00:00Z');

describe('QueueSweeper (PostgreSQL + Redis)', () => {
  let moduleRef: TestingModule;
  let sweeper: QueueSweeper;
  let jobs: JobRepository;
  let producer: JobProducer;
  let dataSource: DataSource;
  let systemQueue: Queue;
  let config: AppConfig;
  const owner = `it-sweeper-${randomUUID()}`;
  const created: string[] = [];

  beforeAll(async () => {
    config = parseConfig({
      ...process.env,
      SWEEPER_GRACE_MS: String(GRACE_MS),
      // A prefix of this file's own within the run's, so other files' queues are never touched.
      QUEUE_PREFIX: `${process.env.QUEUE_PREFIX ?? 'strata-test'}-sweeper-${randomUUID().slice(0, 8)}`,
    });
    moduleRef = await Test.createTestingModule({
      imports: [
        ConfigModule,
        JobsModule.forApp('test'),
        QueuesModule.forRoot(),
        StorageModule.forRoot(),
        MetricsModule.forRoot('worker'),
      ],
      providers: [QueueSweeper],
    })
      .overrideProvider(AppConfig)
      .useValue(config)
      .compile();
    sweeper = moduleRef.get(QueueSweeper);
    jobs = moduleRef.get(JobRepository);
    producer = moduleRef.get(JobProducer);
    dataSource = moduleRef.get(DataSource);
    systemQueue = producer.queue(QueueName.System);
  });

  afterAll(async () => {
    if (!moduleRef) return;
    // Leave nothing a later sweep (of any run) could pick up.
    if (created.length > 0) {
      await dataSource.query(
        `UPDATE ingest_jobs SET status = 'cancelled', completed_at = now()
         WHERE id = ANY($1::uuid[]) AND status IN ('queued', 'processing')`,
        [created],
      );
    }
    // The queue prefix is this file's alone: drop every key it created.
    for (const name of ALL_QUEUES) await producer.queue(name).obliterate({ force: true });
    await moduleRef.close();
  });

  /** A one-step diagnostics job, which the system queue runs. */
  const DIAGNOSTICS: Pick<NewJob, 'kind' | 'source' | 'params'> = {
    kind: JobKind.Diagnostics,
    source: { type: 'none' },
    params: { kind: JobKind.Diagnostics, steps: 1, step_ms: 0, fail_with: null },
  };

  /** A layer of a remote feature service: ingested by the same queue job as a file. */
  const SERVICE_DATASET: Pick<NewJob, 'kind' | 'source' | 'params'> = {
    kind: JobKind.ServiceDataset,
    source: {
      type: 'remote-service',
      url: 'https://example.org/wfs',
      service_type: 'wfs',
      layer: 'roads',
      layer_id: null,
      object_id_field: null,
      version: null,
    },
    params: { kind: JobKind.ServiceDataset, commit: { title: 'Roads' } },
  };

  /** A presigned upload of `bytes` staged at its incoming key, not completed yet. */
  async function stagedUpload(expiresAt: Date, bytes = 'partial bytes'): Promise<{ id: string; key: string }> {
    const storage = moduleRef.get(Storage);
    const id = randomUUID();
    const key = `staging/${id}/incoming/part.gpkg`;
    await storage.write(key, Readable.from([Buffer.from(bytes)]));
    await jobs.create({
      id,
      owner,
      kind: JobKind.FileDataset,
      source: {
        type: 'stored-file',
        key: null,
        size: 100,
        upload: {
          mode: 'presigned',
          incoming_key: key,
          upload_id: null,
          part_size: null,
          part_count: 1,
          content_type: 'application/octet-stream',
          completion_digest: null,
          completing: null,
        },
      },
      params: { kind: JobKind.FileDataset, commit: null },
      sourceFilename: 'part.gpkg',
      expiresAt,
    });
    return { id, key };
  }

  /** A queued job whose queue entry never existed, queued long before the grace period. */
  async function strandedJob(what = DIAGNOSTICS, attempts = 0): Promise<IngestJob> {
    const job = await jobs.create({ owner, status: JobStatus.Queued, ...what });
    created.push(job.id);
    await dataSource.query(`UPDATE ingest_jobs SET queued_at = $2, updated_at = $2, attempts = $3 WHERE id = $1`, [
      job.id,
      STRANDED_AT,
      attempts,
    ]);
    return job;
  }

  it('uses the grace period and queue prefix from its configuration', () => {
    expect(config.worker.sweeperGraceMs).toBe(GRACE_MS);
    expect(systemQueue.opts.prefix).toBe(config.redis.prefix);
    expect(moduleRef.get(AppConfig)).toBe(config);
  });

  it('re-enqueues a queued job whose queue entry is missing, exactly once', async () => {
    const job = await strandedJob();
    expect(await systemQueue.getJob(job.id)).toBeUndefined();

    const reenqueued = async (): Promise<number> =>
      (await moduleRef.get(StrataMetrics).sweeperReenqueued.get()).values[0]?.value ?? 0;
    const before = await reenqueued();
    const report = await sweeper.sweep();
    expect(report.requeued).toContain(job.id);
    expect(report.failed).not.toContain(job.id);
    expect(await reenqueued()).toBe(before + report.requeued.length);
    expect(report.checked).toBeGreaterThanOrEqual(report.requeued.length + report.failed.length);

    const entry = await systemQueue.getJob(job.id);
    expect(entry).toBeDefined();
    expect(entry?.name).toBe(JobName.Diagnostics);
    expect(entry?.data).toEqual(dispatchFor(job).payload);
    expect(entry?.data).toMatchObject({ jobId: job.id, steps: 1, stepMs: 0, failWith: null });
    expect(await entry?.getState()).toBe('waiting');
    expect((await jobs.findById(job.id))?.status).toBe(JobStatus.Queued);

    // Nothing consumes the queue here, so the entry is still waiting: a second sweep leaves it alone.
    const again = await sweeper.sweep();
    expect(again.requeued).not.toContain(job.id);
    expect(again.failed).not.toContain(job.id);
    const stillThere = await systemQueue.getJob(job.id);
    expect(stillThere?.timestamp).toBe(entry?.timestamp);
    expect(await stillThere?.getState()).toBe('waiting');
    const waiting = await systemQueue.getWaiting();
    expect(waiting.filter((w) => w.id === job.id)).toHaveLength(1);
  });

  it('re-enqueues a silent processing job whose queue entry is missing', async () => {
    const job = await strandedJob();
    await dataSource.query(`UPDATE ingest_jobs SET queued_at = now() WHERE id = $1`, [job.id]);
    expect(await jobs.markStarted(job.id, randomUUID())).not.toBeNull();
    await dataSource.query(`UPDATE ingest_jobs SET updated_at = $2 WHERE id = $1`, [job.id, STRANDED_AT]);

    const report = await sweeper.sweep();
    expect(report.requeued).toContain(job.id);
    expect(await (await systemQueue.getJob(job.id))?.getState()).toBe('waiting');
  });

  it('re-enqueues a stranded service-dataset job on the ingest queue', async () => {
    const job = await strandedJob(SERVICE_DATASET);
    const report = await sweeper.sweep();
    expect(report.requeued).toContain(job.id);
    expect(await (await producer.queue(QueueName.Ingest).getJob(job.id))?.getState()).toBe('waiting');
  });

  it("fails a job that lost its worker too often with code 'worker-lost' instead of re-enqueueing it", async () => {
    const limit = config.jobs.attempts * 2;
    const worn = await strandedJob(DIAGNOSTICS, limit);
    const almost = await strandedJob(DIAGNOSTICS, limit - 1);

    const report = await sweeper.sweep();
    expect(report.failed).toContain(worn.id);
    expect(report.requeued).not.toContain(worn.id);
    const stored = await jobs.findById(worn.id);
    expect(stored?.status).toBe(JobStatus.Failed);
    expect(stored?.error?.code).toBe('worker-lost');
    expect(await systemQueue.getJob(worn.id)).toBeUndefined();

    // One attempt below the limit it still gets another delivery.
    expect(report.requeued).toContain(almost.id);
    expect((await jobs.findById(almost.id))?.status).toBe(JobStatus.Queued);
  });

  it('leaves alone a job whose queue entry is still waiting', async () => {
    const job = await strandedJob();
    await producer.enqueue(dispatchFor(job));
    const entry = await systemQueue.getJob(job.id);
    expect(await entry?.getState()).toBe('waiting');

    const report = await sweeper.sweep();
    expect(report.requeued).not.toContain(job.id);
    expect(report.failed).not.toContain(job.id);
    expect((await jobs.findById(job.id))?.status).toBe(JobStatus.Queued);
    const after = await systemQueue.getJob(job.id);
    expect(after?.timestamp).toBe(entry?.timestamp);
    expect(await after?.getState()).toBe('waiting');
  });

  it('replaces a finished queue entry left behind for a job the database still has queued', async () => {
    const job = await strandedJob();
    // A delivery that ended in BullMQ without its terminal write reaching the database: take the entry
    // by hand (LIFO puts it first in line) and fail it.
    await producer.enqueue(dispatchFor(job), { lifo: true, attempts: 1 });
    const consumer = new Worker(QueueName.System, null, {
      connection: redisConnectionOptions(config),
      prefix: config.redis.prefix,
      autorun: false,
    });
    try {
      const lockToken = randomUUID();
      const taken = (await consumer.getNextJob(lockToken, { block: false })) as Job | undefined;
      expect(taken?.id).toBe(job.id);
      await taken!.moveToFailed(new Error('lost'), lockToken, false);
    } finally {
      await consumer.close();
    }
    expect(await (await systemQueue.getJob(job.id))?.getState()).toBe('failed');

    const report = await sweeper.sweep();
    expect(report.requeued).toContain(job.id);
    expect(await (await systemQueue.getJob(job.id))?.getState()).toBe('waiting');
  });

  it('discards an expired presigned upload and fails its job, leaving a live one alone', async () => {
    const storage = moduleRef.get(Storage);
    const expired = await stagedUpload(new Date(Date.now() - 1000));
    const live = await stagedUpload(new Date(Date.now() + 3600_000));

    const report = await sweeper.sweep();
    expect(report.expired).toContain(expired.id);
    expect(report.expired).not.toContain(live.id);
    const reaped = await jobs.findById(expired.id);
    expect(reaped).toMatchObject({ status: JobStatus.Failed, error: { code: 'upload-expired' } });
    expect(await storage.head(expired.key)).toBeNull();
    expect((await jobs.findById(live.id))?.status).toBe(JobStatus.Pending);
    expect(await storage.head(live.key)).not.toBeNull();
    await jobs.failUnboundUpload(live.id, { code: 'test-cleanup', message: 'done' });
    await storage.delete(live.key);
  });

  it('does not fail an expired upload while a completion holds a live lease; reaps it once the lease lapses', async () => {
    const storage = moduleRef.get(Storage);
    // The completion started inside the window, which closed while it was still working.
    const upload = await stagedUpload(new Date(Date.now() + 3600_000));
    expect(await jobs.leaseUploadCompletion(upload.id, owner, randomUUID(), 60_000)).not.toBeNull();
    await dataSource.query(`UPDATE ingest_jobs SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      upload.id,
    ]);

    const during = await sweeper.sweep();
    expect(during.expired).not.toContain(upload.id);
    expect((await jobs.findById(upload.id))?.status).toBe(JobStatus.Pending);
    // The completion's bytes are left alone too.
    expect(await storage.head(upload.key)).not.toBeNull();

    // The completion died without giving its lease back; once the lease lapses the upload is reaped.
    await dataSource.query(
      `UPDATE ingest_jobs
       SET source = jsonb_set(source, '{upload,completing,until}', to_jsonb((now() - interval '1 second')::text))
       WHERE id = $1`,
      [upload.id],
    );
    const after = await sweeper.sweep();
    expect(after.expired).toContain(upload.id);
    expect(await jobs.findById(upload.id)).toMatchObject({
      status: JobStatus.Failed,
      error: { code: 'upload-expired' },
    });
    expect(await storage.head(upload.key)).toBeNull();
  });

  it('leaves a completed (bound) upload alone even after its window closed', async () => {
    const upload = await stagedUpload(new Date(Date.now() + 3600_000));
    const token = randomUUID();
    await jobs.leaseUploadCompletion(upload.id, owner, token, 60_000);
    expect(await jobs.bindUploadedSource(upload.id, token, upload.key, 'digest')).not.toBeNull();
    await dataSource.query(`UPDATE ingest_jobs SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      upload.id,
    ]);

    const report = await sweeper.sweep();
    expect(report.expired).not.toContain(upload.id);
    expect(await jobs.findById(upload.id)).toMatchObject({ status: JobStatus.Pending, source: { key: upload.key } });
    expect(await moduleRef.get(Storage).head(upload.key)).not.toBeNull();
    await jobs.requestCancel(upload.id, owner);
    await moduleRef.get(Storage).delete(upload.key);
  });
});
