// The importer-run service wired to the real database and job runner, for integration specs: only the
// storage and the reader opener vary (doubles, or the real CSV reader over files the spec holds).
import { randomUUID } from 'node:crypto';
import type { Job } from 'bullmq';
import { parseConfig } from '@app/config';
import type { CompiledImporter } from '@app/importers';
import { ImportRunRepository, JobRepository, createDataSource } from '@app/jobs';
import { StrataMetrics } from '@app/metrics';
import type { BasePayload } from '@app/queues';
import type { GuardedHttpClient } from '@app/security';
import type { Storage } from '@app/storage';
import type { DataSource } from 'typeorm';
import type { CompiledImporters, OpenRecordReader } from '../../apps/worker/src/import/import-ports.js';
import { ImportRunService } from '../../apps/worker/src/import/import-run.service.js';
import { ImportSourceResolver } from '../../apps/worker/src/import/import-source.js';
import { HeapGovernor } from '../../apps/worker/src/runtime/heap-governor.js';
import { JobRunner, type HandlerResult } from '../../apps/worker/src/runtime/job-runner.service.js';

export interface ImportRunHarness {
  dataSource: DataSource;
  jobs: JobRepository;
  runner: JobRunner;
  service: ImportRunService;
  /** The importers runs may name, by slug. */
  importers: Map<string, CompiledImporter>;
  /** A scratch schema for the spec's target tables (created here, dropped by `stop`). */
  schema: string;
  /** The owner the spec's runs belong to (their jobs are deleted by `stop`). */
  owner: string;
  stop(): Promise<void>;
}

/**
 * Connects (`name` is the connection's application name and the prefix of the scratch schema and owner),
 * creates the scratch schema, and builds the service around `storage` and `openReader`.
 */
export async function startImportRunHarness(
  name: string,
  storage: Storage,
  openReader: OpenRecordReader,
): Promise<ImportRunHarness> {
  const dataSource = createDataSource(parseConfig(process.env), name);
  await dataSource.initialize();
  const jobs = new JobRepository(dataSource);
  const runs = new ImportRunRepository(dataSource);
  const importers = new Map<string, CompiledImporter>();
  const catalog: CompiledImporters = { compiled: (slug) => importers.get(slug) };
  const sources = new ImportSourceResolver(storage, {} as GuardedHttpClient, runs, openReader);
  const service = new ImportRunService(dataSource, runs, sources, catalog, new HeapGovernor(parseConfig(process.env)));
  const runner = new JobRunner(jobs, dataSource, new StrataMetrics('worker'));
  const schema = `${name.replace(/\W/g, '_')}_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
  const owner = `${name}-${randomUUID()}`;
  await dataSource.query(`CREATE SCHEMA ${schema}`);
  const stop = async (): Promise<void> => {
    await dataSource.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await dataSource.query(`DELETE FROM ingest_jobs WHERE owner = $1`, [owner]);
    await dataSource.destroy();
  };
  return { dataSource, jobs, runner, service, importers, schema, owner, stop };
}

/**
 * One delivery of run `jobId`'s queue job through the real job runner (attempt `attemptsMade + 1` of
 * `attempts`). Resolves to the handler's result; a thrown error rejects.
 */
export async function deliverImportRun(
  harness: ImportRunHarness,
  jobId: string,
  { attemptsMade = 0, attempts = 3 }: { attemptsMade?: number; attempts?: number } = {},
): Promise<HandlerResult | null> {
  const bullJob = {
    data: { jobId, requestId: null },
    attemptsMade,
    opts: { attempts },
    queueName: 'import',
    name: 'import-run',
  } as unknown as Job<BasePayload>;
  let result: HandlerResult | null = null;
  await harness.runner.run(bullJob, async (ctx) => (result = await harness.service.run(ctx)));
  return result;
}
