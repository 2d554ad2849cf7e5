import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { JobKind, JobStatus, type IngestJob } from '@app/jobs';
import { CliModule } from './cli.module.js';
import { IngestCliModule, cliModuleFor, describeEnd, rowsPerSecond } from './ingest-commands.js';

const ID = '6a0f3c1e-2b4d-4e8f-9a1b-2c3d4e5f6a7b';

const run = (overrides: Partial<IngestJob>): IngestJob =>
  ({
    id: ID,
    owner: 'cli',
    kind: JobKind.ImportRun,
    importer: 'stations',
    status: JobStatus.Completed,
    rowsTotal: 10,
    rowsProcessed: 10,
    rowsFailed: 0,
    rowsCreated: 8,
    rowsUpdated: 1,
    rowsSkipped: 1,
    warnings: [],
    error: null,
    parentId: null,
    dryRun: false,
    sourceFilename: 'stations.csv',
    result: null,
    createdAt: new Date('2026-12-01T10:00:00Z'),
    startedAt: new Date('2026-12-01T10:00:00Z'),
    completedAt: new Date('2026-12-01T10:00:02.5Z'),
    ...overrides,
  }) as IngestJob;

describe('ingest CLI', () => {
  it('builds the runs service only for ingest commands', () => {
    expect(cliModuleFor('ingest:run')).toBe(IngestCliModule);
    expect(cliModuleFor('token:create')).toBe(CliModule);
    expect(cliModuleFor(undefined)).toBe(CliModule);
  });

  it('computes rows per second from the elapsed time', () => {
    expect(rowsPerSecond(5000, 2000)).toBe(2500);
    expect(rowsPerSecond(10, 0)).toBe(0);
  });

  it('ends with the counters and duration of a completed run', () => {
    expect(describeEnd(run({}))).toBe(
      `Run ${ID} ended completed.\n  created 8, updated 1, skipped 1, failed 0 in 2.5 s\n`,
    );
  });

  it('names the error of a failed run and points at its failed rows', () => {
    const text = describeEnd(
      run({ status: JobStatus.Failed, rowsFailed: 3, error: { code: 'too-many-failures', message: 'Stopped.' } }),
    );
    expect(text).toContain(`Run ${ID} ended failed.`);
    expect(text).toContain('  error: Stopped.');
    expect(text).toContain(`ingest:retry ${ID}`);
  });
});
