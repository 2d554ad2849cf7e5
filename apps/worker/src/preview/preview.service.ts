import { Injectable } from '@nestjs/common';
import { GdalService, UnreadableSourceError } from '@app/gdal';
import { JobRepository, JobStatus } from '@app/jobs';
import type { PreviewOutcome, PreviewPayload } from '@app/queues';
import { Storage } from '@app/storage';
import type { Logger } from 'pino';

/** GDAL path of a staged object: archives are read in place through /vsizip/. */
export function gdalSourcePath(storagePath: string, filename: string | null): string {
  return filename?.toLowerCase().endsWith('.zip') ? `/vsizip/${storagePath}` : storagePath;
}

@Injectable()
export class PreviewService {
  constructor(
    private readonly jobs: JobRepository,
    private readonly storage: Storage,
    private readonly gdal: GdalService,
  ) {}

  async preview(payload: PreviewPayload, log: Logger): Promise<PreviewOutcome> {
    const job = await this.jobs.findById(payload.jobId);
    if (!job || job.status !== JobStatus.Pending || !job.sourceKey) {
      return {
        ok: false,
        refusal: { code: 'not-previewable', message: 'The job is no longer waiting for a preview.' },
      };
    }
    const path = gdalSourcePath(this.storage.gdalPath(job.sourceKey), job.sourceFilename);
    try {
      const inspection = await this.gdal.inspect(path, payload.layerName);
      const layers = inspection.kind === 'vector' ? inspection.layers.map((l) => l.name) : [];
      await this.jobs.recordPreview(job.id, layers, inspection.kind);
      log.info({ kind: inspection.kind, layers: layers.length }, 'preview ready');
      return { ok: true, inspection };
    } catch (error) {
      if (!(error instanceof UnreadableSourceError)) throw error;
      log.info({ code: error.code }, 'preview refused');
      return { ok: false, refusal: { code: error.code, message: error.message, extensions: error.extensions } };
    }
  }
}
