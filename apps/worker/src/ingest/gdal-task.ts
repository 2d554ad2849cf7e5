/**
 * Child-process entry point for one GDAL task (forked by GdalTaskRunner). It receives one task over IPC,
 * with the configuration it needs (it reads no environment), reports progress, sends the result and
 * exits. It exits at once when the worker goes away (IPC disconnect), so a killed worker leaves no GDAL
 * behind.
 */
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
process.once('message', (message: TaskMessage) => {
  runTask(message, (m) => void send(m))
    .then(async (result) => {
      await send({ type: 'done', result });
      process.exit(0);
    })
    .catch(async (error: unknown) => {
      await send({ type: 'failed', failure: failureOf(error) });
      process.exit(0);
    });
});
