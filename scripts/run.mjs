// Runs the gateway and one worker in the foreground. Ctrl-C (or SIGTERM) stops both gracefully: the
// worker finishes its active job first. If either exits on its own, the other is stopped too.
import { spawn } from 'node:child_process';

const apps = {
  gateway: 'dist/apps/gateway/apps/gateway/src/main.js',
  worker: 'dist/apps/worker/apps/worker/src/main.js',
};

const children = new Map();
let stopping = false;
let exitCode = 0;

for (const [name, entry] of Object.entries(apps)) {
  // Own process group: a terminal's Ctrl-C reaches only this supervisor, which then signals each
  // child exactly once (a second signal would cut a graceful shutdown short).
  const child = spawn(process.execPath, ['--enable-source-maps', entry], { stdio: 'inherit', detached: true });
  children.set(name, child);
  child.on('exit', (code, signal) => {
    children.delete(name);
    if (!stopping) {
      console.error(`[strata] ${name} exited (${signal ?? code}); stopping the rest`);
      exitCode = code || 1;
      stop('SIGTERM');
    }
    if (children.size === 0) process.exit(exitCode);
  });
}

function stop(signal) {
  stopping = true;
  for (const child of children.values()) child.kill(signal);
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    if (stopping) return;
    console.error('[strata] stopping gateway and worker (the worker finishes its active job first)…');
    stop('SIGTERM');
  });
}
process.on('exit', () => {
  for (const child of children.values()) child.kill('SIGKILL');
});
