import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { isChildMessage, type GdalTask, type TaskFailure } from './gdal-task.protocol.js';

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

const ENTRY = fileURLToPath(new URL('./gdal-task.js', import.meta.url));

/**
 * Runs one GDAL step in a child process. gdal-async cannot abort a running call, so the only way to stop
 * a long translation promptly (cancel, superseded attempt, shutdown) is to kill the process doing it.
 */
@Injectable()
export class GdalTaskRunner implements OnModuleDestroy {
  /**
   * A child forked ahead of time, already past loading GDAL (about 0.2 s and most of its memory), for
   * the next task. Kept only once this worker has run a GDAL task, so an idle worker holds none.
   */
  private spare: ChildProcess | undefined;

  onModuleDestroy(): void {
    this.spare?.kill('SIGKILL');
    this.spare = undefined;
  }

  private fork(): ChildProcess {
    // Configuration and the task go over IPC; the child reads no environment. stdout is not used;
    // stderr (GDAL's own warnings) goes to the worker's. Its own process group: a terminal's Ctrl-C
    // reaches the worker (which then waits for this step), not the child. The child still exits when
    // the worker goes away (see gdal-task.ts).
    const child = fork(ENTRY, [], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      serialization: 'advanced',
      detached: true,
    });
    // An idle spare must not keep the worker alive, nor outlive it.
    child.unref();
    child.channel?.unref();
    child.once('exit', () => {
      if (this.spare === child) this.spare = undefined;
    });
    return child;
  }

  private take(): ChildProcess {
    const spare = this.spare;
    this.spare = undefined;
    const child =
      spare && spare.exitCode === null && spare.signalCode === null && spare.connected ? spare : this.fork();
    child.channel?.ref();
    return child;
  }

  start<T>(task: GdalTask, listeners: TaskListeners = {}): RunningTask<T> {
    if (!existsSync(ENTRY)) throw new Error('GDAL task entry point is missing: build the worker first');
    const child = this.take();
    this.spare = this.fork();
    const result = new Promise<T>((resolve, reject) => {
      let settled = false;
      child.on('message', (message: unknown) => {
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
            resolve(message.result as T);
            break;
          case 'failed':
            settled = true;
            reject(new GdalTaskError(message.failure));
            break;
        }
      });
      child.once('error', (error) => {
        if (settled) return;
        settled = true;
        reject(error);
      });
      child.once('exit', (code, signal) => {
        if (settled) return;
        settled = true;
        reject(new GdalTaskCrashedError(code, signal));
      });
    });
    child.send(task);
    return {
      result,
      kill: () => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      },
    };
  }
}
