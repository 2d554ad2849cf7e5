import 'reflect-metadata';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StorageDriverName, type AppConfig } from '@app/config';
import { AsyncLocalStorage } from 'node:async_hooks';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { StrataMetrics } from '@app/metrics';
import { storageGdalConfig } from './gdal-task.context.js';
import type { TaskMessage } from './gdal-task.protocol.js';
import { GdalTaskCrashedError, GdalTaskError, GdalTaskRunner, GdalTaskTimeoutError } from './gdal-task.runner.js';

// A stand-in child: answers with the message it was sent, fails or hangs on request.
const FAKE_CHILD = `
process.on('disconnect', () => process.exit(1));
process.once('message', (message) => {
  const size = message.task.size ?? (message.task.sourcePath === 'hang' ? -1 : 1);
  if (size === -1) return void setInterval(() => undefined, 1000);
  if (size === -2) process.exit(3);
  if (size === -3) process.stderr.write('Warning 1: ring self-intersection\\n\\n');
  const reply = size === 0
    ? { type: 'failed', failure: { kind: 'user', code: 'unknown-layer', message: 'No such layer.', extensions: { available_layers: ['a'] } } }
    : { type: 'done', result: message };
  process.send(reply, undefined, {}, () => process.exit(0));
});
`;

const config = {
  database: { url: 'postgres://strata:pw@db:5432/strata', poolSize: 1 },
  storage: {
    driver: StorageDriverName.S3,
    endpoint: 'http://store:9000',
    region: 'eu-1',
    bucket: 'b',
    accessKeyId: 'id',
    secretAccessKey: 'secret',
    forcePathStyle: true,
  },
  worker: {
    gdal: { cacheMax: '24', spareIdleMs: 30_000, taskTimeoutMs: 0, rasterMaxPixels: 1e10, geojsonMaxObjectMb: 64 },
  },
} as AppConfig;
/** The GDAL options every task gets from the worker's configuration. */
const workerGdalConfig = { GDAL_CACHEMAX: '24', OGR_GEOJSON_MAX_OBJ_SIZE: '64', ...storageGdalConfig(config.storage) };

const metrics = new StrataMetrics('worker');
let dir: string;
let entry: string;
let runner: GdalTaskRunner;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'strata-runner-'));
  entry = join(dir, 'fake-child.mjs');
  await writeFile(entry, FAKE_CHILD);
  runner = new (class extends GdalTaskRunner {
    protected override readonly entry = entry;
  })(config, metrics);
});

afterAll(async () => {
  runner.onModuleDestroy();
  await rm(dir, { recursive: true, force: true });
});

describe('GdalTaskRunner', () => {
  it("sends each task with its own context: the worker's GDAL options plus the task's", async () => {
    const plain = await runner.start<TaskMessage>({ kind: 'self-test', size: 4 }).result;
    expect(plain).toEqual({
      context: { databaseUrl: config.database.url, gdalConfig: workerGdalConfig, rasterMaxPixels: 1e10 },
      task: { kind: 'self-test', size: 4 },
    });

    const [withHeaders, withProxy] = await Promise.all([
      runner.start<TaskMessage>(
        { kind: 'self-test', size: 4 },
        {},
        { gdalConfig: { GDAL_HTTP_HEADERS: 'X-Api-Key: a', AWS_REGION: 'us-2' } },
      ).result,
      runner.start<TaskMessage>({ kind: 'self-test', size: 4 }, {}, { gdalConfig: { GDAL_HTTP_PROXY: 'proxy:3128' } })
        .result,
    ]);
    expect(withHeaders.context.gdalConfig).toEqual({
      ...workerGdalConfig,
      GDAL_HTTP_HEADERS: 'X-Api-Key: a',
      AWS_REGION: 'us-2',
    });
    expect(withProxy.context.gdalConfig).toEqual({
      ...workerGdalConfig,
      GDAL_HTTP_PROXY: 'proxy:3128',
    });
    // The runner's own settings are not changed by a task's.
    expect((await runner.start<TaskMessage>({ kind: 'self-test', size: 4 }).result).context.gdalConfig).toEqual(
      workerGdalConfig,
    );
  });

  it("logs the task and the child's stderr in the context of the caller (a job's log fields)", async () => {
    const job = new AsyncLocalStorage<string>();
    const seen: { context: string | undefined; fields: unknown; msg: unknown }[] = [];
    const record = (fields: unknown, msg: unknown): void => void seen.push({ context: job.getStore(), fields, msg });
    const logging = new (class extends GdalTaskRunner {
      protected override readonly entry = entry;
      protected override readonly logger = { debug: record, warn: record };
    })(config, metrics);
    try {
      // Warm a spare outside any job first: the task then runs in a child forked before the job began.
      await logging.start({ kind: 'self-test', size: 1 }).result;
      seen.length = 0;
      await job.run('job-7', () => logging.start({ kind: 'self-test', size: -3 }).result);
      // The stderr line may arrive before or after the answer: order is not asserted.
      await vi.waitFor(() => expect(seen).toHaveLength(3));
      expect(seen).toEqual(
        expect.arrayContaining([
          { context: 'job-7', fields: { task: 'self-test', pid: expect.any(Number) }, msg: 'GDAL task started' },
          expect.objectContaining({ context: 'job-7', msg: 'GDAL task finished' }),
          {
            context: 'job-7',
            fields: { gdal_stderr: 'Warning 1: ring self-intersection' },
            msg: 'GDAL wrote to stderr',
          },
        ]),
      );
    } finally {
      logging.onModuleDestroy();
    }
  });

  it("rejects with the child's failure", async () => {
    const error = await runner.start({ kind: 'self-test', size: 0 }).result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GdalTaskError);
    expect((error as GdalTaskError).failure).toEqual({
      kind: 'user',
      code: 'unknown-layer',
      message: 'No such layer.',
      extensions: { available_layers: ['a'] },
    });
  });

  it('kills a running task at once', async () => {
    const running = runner.start({ kind: 'self-test', size: -1 });
    running.kill();
    const error = await running.result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GdalTaskCrashedError);
    expect((error as GdalTaskCrashedError).signal).toBe('SIGKILL');
  });

  it('kills a child stuck past its time limit (a native call that never returns) and says so', async () => {
    const timeouts = async (): Promise<number> =>
      (await metrics.gdalChildRestarts.get()).values.find((v) => v.labels.reason === 'timeout')?.value ?? 0;
    const before = await timeouts();
    const running = runner.start({ kind: 'self-test', size: -1 }, {}, { timeoutMs: 300 });
    const error = await running.result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GdalTaskTimeoutError);
    expect((error as GdalTaskTimeoutError).timeoutMs).toBe(300);
    expect(await timeouts()).toBe(before + 1);
    // A task that answers in time is not affected by its watchdog.
    expect(await runner.start({ kind: 'self-test', size: 4 }, {}, { timeoutMs: 60_000 }).result).toBeTruthy();
  });

  it('applies the worker-wide limit (SOURCE_READ_TIMEOUT_MS) when the task names none', async () => {
    const limited = new (class extends GdalTaskRunner {
      protected override readonly entry = entry;
    })({
      database: config.database,
      storage: config.storage,
      worker: {
        gdal: { cacheMax: '24', spareIdleMs: 0, taskTimeoutMs: 300, rasterMaxPixels: 1e10, geojsonMaxObjectMb: 64 },
      },
    } as AppConfig);
    try {
      const error = await limited.start({ kind: 'self-test', size: -1 }).result.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GdalTaskTimeoutError);
    } finally {
      limited.onModuleDestroy();
    }
  });

  it('counts replaced children by reason: a crash, a kill of a running task, never a finished one', async () => {
    const restarts = async (reason: string): Promise<number> =>
      (await metrics.gdalChildRestarts.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;
    const [crashes, kills] = [await restarts('crash'), await restarts('killed')];

    const crashed = runner.start({ kind: 'self-test', size: -2 });
    expect(await crashed.result.catch((e: unknown) => e)).toBeInstanceOf(GdalTaskCrashedError);
    const killed = runner.start({ kind: 'self-test', size: -1 });
    killed.kill();
    killed.kill();
    await killed.result.catch(() => undefined);
    const finished = runner.start({ kind: 'self-test', size: 4 });
    await finished.result;
    finished.kill();

    expect(await restarts('crash')).toBe(crashes + 1);
    expect(await restarts('killed')).toBe(kills + 1);
  });
  describe('the pre-forked spare', () => {
    const runnerWith = (spareIdleMs: number): GdalTaskRunner =>
      new (class extends GdalTaskRunner {
        protected override readonly entry = entry;
      })({
        database: config.database,
        storage: config.storage,
        worker: { gdal: { cacheMax: '24', spareIdleMs, taskTimeoutMs: 0, rasterMaxPixels: 1e10 } },
      } as AppConfig);
    const until = async (condition: () => boolean, ms = 5000): Promise<boolean> => {
      for (const end = Date.now() + ms; !condition() && Date.now() < end;) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return condition();
    };
    const alive = (pid: number): boolean => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };

    it('is forked when a task ends and ended after GDAL_SPARE_IDLE_SECONDS without a task', async () => {
      const fresh = runnerWith(300);
      try {
        expect(fresh.hasSpare).toBe(false);
        await fresh.start({ kind: 'self-test', size: 4 }).result;
        expect(await until(() => fresh.hasSpare)).toBe(true);
        const spare = fresh.sparePid as number;
        expect(alive(spare)).toBe(true);
        // No task comes: the spare is ended, and its process is gone.
        expect(await until(() => !fresh.hasSpare)).toBe(true);
        expect(await until(() => !alive(spare))).toBe(true);
        // The next task still runs (in a child forked for it), and leaves a spare again.
        expect(await fresh.start<TaskMessage>({ kind: 'self-test', size: 5 }).result).toMatchObject({
          task: { size: 5 },
        });
        expect(await until(() => fresh.hasSpare)).toBe(true);
      } finally {
        fresh.onModuleDestroy();
      }
      expect(fresh.hasSpare).toBe(false);
    }, 15_000);

    it('a task that takes the spare stops its idle clock', async () => {
      const fresh = runnerWith(400);
      try {
        await fresh.start({ kind: 'self-test', size: 4 }).result;
        expect(await until(() => fresh.hasSpare)).toBe(true);
        // Take the spare with a task that outlives the idle time, then finish it: a new spare, a new clock.
        const long = fresh.start({ kind: 'self-test', size: -1 });
        expect(fresh.hasSpare).toBe(false);
        await new Promise((resolve) => setTimeout(resolve, 600));
        long.kill();
        await long.result.catch(() => undefined);
        expect(await until(() => fresh.hasSpare)).toBe(true);
        await new Promise((resolve) => setTimeout(resolve, 150));
        expect(fresh.hasSpare).toBe(true);
      } finally {
        fresh.onModuleDestroy();
      }
    }, 15_000);

    it('is not forked while another task still runs, only once the last one has ended', async () => {
      const fresh = runnerWith(30_000);
      try {
        const long = fresh.start({ kind: 'self-test', size: -1 });
        await fresh.start({ kind: 'self-test', size: 4 }).result;
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(fresh.hasSpare).toBe(false);
        long.kill();
        await long.result.catch(() => undefined);
        expect(await until(() => fresh.hasSpare)).toBe(true);
      } finally {
        fresh.onModuleDestroy();
      }
    }, 15_000);

    it('is forked as soon as a preview starts in the spare, so a commit right after it finds one ready', async () => {
      const fresh = runnerWith(30_000);
      try {
        // No spare yet: the preview loads its own child, and no second one loads beside it.
        const cold = fresh.start({ kind: 'inspect', sourcePath: 'hang', layerName: null });
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(fresh.hasSpare).toBe(false);
        cold.kill();
        await cold.result.catch(() => undefined);
        expect(await until(() => fresh.hasSpare)).toBe(true);
        // A preview in the spare: the next spare is forked at once.
        const preview = fresh.start({ kind: 'inspect', sourcePath: 'hang', layerName: null });
        expect(fresh.hasSpare).toBe(true);
        const spare = fresh.sparePid as number;
        // The next task takes that spare.
        const next = fresh.start<TaskMessage>({ kind: 'self-test', size: 6 });
        expect(fresh.hasSpare).toBe(false);
        expect(await next.result).toMatchObject({ task: { size: 6 } });
        expect(await until(() => !alive(spare))).toBe(true);
        preview.kill();
        await preview.result.catch(() => undefined);
        expect(await until(() => fresh.hasSpare)).toBe(true);
      } finally {
        fresh.onModuleDestroy();
      }
    }, 15_000);

    it('is not forked beside an ingest step when a preview starts during it', async () => {
      const fresh = runnerWith(30_000);
      try {
        const ingest = fresh.start({ kind: 'self-test', size: -1 });
        const preview = fresh.start({ kind: 'inspect', sourcePath: 'hang', layerName: null });
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(fresh.hasSpare).toBe(false);
        preview.kill();
        await preview.result.catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(fresh.hasSpare).toBe(false);
        ingest.kill();
        await ingest.result.catch(() => undefined);
        expect(await until(() => fresh.hasSpare)).toBe(true);
      } finally {
        fresh.onModuleDestroy();
      }
    }, 15_000);

    it('is never forked with GDAL_SPARE_IDLE_SECONDS=0', async () => {
      const fresh = runnerWith(0);
      try {
        await fresh.start({ kind: 'self-test', size: 4 }).result;
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(fresh.hasSpare).toBe(false);
      } finally {
        fresh.onModuleDestroy();
      }
    });
  });
});
