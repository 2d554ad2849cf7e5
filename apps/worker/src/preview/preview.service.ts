import { Injectable } from '@nestjs/common';
import type { Inspection, PreviewOutcome } from '@app/contracts';
import { JobRepository, JobStatus } from '@app/jobs';
import type { PreviewPayload } from '@app/queues';
import { Storage } from '@app/storage';
import type { Logger } from 'pino';
import { GdalTaskError, GdalTaskRunner } from '../ingest/gdal-task.runner.js';
import { gdalPathOf } from '../ingest/source-path.js';

/**
 * Describes an uploaded file. GDAL runs in a child process per preview, like every GDAL task: the
 * settings it opens the file with (storage credentials today, a remote service's headers later) stay
 * with that preview, though previews run concurrently.
 */
@Injectable()
export class PreviewService {
  constructor(
    private readonly jobs: JobRepository,
    private readonly storage: Storage,
    private readonly gdal: GdalTaskRunner,
  ) {}

  async preview(payload: PreviewPayload, log: Logger): Promise<PreviewOutcome> {
    const job = await this.jobs.findById(payload.jobId);
    const path = job?.status === JobStatus.Pending ? gdalPathOf(job.source, this.storage) : null;
    if (!job || !path) {
      return {
        ok: false,
        refusal: { code: 'not-previewable', message: 'The job is no longer waiting for a preview.' },
      };
    }
    let inspection: Inspection;
    try {
      inspection = await this.gdal.start<Inspection>({
        kind: 'inspect',
        sourcePath: path,
        layerName: payload.layerName,
      }).result;
    } catch (error) {
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
}
