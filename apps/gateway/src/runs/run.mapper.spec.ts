import { describe, expect, it } from 'vitest';
import { JobKind, JobStatus, RowStatus, type IngestJob, type IngestRow } from '@app/jobs';
import { runSummary, toRun, toRunRow } from './run.mapper.js';

const ID = '6a0f3c1e-2b4d-4e8f-9a1b-2c3d4e5f6a7b';

function job(overrides: Partial<IngestJob> = {}): IngestJob {
  return {
    id: ID,
    owner: 'alice',
    kind: JobKind.ImportRun,
    importer: 'stations',
    status: JobStatus.Queued,
    rowsTotal: null,
    rowsProcessed: 0,
    rowsFailed: 0,
    rowsCreated: 0,
    rowsUpdated: 0,
    rowsSkipped: 0,
    warnings: [],
    error: null,
    parentId: null,
    dryRun: false,
    sourceFilename: 'stations.csv',
    result: null,
    createdAt: new Date('2026-12-01T10:00:00Z'),
    startedAt: null,
    completedAt: null,
    ...overrides,
  } as IngestJob;
}

describe('toRun', () => {
  it('has exactly the seed-004 run fields (plus dry_run and parent_id) for a queued run', () => {
    expect(toRun(job())).toEqual({
      id: ID,
      importer: 'stations',
      status: 'queued',
      user_id: 'alice',
      original_filename: 'stations.csv',
      dry_run: false,
      parent_id: null,
      progress: { total: 0, processed: 0, successful: 0, failed: 0 },
      summary: null,
      started_at: null,
      completed_at: null,
    });
  });

  it('reports progress from the counters and a summary once the run has ended', () => {
    const run = toRun(
      job({
        status: JobStatus.CompletedWithErrors,
        dryRun: true,
        parentId: 'p',
        rowsTotal: 10,
        rowsProcessed: 10,
        rowsFailed: 3,
        rowsCreated: 5,
        rowsUpdated: 1,
        rowsSkipped: 1,
        warnings: [{ code: 'w', message: 'careful' }],
        startedAt: new Date('2026-12-01T10:00:01Z'),
        completedAt: new Date('2026-12-01T10:00:03.5Z'),
      }),
    );
    expect(run).toMatchObject({
      dry_run: true,
      parent_id: 'p',
      progress: { total: 10, processed: 10, successful: 7, failed: 3 },
      summary: {
        created: 5,
        updated: 1,
        skipped: 1,
        failed: 3,
        duration_ms: 2500,
        errors: [],
        warnings: [{ code: 'w', message: 'careful' }],
      },
      started_at: '2026-12-01T10:00:01.000Z',
      completed_at: '2026-12-01T10:00:03.500Z',
    });
    expect(run).not.toHaveProperty('rows');
  });

  it('while the total is unknown shows what was processed, never less', () => {
    expect(toRun(job({ status: JobStatus.Processing, rowsProcessed: 40 })).progress.total).toBe(40);
  });

  it('puts a failed run’s error in the summary, and lets a summary the pipeline stored win', () => {
    const failed = runSummary(
      job({ status: JobStatus.Failed, error: { code: 'too-many-failures', message: 'Stopped.' } }),
    );
    expect(failed?.errors).toEqual([{ code: 'too-many-failures', message: 'Stopped.' }]);
    const stored = runSummary(
      job({ status: JobStatus.Completed, result: { summary: { created: 99, duration_ms: 1 } } }),
    );
    expect(stored).toMatchObject({ created: 99, duration_ms: 1, updated: 0 });
  });

  it('adds rows only when given, with success|failed statuses', () => {
    const row = (n: number, status: RowStatus): IngestRow =>
      ({
        id: String(n),
        jobId: ID,
        createdAt: new Date(),
        rowNumber: n,
        status,
        data: { code: `C${n}` },
        errors: status === RowStatus.Failed ? { message: 'x' } : null,
        sourceGeometry: null,
        sourceSrid: null,
      }) as IngestRow;
    const run = toRun(job(), [row(1, RowStatus.Succeeded), row(2, RowStatus.Skipped), row(3, RowStatus.Failed)]);
    expect(run.rows).toEqual([
      { row_number: 1, status: 'success', data: { code: 'C1' }, errors: null },
      { row_number: 2, status: 'success', data: { code: 'C2' }, errors: null },
      { row_number: 3, status: 'failed', data: { code: 'C3' }, errors: { message: 'x' } },
    ]);
    expect(toRunRow(row(4, RowStatus.Failed)).status).toBe('failed');
  });
});
