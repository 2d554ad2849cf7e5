import type { JobView } from '@app/jobs';
import type { JobResponseDto } from './dto/job.response.dto.js';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

export function toJobResponse(job: JobView): JobResponseDto {
  return {
    id: job.id,
    status: job.status,
    step: job.step,
    progress: job.progress,
    rows_processed: job.rowsProcessed,
    rows_failed: job.rowsFailed,
    rows_total: job.rowsTotal,
    warnings: job.warnings,
    error: job.error,
    dataset_id: job.datasetId,
    parent_id: job.parentId,
    attempts: job.attempts,
    importer: job.importer,
    dry_run: job.dryRun,
    source_filename: job.sourceFilename,
    layer_name: job.layerName,
    result: job.result,
    created_at: job.createdAt.toISOString(),
    started_at: iso(job.startedAt),
    completed_at: iso(job.completedAt),
  };
}
