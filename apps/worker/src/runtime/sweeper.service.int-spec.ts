import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Test, type TestingModule } from '@nestjs/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppConfig, ConfigModule, parseConfig } from '@app/config';
import { JobRepository, JobStatus, JobsModule, type IngestJob } from '@app/jobs';
import {
  ALL_QUEUES,
  JobName,
  JobProducer,
  QueueName,
  QueuesModule,
  dispatchFor,
  redisConnectionOptions,
} from '@app/queues';
import { Storage, StorageModule } from '@app/storage';
import { Worker, type Job, type Queue } from 'bullmq';
import { Readable } from 'node:stream';
import { DataSource } from 'typeorm';
import { QueueSweeper } from './sweeper.service.js';

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
      imports: [ConfigModule, JobsModule.forApp('test'), QueuesModule.forRoot(), StorageModule.forRoot()],
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

  /** A queued job of `importer` whose queue entry never existed, queued long before the grace period. */
  async function strandedJob(importer: string, attempts = 0): Promise<IngestJob> {
    const job = await jobs.create({ owner, importer, status: JobStatus.Queued, options: { steps: 1, step_ms: 0 } });
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
    const job = await strandedJob('diagnostics');
    expect(await systemQueue.getJob(job.id)).toBeUndefined();

    const report = await sweeper.sweep();
    expect(report.requeued).toContain(job.id);
    expect(report.failed).not.toContain(job.id);
    expect(report.checked).toBeGreaterThanOrEqual(report.requeued.length + report.failed.length);

    const entry = await systemQueue.getJob(job.id);
    expect(entry).toBeDefined();
    expect(entry?.name).toBe(JobName.Diagnostics);
    expect(entry?.data).toMatchObject({ jobId: job.id, steps: 1, stepMs: 0 });
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
    const job = await strandedJob('diagnostics');
    await dataSource.query(`UPDATE ingest_jobs SET queued_at = now() WHERE id = $1`, [job.id]);
    expect(await jobs.markStarted(job.id, randomUUID())).not.toBeNull();
    await dataSource.query(`UPDATE ingest_jobs SET updated_at = $2 WHERE id = $1`, [job.id, STRANDED_AT]);

    const report = await sweeper.sweep();
    expect(report.requeued).toContain(job.id);
    expect(await (await systemQueue.getJob(job.id))?.getState()).toBe('waiting');
  });

  it("fails a job no worker can run with code 'undispatchable'", async () => {
    const job = await strandedJob(`no-such-importer-${randomUUID().slice(0, 8)}`);

    const report = await sweeper.sweep();
    expect(report.failed).toContain(job.id);
    expect(report.requeued).not.toContain(job.id);

    const stored = await jobs.findById(job.id);
    expect(stored?.status).toBe(JobStatus.Failed);
    expect(stored?.error?.code).toBe('undispatchable');
    expect(stored?.completedAt).toBeInstanceOf(Date);
    expect(await systemQueue.getJob(job.id)).toBeUndefined();
  });

  it("fails a job that lost its worker too often with code 'worker-lost' instead of re-enqueueing it", async () => {
    const limit = config.jobs.attempts * 2;
    const worn = await strandedJob('diagnostics', limit);
    const almost = await strandedJob('diagnostics', limit - 1);

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
    const job = await strandedJob('diagnostics');
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
    const job = await strandedJob('diagnostics');
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
    const stage = async (expiresAt: Date): Promise<{ id: string; key: string }> => {
      const id = randomUUID();
      const key = `staging/${id}/incoming/part.gpkg`;
      await storage.write(key, Readable.from([Buffer.from('partial bytes')]));
      await jobs.create({
        id,
        owner,
        importer: 'dataset',
        sourceType: 'presigned',
        sourceFilename: 'part.gpkg',
        sourceSize: 100,
        expiresAt,
        options: { upload: { incoming_key: key, upload_id: null, part_size: null, part_count: 1 } },
      });
      return { id, key };
    };
    const expired = await stage(new Date(Date.now() - 1000));
    const live = await stage(new Date(Date.now() + 3600_000));

    const report = await sweeper.sweep();
    expect(report.expired).toContain(expired.id);
    expect(report.expired).not.toContain(live.id);
    const reaped = await jobs.findById(expired.id);
    expect(reaped).toMatchObject({ status: JobStatus.Failed, error: { code: 'upload-expired' } });
    expect(await storage.head(expired.key)).toBeNull();
    expect((await jobs.findById(live.id))?.status).toBe(JobStatus.Pending);
    expect(await storage.head(live.key)).not.toBeNull();
    await jobs.failPending(live.id, { code: 'test-cleanup', message: 'done' });
    await storage.delete(live.key);
  });
});
