import 'reflect-metadata';
import type { AppConfig } from '@app/config';
import type { Inspection, PreviewOutcome } from '@app/contracts';
import { JobStatus, type IngestJob, type JobRepository } from '@app/jobs';
import type { Storage } from '@app/storage';
import pino from 'pino';
import { describe, expect, it, vi } from 'vitest';
import type { GdalTask } from '../ingest/gdal-task.protocol.js';
import {
  GdalTaskError,
  GdalTaskTimeoutError,
  type GdalTaskRunner,
  type RunningTask,
  type TaskOptions,
} from '../ingest/gdal-task.runner.js';
import type { RemoteSourceService } from '../remote/remote-source.js';
import { PreviewService } from './preview.service.js';

const log = pino({ level: 'silent' });
const job = {
  id: 'job-1',
  status: JobStatus.Pending,
  source: { type: 'stored-file', key: 'staging/job-1/roads.gpkg', size: 1, upload: { mode: 'direct' } },
} as unknown as IngestJob;
const inspection: Inspection = {
  kind: 'vector',
  driver: 'GPKG',
  layer_name: 'roads',
  layers: [{ name: 'roads', feature_count: 2, field_count: 1, geometry_type: 'LineString' }],
  columns: [{ name: 'name', type: 'string' }],
  crs: 4326,
  geometry_type: 'LineString',
  feature_count: 2,
  sample_rows: [],
  detected_geometry_columns: null,
};

/** A runner whose child answers `answer`; records the tasks it was given. */
function setUp(answer: () => Promise<unknown>, previewTimeoutMs = 10_000) {
  const tasks: GdalTask[] = [];
  const options: TaskOptions[] = [];
  const runner = {
    start: (task: GdalTask, _listeners: unknown, taskOptions: TaskOptions = {}): RunningTask<unknown> => {
      tasks.push(task);
      options.push(taskOptions);
      return { result: answer(), kill: () => undefined };
    },
  } as unknown as GdalTaskRunner;
  const jobs = {
    findById: vi.fn<(id: string) => Promise<IngestJob | null>>(() => Promise.resolve(job)),
    recordPreview: vi.fn<(id: string, layers: string[], kind: string) => Promise<boolean>>(() => Promise.resolve(true)),
  };
  const storage = { gdalPath: (key: string) => `/data/${key}` } as unknown as Storage;
  const config = { upload: { previewTimeoutMs } } as AppConfig;
  const service = new PreviewService(
    jobs as unknown as JobRepository,
    storage,
    runner,
    {} as RemoteSourceService,
    config,
  );
  const preview = (layerName: string | null): Promise<PreviewOutcome> =>
    service.preview({ jobId: job.id, requestId: 'r', layerName } as Parameters<PreviewService['preview']>[0], log);
  return { tasks, options, jobs, preview };
}

describe('PreviewService', () => {
  it('inspects the file as a task in the GDAL child, and records what it found', async () => {
    const { tasks, jobs, preview } = setUp(() => Promise.resolve(inspection));
    expect(await preview('roads')).toEqual({ ok: true, inspection });
    expect(tasks).toEqual([{ kind: 'inspect', sourcePath: '/data/staging/job-1/roads.gpkg', layerName: 'roads' }]);
    expect(jobs.recordPreview).toHaveBeenCalledWith('job-1', ['roads'], 'vector');
  });

  it("turns the child's user failure into a refusal, extensions included", async () => {
    const failure = {
      kind: 'user' as const,
      code: 'unknown-layer',
      message: "The file has no layer named 'rivers'.",
      extensions: { unknown_layers: ['rivers'], available_layers: ['roads'] },
    };
    const { jobs, preview } = setUp(() => Promise.reject(new GdalTaskError(failure)));
    expect(await preview('rivers')).toEqual({
      ok: false,
      refusal: { code: failure.code, message: failure.message, extensions: failure.extensions },
    });
    expect(jobs.recordPreview).not.toHaveBeenCalled();
  });

  it('bounds the GDAL child by PREVIEW_TIMEOUT_MS: a file that keeps it busy is refused as too slow, not left to a 504', async () => {
    const { options, jobs, preview } = setUp(() => Promise.reject(new GdalTaskTimeoutError(8000)));
    expect(await preview(null)).toEqual({
      ok: false,
      refusal: {
        code: 'source-too-slow',
        message: 'Reading the file took too long; it may be malformed or too large to preview.',
      },
    });
    // Within the gateway's wait, so the refusal reaches it before it gives up.
    expect(options[0]?.timeoutMs).toBe(8000);
    expect(jobs.recordPreview).not.toHaveBeenCalled();
  });

  it('gives GDAL at least 5 s: with a very short PREVIEW_TIMEOUT_MS the gateway answers 504 first, as before', async () => {
    const { options, preview } = setUp(() => Promise.resolve(inspection), 1000);
    expect(await preview(null)).toEqual({ ok: true, inspection });
    expect(options[0]?.timeoutMs).toBe(5000);
  });

  it('lets internal failures fail the preview job', async () => {
    const internal = new GdalTaskError({ kind: 'internal', code: 'internal', message: 'HTTP error code : 503' });
    const { preview } = setUp(() => Promise.reject(internal));
    await expect(preview(null)).rejects.toBe(internal);
  });
});
