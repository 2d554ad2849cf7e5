import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureLargeRaster } from '../fixtures/large.js';
import {
  CountsStack,
  NO_LEFTOVERS,
  TERMINAL,
  countsTruth,
  leftovers,
  storedFiles,
} from '../e2e/support/interruptions.js';
import type { Stack } from '../e2e/support/stack.js';

const ROWS = 100_000;
const CHUNK = 2_000;

/**
 * Graceful SIGTERM under load: a worker finishes its running job before it exits (nothing left
 * `processing` without an owner), and a gateway stopped in the middle of an upload either stores the
 * whole file or none of it.
 */
describe('graceful SIGTERM of worker and gateway under load', () => {
  let counts: CountsStack;
  let stack: Stack;
  let token: string;

  beforeAll(async () => {
    await ensureLargeRaster(6000);
    counts = await CountsStack.start({ name: 'shutdown', chunk: CHUNK, env: { WORKER_LOCK_MS: '2000' } });
    ({ stack, token } = counts);
  }, 180_000);

  afterAll(async () => {
    await counts?.stop();
  });

  it('SIGTERM of a worker mid-run: it finishes the run, exits 0; the next worker has nothing to redo', async () => {
    const runId = await counts.startRun(ROWS);
    await counts.midRun(runId, 2 * CHUNK, 120_000);
    const exited = await stack.workers[0]!.stop('SIGTERM');
    expect(exited.code).toBe(0);
    const job = await stack.waitForJob(token, runId, () => true);
    expect(job).toMatchObject({ status: 'completed_with_errors', attempts: 1 });
    const truth = await countsTruth(stack, counts.table(), runId, ROWS, CHUNK);
    expect(truth.actual).toEqual(truth.expected);
    await stack.startWorker();
  });

  it('SIGTERM of the gateway mid-upload: the upload is stored whole or not at all', async () => {
    const data = await readFile(await ensureLargeRaster(6000));
    const form = new FormData();
    form.append('file', new Blob([data]), 'noise.tif');
    const sent = fetch(`${stack.baseUrl}/api/ingest/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
      body: form,
    }).then(
      async (res) => ({ status: res.status, body: (await res.json().catch(() => null)) as Record<string, unknown> }),
      () => ({ status: 0, body: null }),
    );
    // Observed mid-upload: bytes are streaming into a scratch file of the store.
    const deadline = Date.now() + 60_000;
    let streaming = false;
    while (!streaming && Date.now() < deadline) {
      streaming = (await storedFiles(counts.storageRoot)).some((f) => f.startsWith('staging/') && f.endsWith('.part'));
      if (!streaming) await new Promise((r) => setTimeout(r, 20));
    }
    expect(streaming).toBe(true);
    await stack.gateway.stop('SIGTERM');
    const answer = await sent;

    const jobs = await stack.sql<{ id: string; status: string; key: string | null }>(
      `SELECT id, status, source->>'key' AS key FROM ingest_jobs WHERE owner = $1 AND source_filename = 'noise.tif'`,
      [counts.owner],
    );
    // Whole or nothing: a job holds the upload only if it was answered 201, and then all of its bytes.
    const bound = jobs.filter((j) => j.key !== null);
    const accepted = answer.status === 201 ? [String(answer.body?.job_id)] : [];
    expect(bound.map((j) => j.id)).toEqual(accepted);
    const sizes = await Promise.all(bound.map(async (j) => (await stat(join(counts.storageRoot, j.key!))).size));
    expect(sizes).toEqual(bound.map(() => data.length));
    const scratch = (await storedFiles(counts.storageRoot)).filter((f) => f.endsWith('.part'));
    expect(scratch).toEqual([]);
  });

  it('afterwards: every job terminal, no staging table, no stored object nothing points at', async () => {
    const all = await stack.sql<{ status: string }>('SELECT status FROM ingest_jobs WHERE owner = $1', [counts.owner]);
    expect(all.every((j) => TERMINAL.includes(j.status) || j.status === 'pending')).toBe(true);
    expect(await leftovers(stack, counts.owner, counts.storageRoot)).toEqual(NO_LEFTOVERS);
  });
});
