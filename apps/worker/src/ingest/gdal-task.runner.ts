import { AsyncResource } from 'node:async_hooks';
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Injectable, Logger, Optional, type OnModuleDestroy } from '@nestjs/common';
import { scrubSecrets, withoutPaths } from '@app/common';
import { AppConfig, environmentWithoutProxies } from '@app/config';
import { baseTaskContext } from './gdal-task.context.js';
import {
  isChildMessage,
  type GdalTask,
  type TaskContext,
  type TaskFailure,
  type TaskMessage,
} from './gdal-task.protocol.js';
import { StrataMetrics } from '@app/metrics';

const elapsedMs = (since: number): number => Math.round(performance.now() - since);
const errorName = (error: unknown): string => (error instanceof Error ? error.name : typeof error);

/** The child reported a failure (user-safe when `failure.kind` is `user`). */
export class GdalTaskError extends Error {
  constructor(readonly failure: TaskFailure) {
    super(failure.kind === 'user' ? failure.message : `GDAL step failed (${failure.code})`);
    this.name = 'GdalTaskError';
  }

  /** Errno / SQLSTATE of an internal failure, so the retry policy can tell outages from bugs. */
  get code(): string | undefined {
    return this.failure.kind === 'internal' ? this.failure.code : undefined;
  }
}

/** The child died without answering (killed, out of memory, crashed inside GDAL). */
export class GdalTaskCrashedError extends Error {
  constructor(
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
  ) {
    super(`GDAL step ended without a result (exit ${exitCode ?? 'none'}, signal ${signal ?? 'none'})`);
    this.name = 'GdalTaskCrashedError';
  }
}

/**
 * The child ran past its time limit and was killed: a native GDAL call (a hostile or malformed file)
 * that would not return, or a source far too large for one step.
 */
export class GdalTaskTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`GDAL step stopped after ${timeoutMs} ms`);
    this.name = 'GdalTaskTimeoutError';
  }
}

export interface RunningTask<T> {
  readonly result: Promise<T>;
  /** Stops the child at once (SIGKILL); `result` then rejects with GdalTaskCrashedError. */
  kill(): void;
}

export interface TaskListeners {
  onProgress?: (fraction: number) => void;
  onStep?: (step: string) => void;
  onTotal?: (features: number) => void;
}

export interface TaskOptions {
  /** GDAL options for this task only, over the worker's own (a job's HTTP headers, token, proxy…). */
  gdalConfig?: Record<string, string>;
  /** False: fork no spare for a next task (a check that should not leave a process behind). Default true. */
  spare?: boolean;
  /**
   * Watchdog: past this the child is killed and `result` rejects with GdalTaskTimeoutError. Default the
   * worker's SOURCE_READ_TIMEOUT_MS; 0 for none.
   */
  timeoutMs?: number;
}

/** Longest GDAL stderr line logged as is (a runaway message is cut, not copied whole into the logs). */
const MAX_STDERR_LINE = 2000;

/**
 * Tasks whose child stays small (a preview reads a source's metadata, not its data): a spare may load
 * beside them.
 */
const LIGHT_TASKS: ReadonlySet<GdalTask['kind']> = new Set(['inspect']);

const ENTRY = fileURLToPath(new URL('./gdal-task.js', import.meta.url));

/**
 * Runs GDAL tasks (ingest steps, previews, self-tests), each in a child process of its own: the worker
 * process itself never loads GDAL. gdal-async cannot abort a running call, so the only way to stop a
 * long translation promptly (cancel, superseded attempt, shutdown) is to kill the process doing it; and
 * GDAL's configuration is process-wide, so per-task settings are safe only in a process per task.
 */
@Injectable()
export class GdalTaskRunner implements OnModuleDestroy {
  /** The child's entry point (built JavaScript next to this file). */
  protected readonly entry: string = ENTRY;
  protected readonly logger: Pick<Logger, 'debug' | 'warn'> = new Logger(GdalTaskRunner.name);
  /**
   * Where each child's stderr lines go: bound, when a task starts, to the caller's async context, so the
   * lines are logged with the running job's fields even from a spare forked before the job.
   */
  private readonly stderrSinks = new WeakMap<ChildProcess, (line: string) => void>();
  private readonly logStderr = (line: string): void => {
    const text = line.length > MAX_STDERR_LINE ? `${line.slice(0, MAX_STDERR_LINE)}…` : line;
    this.logger.warn({ gdal_stderr: withoutPaths(scrubSecrets(text)) }, 'GDAL wrote to stderr');
  };
  /** A child's lines before it has a task (a spare loading GDAL): bound to no job, whoever forked it. */
  private readonly idleStderr = AsyncResource.bind(this.logStderr);
  private readonly context: TaskContext;
  /**
   * A child already past loading Node and GDAL (about 0.4 s, and most of its memory), for the next
   * task. Either the child of a preview of a stored file, which stays once it has answered (it holds no
   * job's settings and is still small; the commit that often follows a preview at once then starts
   * without waiting for a child to load), or one forked when the last running task's child has answered,
   * never beside an ingest or a build, so such a task's peak memory is one child's. A preview that cannot
   * stay (a remote layer's, with the job's own GDAL options) forks its successor when it starts in the
   * spare and nothing heavier runs. Kept for `spareIdleMs` (a burst of jobs starts each without the wait),
   * then ended, so an idle worker holds none.
   */
  private spare: ChildProcess | undefined;
  /** The spare is a kept child (it ran a preview), not one forked for the next task. */
  private spareUsed = false;
  private spareTimer: NodeJS.Timeout | undefined;
  /**
   * Tasks whose child has not exited yet, how many of them are not light, and whether one of them asked
   * for a spare afterwards.
   */
  private running = 0;
  private heavy = 0;
  private spareWanted = false;
  private readonly spareIdleMs: number;
  private readonly timeoutMs: number;
  private closing = false;

  constructor(
    config: AppConfig,
    @Optional() private readonly metrics?: StrataMetrics,
  ) {
    this.context = baseTaskContext(config);
    this.spareIdleMs = config.worker.gdal.spareIdleMs;
    this.timeoutMs = config.worker.gdal.taskTimeoutMs;
  }

  onModuleDestroy(): void {
    this.closing = true;
    this.dropSpare();
  }

  /** Whether a pre-forked child is waiting for the next task (for tests and diagnostics). */
  get hasSpare(): boolean {
    return this.spare !== undefined;
  }

  /** The waiting pre-forked child's process id, if there is one. */
  get sparePid(): number | undefined {
    return this.spare?.pid;
  }

  private dropSpare(): void {
    this.spareUsed = false;
    clearTimeout(this.spareTimer);
    this.spareTimer = undefined;
    this.spare?.kill('SIGKILL');
    this.spare = undefined;
  }

  /** Pre-forks the next task's child (unless one waits already), ended if no task takes it in time. */
  private replenishSpare(): void {
    if (this.closing || this.spareIdleMs === 0 || this.spare !== undefined) return;
    this.spare = this.fork();
    this.spareUsed = false;
    clearTimeout(this.spareTimer);
    this.spareTimer = setTimeout(() => this.dropSpare(), this.spareIdleMs);
    this.spareTimer.unref();
  }

  private fork(): ChildProcess {
    // Configuration and the task go over IPC; the child reads no environment. stdout is not used;
    // stderr (GDAL's own warnings) is logged line by line by the worker. Its own process group: a
    // terminal's Ctrl-C reaches the worker (which then waits for this step), not the child. The child
    // still exits when the worker goes away (see gdal-task.ts).
    const child = fork(this.entry, [], {
      env: environmentWithoutProxies(),
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
      detached: true,
    });
    if (child.stderr) {
      createInterface({ input: child.stderr, crlfDelay: Infinity }).on('line', (line) => {
        if (line.trim() === '') return;
        (this.stderrSinks.get(child) ?? this.idleStderr)(line);
      });
      (child.stderr as Socket).unref();
    }
    // An idle spare must not keep the worker alive, nor outlive it.
    child.unref();
    child.channel?.unref();
    child.once('exit', () => {
      if (this.spare === child) this.spare = undefined;
    });
    return child;
  }

  /**
   * The spare if there is one (`spare` true), else a child forked now. A task with its own GDAL options
   * (a job's credentials, headers, a proxy) never runs in a kept child that served another task: GDAL's
   * caches (a /vsis3/ object read before) would answer it without its own settings being used. It gets a
   * fresh process; a preview leaves the kept child waiting, an ingest or build ends it (no spare beside it).
   */
  private take(ownOptions: boolean, light: boolean): { child: ChildProcess; spare: boolean; kept: boolean } {
    if (ownOptions && this.spare !== undefined && this.spareUsed) {
      if (!light) this.dropSpare();
      const child = this.fork();
      child.channel?.ref();
      return { child, spare: false, kept: false };
    }
    const spare = this.spare;
    const kept = this.spareUsed;
    this.spare = undefined;
    this.spareUsed = false;
    clearTimeout(this.spareTimer);
    this.spareTimer = undefined;
    const ready = spare !== undefined && spare.exitCode === null && spare.signalCode === null && spare.connected;
    const child = ready ? spare : this.fork();
    child.channel?.ref();
    return { child, spare: ready, kept: ready && kept };
  }

  /**
   * A child that answered a preview and stayed (see `TaskMessage.mayStay`): it becomes the spare, unless
   * one waits already, the worker is closing, or a heavier task still runs (a spare is never kept beside
   * an ingest or a build).
   */
  private adopt(child: ChildProcess): void {
    this.stderrSinks.delete(child);
    child.channel?.unref();
    if (this.closing || this.spareIdleMs === 0 || this.spare !== undefined || this.heavy > 0) {
      child.kill('SIGKILL');
      return;
    }
    this.logger.debug({ pid: child.pid }, 'GDAL child kept for the next task');
    this.spare = child;
    this.spareUsed = true;
    clearTimeout(this.spareTimer);
    this.spareTimer = setTimeout(() => this.dropSpare(), this.spareIdleMs);
    this.spareTimer.unref();
  }

  /**
   * Starts `task` in a child (the spare, if one is ready); the result is what the task answers. A task
   * that failed in a kept child (one that ran a preview before) runs once more in a fresh process, and
   * that answer stands: GDAL's caches in the kept child can turn an outage into a different failure (an
   * object whose size the preview cached, its bytes now unreachable, reads as a broken file rather than
   * as the store being down), which must not decide whether the job is retried. Only a failure the
   * child answered: not a kill, a crash (the child died: its caches had no part in that) or a timeout.
   */
  start<T>(task: GdalTask, listeners: TaskListeners = {}, options: TaskOptions = {}): RunningTask<T> {
    const first = this.startIn<T>(task, listeners, options, false);
    if (!first.kept) return first;
    let current: RunningTask<T> = first;
    let stopped = false;
    const result = first.result.catch((error: unknown) => {
      if (stopped || !(error instanceof GdalTaskError)) throw error;
      this.logger.debug(
        { task: task.kind, outcome: errorName(error) },
        'GDAL task failed in a kept child: running it once more in a fresh one',
      );
      current = this.startIn<T>(task, listeners, options, true);
      return current.result;
    });
    return {
      result,
      kill: () => {
        stopped = true;
        current.kill();
      },
    };
  }

  private startIn<T>(
    task: GdalTask,
    listeners: TaskListeners,
    options: TaskOptions,
    fresh: boolean,
  ): RunningTask<T> & { kept: boolean } {
    if (!existsSync(this.entry)) throw new Error('GDAL task entry point is missing: build the worker first');
    const light = LIGHT_TASKS.has(task.kind);
    const ownOptions = Object.keys(options.gdalConfig ?? {}).length > 0;
    const { child, spare, kept } = this.take(ownOptions || fresh, light);
    // Everything logged about this task, now or from the child's events later, in the caller's context.
    this.stderrSinks.set(child, AsyncResource.bind(this.logStderr));
    const startedAt = performance.now();
    this.logger.debug({ task: task.kind, pid: child.pid }, 'GDAL task started');
    this.running += 1;
    if (!light) this.heavy += 1;
    // A preview with only the worker's own GDAL options leaves its child holding no job's settings: the
    // child may stay and be the next task's (a commit that follows a preview then starts at once).
    const mayStay = light && !ownOptions && options.spare !== false && this.spareIdleMs > 0;
    if (options.spare !== false) {
      // Not when this task's own child is still loading: two loads at once slow both and double the memory.
      // Nor when this child will likely stay: it is the next spare then.
      if (light && spare && this.heavy === 0 && !mayStay) this.replenishSpare();
      else this.spareWanted = true;
    }
    // The task is over when its child answers (it exits right after, or stays as the spare) or dies,
    // whichever comes first: a spare wanted by it is forked then, once no task runs (a spare beside an
    // ingest would add a child to its peak). A preview in the spare has forked its successor above already.
    let over = false;
    const ended = (): void => {
      if (over) return;
      over = true;
      this.running -= 1;
      if (!light) this.heavy -= 1;
      if (this.running === 0 && this.spareWanted) {
        this.spareWanted = false;
        this.replenishSpare();
      }
    };
    // `settled`: the task answered (or failed to start); `killed`: we ended it before it answered.
    let settled = false;
    let killed = false;
    let timedOut = false;
    // `released`: the child stayed after answering and is no longer this task's to kill.
    let released = false;
    // The watchdog: gdal-async cannot interrupt a native call, so a child stuck in one is killed.
    const limit = options.timeoutMs ?? this.timeoutMs;
    const watchdog =
      limit > 0
        ? setTimeout(() => {
            if (settled || child.exitCode !== null || child.signalCode !== null) return;
            timedOut = true;
            killed = true;
            this.metrics?.gdalChildRestarts.inc({ reason: 'timeout' });
            this.logger.warn(
              { task: task.kind, pid: child.pid, timeout_ms: limit },
              'GDAL task over its time limit: killed',
            );
            child.kill('SIGKILL');
          }, limit)
        : undefined;
    watchdog?.unref();
    const result = new Promise<T>((resolve, reject) => {
      // Bound to the caller's async context: what it logs (a kept child) carries this task's job fields.
      const onMessage = AsyncResource.bind((message: unknown): void => {
        if (!isChildMessage(message)) return;
        switch (message.type) {
          case 'progress':
            listeners.onProgress?.(message.fraction);
            break;
          case 'step':
            listeners.onStep?.(message.step);
            break;
          case 'total':
            listeners.onTotal?.(message.features);
            break;
          case 'done':
            settled = true;
            if (message.staying === true) {
              // The child is this task's no more: it waits, small, for whoever takes it next.
              detach();
              released = true;
              if (mayStay && !killed) this.adopt(child);
              else child.kill('SIGKILL');
            }
            ended();
            resolve(message.result as T);
            break;
          case 'failed':
            settled = true;
            ended();
            reject(new GdalTaskError(message.failure));
            break;
        }
      });
      const onError = (error: Error): void => {
        if (settled) return;
        settled = true;
        reject(error);
      };
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
        clearTimeout(watchdog);
        ended();
        if (settled) return;
        settled = true;
        if (!killed) this.metrics?.gdalChildRestarts.inc({ reason: 'crash' });
        reject(timedOut ? new GdalTaskTimeoutError(limit) : new GdalTaskCrashedError(code, signal));
      };
      const detach = (): void => {
        clearTimeout(watchdog);
        child.off('message', onMessage);
        child.off('error', onError);
        child.off('exit', onExit);
      };
      child.on('message', onMessage);
      child.once('error', onError);
      child.once('exit', onExit);
    });
    // Registered here, so it runs in the caller's async context (its job's log fields) like the caller's own.
    void result.then(
      () => this.logger.debug({ task: task.kind, duration_ms: elapsedMs(startedAt) }, 'GDAL task finished'),
      (error: unknown) =>
        this.logger.debug(
          { task: task.kind, duration_ms: elapsedMs(startedAt), outcome: killed ? 'killed' : errorName(error) },
          'GDAL task failed',
        ),
    );
    const message: TaskMessage = {
      context: { ...this.context, gdalConfig: { ...this.context.gdalConfig, ...options.gdalConfig } },
      task,
      ...(mayStay ? { mayStay } : {}),
    };
    child.send(message);
    return {
      kept,
      result,
      kill: () => {
        if (released || child.exitCode !== null || child.signalCode !== null) return;
        // Cancel, a timeout, a superseded attempt or shutdown ended a running task: the child is replaced.
        if (!settled && !killed) this.metrics?.gdalChildRestarts.inc({ reason: 'killed' });
        killed = true;
        child.kill('SIGKILL');
      },
    };
  }
}
