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

// A stand-in child: answers with the message it was sent and its pid, fails or hangs on request, and
// stays for another task when the worker allows it (unless its source is named 'grown').
const FAKE_CHILD = `
process.on('disconnect', () => process.exit(1));
let busy = false;
let tasks = 0;
process.on('message', (message) => {
  if (busy) return;
  busy = true;
  tasks += 1;
  // 'stale' fails in a process that ran a task before (a kept child), and works in a fresh one.
  const named = { hang: -1, fail: 0, stale: tasks > 1 ? 0 : undefined }[message.task.sourcePath];
  const size = message.task.size ?? named ?? 1;
  if (size === -1) return void setInterval(() => undefined, 1000);
  if (size === -2) process.exit(3);
  if (size === -3) process.stderr.write('Warning 1: /srv/strata/var/tmp/job-7/a.gpkg: ring self-intersection\\n\\n');
  const staying = size !== 0 && message.mayStay === true && message.task.sourcePath !== 'grown';
  const reply = size === 0
    ? { type: 'failed', failure: { kind: 'user', code: 'unknown-layer', message: 'No such layer.', extensions: { available_layers: ['a'] } } }
    : { type: 'done', result: { ...message, pid: process.pid }, ...(staying ? { staying } : {}) };
  process.send(reply, undefined, {}, () => {
    if (staying) busy = false;
    else process.exit(0);
  });
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
      pid: expect.any(Number),
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
            // Where the file lies (the installation, a temporary directory) is not logged: only its name.
            fields: { gdal_stderr: 'Warning 1: …/a.gpkg: ring self-intersection' },
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

    type Answer = TaskMessage & { pid: number };

    it("keeps a stored file's preview child as the spare, and the next task runs in it", async () => {
      const fresh = runnerWith(30_000);
      try {
        await fresh.start({ kind: 'self-test', size: 4 }).result;
        expect(await until(() => fresh.hasSpare)).toBe(true);
        const first = fresh.sparePid as number;
        // The preview runs in the spare, is allowed to stay, and is the spare again once it has answered.
        const preview = fresh.start<Answer>({ kind: 'inspect', sourcePath: 'a.gpkg', layerName: null });
        expect(fresh.hasSpare).toBe(false);
        const answer = await preview.result;
        expect(answer).toMatchObject({ pid: first, mayStay: true });
        expect(fresh.sparePid).toBe(first);
        // The task is over: killing it now does nothing to the child that waits for someone else.
        preview.kill();
        await new Promise((resolve) => setTimeout(resolve, 100));
        expect(alive(first)).toBe(true);
        // A second preview, then the commit's ingest step: all in the same, already loaded child.
        expect(
          await fresh.start<Answer>({ kind: 'inspect', sourcePath: 'a.gpkg', layerName: 'b' }).result,
        ).toMatchObject({ pid: first, task: { layerName: 'b' } });
        const ingest = await fresh.start<Answer>({ kind: 'self-test', size: 6 }).result;
        expect(ingest).toMatchObject({ pid: first, task: { size: 6 } });
        expect(ingest.mayStay).toBeUndefined();
        // An ingest step's child never stays: it exits, and a fresh spare is forked.
        expect(await until(() => !alive(first))).toBe(true);
        expect(await until(() => fresh.hasSpare)).toBe(true);
        expect(fresh.sparePid).not.toBe(first);
      } finally {
        fresh.onModuleDestroy();
      }
    }, 15_000);

    it('does not keep a preview child that failed, grew, or ran with a job’s own GDAL options', async () => {
      const fresh = runnerWith(30_000);
      try {
        const cases: [string, Record<string, string> | undefined][] = [
          ['fail', undefined],
          ['grown', undefined],
          ['remote', { GDAL_HTTP_PROXY: 'proxy:3128' }],
        ];
        for (const [sourcePath, gdalConfig] of cases) {
          await fresh.start({ kind: 'self-test', size: 4 }).result;
          expect(await until(() => fresh.hasSpare)).toBe(true);
          const spare = fresh.sparePid as number;
          const preview = fresh.start<Answer>(
            { kind: 'inspect', sourcePath, layerName: null },
            {},
            gdalConfig ? { gdalConfig } : {},
          );
          const answer = await preview.result.catch((error: unknown) => error);
          // A failure answers with the error; the others were allowed to stay only without a job's options.
          expect(answer instanceof GdalTaskError ? 'failed' : (answer as Answer).mayStay).toBe(
            { fail: 'failed', grown: true, remote: undefined }[sourcePath],
          );
          // Its child exits, and the spare is another one.
          expect(await until(() => !alive(spare))).toBe(true);
          expect(await until(() => fresh.hasSpare)).toBe(true);
          expect(fresh.sparePid).not.toBe(spare);
        }
      } finally {
        fresh.onModuleDestroy();
      }
    }, 15_000);

    it('runs a task that failed in a kept child once more in a fresh one, whose answer stands', async () => {
      const fresh = runnerWith(30_000);
      try {
        const kept = (await fresh.start<Answer>({ kind: 'inspect', sourcePath: 'a.gpkg', layerName: null }).result).pid;
        expect(fresh.sparePid).toBe(kept);
        // Fails in the kept child (as a cached object can when the store is down), answers in a fresh one.
        const answer = await fresh.start<Answer>({ kind: 'inspect', sourcePath: 'stale', layerName: null }).result;
        expect(answer.pid).not.toBe(kept);
        expect(await until(() => !alive(kept))).toBe(true);
        // A failure that is the file's own fails in the fresh process too, and that is the answer.
        await until(() => fresh.hasSpare);
        const again = (await fresh.start<Answer>({ kind: 'inspect', sourcePath: 'b.gpkg', layerName: null }).result)
          .pid;
        expect(fresh.sparePid).toBe(again);
        const error = await fresh
          .start({ kind: 'inspect', sourcePath: 'fail', layerName: null })
          .result.catch((e: unknown) => e);
        expect(error).toBeInstanceOf(GdalTaskError);
        // A task killed in a kept child is not run again, nor one whose kept child died (a crash).
        await until(() => fresh.hasSpare);
        await fresh.start<Answer>({ kind: 'inspect', sourcePath: 'c.gpkg', layerName: null }).result;
        const stuck = fresh.start({ kind: 'self-test', size: -1 });
        stuck.kill();
        expect(await stuck.result.catch((e: unknown) => e)).toBeInstanceOf(GdalTaskCrashedError);
        await until(() => fresh.hasSpare);
        await fresh.start<Answer>({ kind: 'inspect', sourcePath: 'd.gpkg', layerName: null }).result;
        const crashed = await fresh.start({ kind: 'self-test', size: -2 }).result.catch((e: unknown) => e);
        expect(crashed).toMatchObject({ name: 'GdalTaskCrashedError', exitCode: 3 });
      } finally {
        fresh.onModuleDestroy();
      }
    }, 15_000);

    it('never gives a kept child to a task with its own GDAL options', async () => {
      const fresh = runnerWith(30_000);
      const own = { gdalConfig: { GDAL_HTTP_HEADERS: 'Authorization: Bearer t' } };
      try {
        const kept = (await fresh.start<Answer>({ kind: 'inspect', sourcePath: 'a.gpkg', layerName: null }).result).pid;
        expect(fresh.sparePid).toBe(kept);
        // A remote preview runs in a fresh process; the kept child goes on waiting.
        const remote = await fresh.start<Answer>({ kind: 'inspect', sourcePath: 'wfs', layerName: null }, {}, own)
          .result;
        expect(remote.pid).not.toBe(kept);
        expect(fresh.sparePid).toBe(kept);
        // A remote load runs in a fresh process too, and the kept child is ended (no spare beside a load).
        const load = fresh.start<Answer>({ kind: 'self-test', size: -1 }, {}, own);
        expect(fresh.hasSpare).toBe(false);
        expect(await until(() => !alive(kept))).toBe(true);
        load.kill();
        await load.result.catch(() => undefined);
        // A spare forked for the next task has served none: a task with its own options may take it.
        expect(await until(() => fresh.hasSpare)).toBe(true);
        const forked = fresh.sparePid as number;
        expect(
          (await fresh.start<Answer>({ kind: 'inspect', sourcePath: 'wfs', layerName: null }, {}, own).result).pid,
        ).toBe(forked);
      } finally {
        fresh.onModuleDestroy();
      }
    }, 15_000);

    it('does not keep a preview child beside a running ingest step', async () => {
      const fresh = runnerWith(30_000);
      try {
        const ingest = fresh.start({ kind: 'self-test', size: -1 });
        const answer = await fresh.start<Answer>({ kind: 'inspect', sourcePath: 'a.gpkg', layerName: null }).result;
        expect(answer.mayStay).toBe(true);
        expect(fresh.hasSpare).toBe(false);
        expect(await until(() => !alive(answer.pid))).toBe(true);
        ingest.kill();
        await ingest.result.catch(() => undefined);
        expect(await until(() => fresh.hasSpare)).toBe(true);
      } finally {
        fresh.onModuleDestroy();
      }
    }, 15_000);

    it("forks the next spare as soon as a remote layer's preview starts in the spare", async () => {
      const fresh = runnerWith(30_000);
      const remote = { gdalConfig: { GDAL_HTTP_PROXY: 'proxy:3128' } };
      try {
        // No spare yet: the preview loads its own child, and no second one loads beside it.
        const cold = fresh.start({ kind: 'inspect', sourcePath: 'hang', layerName: null }, {}, remote);
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(fresh.hasSpare).toBe(false);
        cold.kill();
        await cold.result.catch(() => undefined);
        expect(await until(() => fresh.hasSpare)).toBe(true);
        // A preview in the spare that cannot stay: the next spare is forked at once.
        const preview = fresh.start({ kind: 'inspect', sourcePath: 'hang', layerName: null }, {}, remote);
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
