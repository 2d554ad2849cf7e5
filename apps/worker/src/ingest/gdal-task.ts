/**
 * Child-process entry point for one GDAL task (forked by GdalTaskRunner). It receives one task over IPC,
 * with the configuration it needs (it reads no environment), reports progress, sends the result and
 * exits (or, when the worker allows it and the task left it small, waits for another; see
 * `TaskMessage.mayStay`). It exits at once when the worker goes away (IPC disconnect), so a killed worker
 * leaves no GDAL behind.
 */
// First: it changes how gdal-async loads, which the handlers' imports do next.
import './gdal-lean-load.js';
import { failureOf, runTask } from './gdal-task.handlers.js';
import type { ChildMessage, TaskMessage } from './gdal-task.protocol.js';

function send(message: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send || !process.connected) {
      resolve();
      return;
    }
    process.send(message, undefined, {}, () => resolve());
  });
}

process.on('disconnect', () => process.exit(1));
// Ctrl-C and `kill` reach the whole process group. The worker decides when this step stops: during a
// graceful shutdown it waits for the job, so the child must outlive the signal; it still exits as soon
// as the worker is gone (disconnect) or kills it (SIGKILL on cancel).
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => undefined);
/**
 * How far this process may have grown over its size before its first task and still stay for another
 * (a preview that read a large document into memory leaves a process the next task should not inherit).
 */
const STAY_MARGIN_BYTES = 32 * 1024 * 1024;
let baseRss: number | undefined;
let busy = false;

process.on('message', (message: TaskMessage) => {
  // One task at a time; the worker never sends a second before the first is answered.
  if (busy) return;
  busy = true;
  const base = (baseRss ??= process.memoryUsage.rss());
  runTask(message, (m) => void send(m))
    .then(async (result) => {
      const staying = message.mayStay === true && process.memoryUsage.rss() <= base + STAY_MARGIN_BYTES;
      await send({ type: 'done', result, ...(staying ? { staying } : {}) });
      if (!staying) process.exit(0);
      busy = false;
    })
    .catch(async (error: unknown) => {
      await send({ type: 'failed', failure: failureOf(error) });
      process.exit(0);
    });
});
