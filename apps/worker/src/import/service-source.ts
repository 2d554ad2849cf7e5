import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Injectable } from '@nestjs/common';
import { ImportFailure, ReaderFailure, RemoteFailure } from '@app/common';
import type { ProgressUpdate, RemoteServiceSource } from '@app/jobs';
import type { GuardedProxy } from '@app/security';
import { GdalTaskRunner } from '../ingest/gdal-task.runner.js';
import { RemoteSourceService, remoteRefusal, type RemoteGdalSource } from '../remote/remote-source.js';
import { startTicker } from '../runtime/ticker.js';
import { ImportRunError } from './import.errors.js';
import { openedInScratchDir, type OpenedSource } from './opened-source.js';
import { ReaderError, openRemoteLayerReader } from './readers/index.js';

/** What the run lets a source opener do while it reads: report progress (a cancel checkpoint, too). */
export interface SourceHooks {
  progress(update: ProgressUpdate): Promise<void>;
}

/** How often the run's progress (and a pending cancel) is checked while the service is read. */
const TICK_MS = 1000;

/**
 * A remote feature service's layer as an importer run's source: RemoteSourceService re-vets the URL,
 * reads the token from the one-time hand-off and starts a guarded proxy for this run; the GDAL child
 * pages through the layer through that proxy into a scratch file, which is read like a file layer. The
 * layer's count is recorded as the run's total as soon as it is known; a cancel stops the read.
 */
@Injectable()
export class ServiceLayerOpener {
  constructor(
    private readonly remote: RemoteSourceService,
    private readonly gdal: GdalTaskRunner,
  ) {}

  async open(jobId: string, source: RemoteServiceSource, hooks: SourceHooks): Promise<OpenedSource> {
    const dir = await mkdtemp(join(tmpdir(), `strata-import-${jobId.slice(0, 8)}-`));
    const cleanup = (): Promise<void> => rm(dir, { recursive: true, force: true });
    const abort = new AbortController();
    let total: number | null = null;
    // A failed progress write means cancelled, or superseded: the read stops at once.
    const ticker = startTicker(
      () => hooks.progress(total !== null ? { rowsTotal: total } : {}),
      TICK_MS,
      () => abort.abort(),
    );
    let remote: RemoteGdalSource | null = null;
    try {
      remote = await this.remote.open(jobId, source);
      const reader = await openRemoteLayerReader(remote, {
        runner: this.gdal,
        scratchDir: dir,
        signal: abort.signal,
        onTotal: (features) => {
          total = features;
        },
      });
      if (ticker.failed) {
        await reader.close();
        throw ticker.error;
      }
      return openedInScratchDir(reader, dir);
    } catch (error) {
      await cleanup();
      if (ticker.failed) throw ticker.error;
      throw serviceReadError(error, remote?.proxy ?? null, source.layer);
    } finally {
      ticker.stop();
      await remote?.proxy.close();
    }
  }

  /** The run is over (or will not be retried): the token's hand-off entry goes. */
  forgetToken(jobId: string): Promise<void> {
    return this.remote.forget(jobId);
  }
}

/**
 * What the run fails with when the service could not be read: the guard's refusal (also of a redirect
 * GDAL followed), a refused token or a missing layer fail it at once with their own message; an
 * unreachable or slow service is retried, then fails with the policy's message. Messages name no host
 * or URL but the one the importer (or the trigger) gave.
 */
export function serviceReadError(error: unknown, proxy: GuardedProxy | null, layer: string): unknown {
  if (error instanceof ReaderError && error.failure === ReaderFailure.LayerNotFound) {
    return new ReaderError(ReaderFailure.LayerNotFound, `The service has no layer named '${layer}'.`);
  }
  const refusal = remoteRefusal(error, proxy);
  if (!refusal) return error;
  if (refusal.code === 'remote-failed' || refusal.code === 'remote-timeout') {
    return new ImportRunError(RemoteFailure.Unavailable, refusal.message);
  }
  return new ImportRunError(ImportFailure.SourceRejected, refusal.message);
}
