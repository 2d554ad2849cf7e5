import { Injectable } from '@nestjs/common';
import { AppConfig } from '@app/config';
import type { Inspection, PreviewOutcome, PreviewRefusal } from '@app/contracts';
import { JobRepository, JobStatus, type IngestJob } from '@app/jobs';
import type { PreviewPayload } from '@app/queues';
import { Storage } from '@app/storage';
import type { Logger } from 'pino';
import { GdalTaskError, GdalTaskRunner, GdalTaskTimeoutError } from '../ingest/gdal-task.runner.js';
import { gdalPathOf } from '../ingest/source-path.js';
import { RemoteSourceService, remoteRefusal, type RemoteGdalSource } from '../remote/remote-source.js';

/**
 * Describes an uploaded file. GDAL runs in a child process per preview, like every GDAL task: the
 * settings it opens the file with (storage credentials today, a remote service's headers later) stay
 * with that preview, though previews run concurrently.
 */
/**
 * Share of PREVIEW_TIMEOUT_MS the worker gives GDAL: the rest covers the queue and the answer's way back,
 * so a file that keeps GDAL busy is refused (422) before the gateway gives up waiting (504). Never less
 * than PREVIEW_GDAL_MIN_MS: with a very short PREVIEW_TIMEOUT_MS the gateway answers 504 first, as it
 * always did, rather than the worker refusing ordinary files on a busy machine.
 */
const PREVIEW_GDAL_SHARE = 0.8;
const PREVIEW_GDAL_MIN_MS = 5000;

/** A preview GDAL did not finish in time: the file is malformed, hostile or far too large to describe. */
export const tooSlowRefusal = (): PreviewRefusal => ({
  code: 'source-too-slow',
  message: 'Reading the file took too long; it may be malformed or too large to preview.',
});

@Injectable()
export class PreviewService {
  private readonly timeoutMs: number;

  constructor(
    private readonly jobs: JobRepository,
    private readonly storage: Storage,
    private readonly gdal: GdalTaskRunner,
    private readonly remote: RemoteSourceService,
    config: AppConfig,
  ) {
    this.timeoutMs = Math.max(PREVIEW_GDAL_MIN_MS, Math.floor(config.upload.previewTimeoutMs * PREVIEW_GDAL_SHARE));
  }

  async preview(payload: PreviewPayload, log: Logger): Promise<PreviewOutcome> {
    const job = await this.jobs.findById(payload.jobId);
    if (job?.status === JobStatus.Pending && job.source.type === 'remote-service') {
      return this.previewRemote(job.id, job.source, log);
    }
    const path = job?.status === JobStatus.Pending ? gdalPathOf(job.source, this.storage) : null;
    if (!job || !path) {
      return {
        ok: false,
        refusal: { code: 'not-previewable', message: 'The job is no longer waiting for a preview.' },
      };
    }
    let inspection: Inspection;
    try {
      inspection = await this.gdal.start<Inspection>(
        { kind: 'inspect', sourcePath: path, layerName: payload.layerName },
        {},
        { timeoutMs: this.timeoutMs },
      ).result;
    } catch (error) {
      if (error instanceof GdalTaskTimeoutError) {
        log.info({ code: 'source-too-slow', timeout_ms: this.timeoutMs }, 'preview refused');
        return { ok: false, refusal: tooSlowRefusal() };
      }
      if (!(error instanceof GdalTaskError) || error.failure.kind !== 'user') throw error;
      const { code, message, extensions } = error.failure;
      log.info({ code }, 'preview refused');
      return { ok: false, refusal: { code, message, ...(extensions ? { extensions } : {}) } };
    }
    const layers = inspection.kind === 'vector' ? inspection.layers.map((l) => l.name) : [];
    await this.jobs.recordPreview(job.id, layers, inspection.kind);
    log.info({ kind: inspection.kind, layers: layers.length }, 'preview ready');
    return { ok: true, inspection };
  }

  /**
   * A remote layer: GDAL reads it in its child with all HTTP through a guarded proxy started for this
   * preview. What the guard refused, or the service answered (a refused token, an outage), becomes a
   * refusal the gateway maps to 422/403/502/504.
   */
  private async previewRemote(
    jobId: string,
    source: Extract<IngestJob['source'], { type: 'remote-service' }>,
    log: Logger,
  ): Promise<PreviewOutcome> {
    let remote: RemoteGdalSource | null = null;
    try {
      remote = await this.remote.open(jobId, source);
      const inspection = await this.gdal.start<Inspection>(
        { kind: 'inspect', sourcePath: remote.path, layerName: remote.layerName },
        {},
        { gdalConfig: remote.gdalConfig, timeoutMs: this.timeoutMs },
      ).result;
      if (inspection.kind === 'vector') {
        inspection.layer_name = source.layer;
        if (remote.featureCount !== null) inspection.feature_count = remote.featureCount;
      }
      await this.jobs.recordPreview(jobId, [source.layer], inspection.kind);
      log.info({ kind: inspection.kind, service: source.service_type }, 'remote preview ready');
      return { ok: true, inspection };
    } catch (error) {
      const refusal: PreviewRefusal =
        remoteRefusal(error, remote?.proxy ?? null) ??
        (error instanceof GdalTaskTimeoutError ? tooSlowRefusal() : null) ??
        (error instanceof GdalTaskError && error.failure.kind === 'user'
          ? {
              code: error.failure.code,
              message: error.failure.message,
              ...(error.failure.extensions ? { extensions: error.failure.extensions } : {}),
            }
          : { code: 'remote-failed', message: 'The remote layer could not be read.' });
      log.info(
        { code: refusal.code, detail: error instanceof Error ? error.message.slice(0, 300) : null },
        'remote preview refused',
      );
      return { ok: false, refusal };
    } finally {
      await remote?.proxy.close();
    }
  }
}
