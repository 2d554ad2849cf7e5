import { RowStatus, isTerminal, type IngestRow, type RunView } from '@app/jobs';
import type { RunDto, RunRowDto, RunSummaryDto } from './dto/run.response.dto.js';

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function toRunRow(row: IngestRow): RunRowDto {
  return {
    row_number: row.rowNumber,
    status: row.status === RowStatus.Failed ? 'failed' : 'success',
    data: row.data,
    errors: row.errors,
  };
}

/**
 * The run's summary once it has ended: the counters the pipeline keeps on the job, how long it ran, its
 * error and warnings. A `summary` object the pipeline stored in the result wins, key by key.
 */
export function runSummary(job: RunView): RunSummaryDto | null {
  if (!isTerminal(job.status)) return null;
  const stored = isRecord(job.result) && isRecord(job.result.summary) ? job.result.summary : {};
  const duration =
    job.startedAt && job.completedAt ? Math.max(0, job.completedAt.getTime() - job.startedAt.getTime()) : null;
  return {
    created: job.rowsCreated,
    updated: job.rowsUpdated,
    skipped: job.rowsSkipped,
    failed: job.rowsFailed,
    duration_ms: duration,
    errors: job.error ? [{ ...job.error }] : [],
    warnings: job.warnings.map((w) => ({ ...w })),
    ...(stored as Partial<RunSummaryDto>),
  };
}

export function toRun(job: RunView, rows?: IngestRow[]): RunDto {
  const processed = job.rowsProcessed;
  const failed = job.rowsFailed;
  return {
    id: job.id,
    importer: job.importer,
    status: job.status,
    user_id: job.owner,
    original_filename: job.sourceFilename,
    dry_run: job.dryRun,
    parent_id: job.parentId,
    progress: {
      total: job.rowsTotal ?? processed,
      processed,
      successful: Math.max(0, processed - failed),
      failed,
    },
    summary: runSummary(job),
    started_at: iso(job.startedAt),
    completed_at: iso(job.completedAt),
    ...(rows ? { rows: rows.map(toRunRow) } : {}),
  };
}
