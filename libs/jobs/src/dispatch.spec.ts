import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { JOB_REGISTRY, JobName, QueueName, type DiagnosticsPayload } from '@app/queues';
import { UndispatchableJobError, dispatchFor, type DispatchableJob } from './dispatch.js';
import { InvalidJobDocumentError, JobKind } from './job-kind.js';
import { parseJobParams, type DiagnosticsJobParams, type JobParams } from './job-params.js';

const ID = '3f2a9c1e-0b1d-4c8e-9a7b-5d6e7f8a9b0c';

const diagnostics = (params: Partial<Omit<DiagnosticsJobParams, 'kind'>> = {}): DiagnosticsJobParams => ({
  kind: JobKind.Diagnostics,
  steps: 3,
  step_ms: 200,
  fail_with: null,
  ...params,
});

const job = (params: JobParams = diagnostics(), overrides: Partial<DispatchableJob> = {}): DispatchableJob => ({
  id: ID,
  kind: params.kind,
  requestId: 'req-1',
  params,
  ...overrides,
});

function diagnosticsPayload(stored: DispatchableJob): DiagnosticsPayload {
  const dispatch = dispatchFor(stored);
  if (dispatch.name !== JobName.Diagnostics) throw new Error('expected a diagnostics job');
  return dispatch.payload;
}

/** A job as the repository reads it back: its stored parameters document goes through the parser first. */
const stored = (document: Record<string, unknown>): DispatchableJob => job(parseJobParams(document));

describe('dispatchFor', () => {
  it('builds a diagnostics job from its parameters', () => {
    expect(dispatchFor(job())).toEqual({
      name: JobName.Diagnostics,
      payload: { jobId: ID, requestId: 'req-1', steps: 3, stepMs: 200, failWith: null },
    });
    expect(JOB_REGISTRY[JobName.Diagnostics].queue).toBe(QueueName.System);
  });

  it('carries the parameters that were given and a null request id', () => {
    expect(
      diagnosticsPayload(job(diagnostics({ steps: 10, step_ms: 0, fail_with: 'permanent' }), { requestId: null })),
    ).toEqual({ jobId: ID, requestId: null, steps: 10, stepMs: 0, failWith: 'permanent' });
  });

  it.each([
    { fail_with: 'transient', expected: 'transient' },
    { fail_with: 'permanent', expected: 'permanent' },
    { fail_with: null, expected: null },
    { fail_with: undefined, expected: null },
  ])('a stored fail_with $fail_with → $expected', ({ fail_with, expected }) => {
    expect(diagnosticsPayload(stored({ kind: 'diagnostics', steps: 3, step_ms: 200, fail_with })).failWith).toBe(
      expected,
    );
  });

  // A value the gateway could never have stored is refused when the row is read, so it can never reach a
  // worker as some silently chosen default.
  it.each(['Transient', 'sometimes', '', true])('a stored fail_with %j is refused before dispatch', (fail_with) => {
    expect(() => stored({ kind: 'diagnostics', steps: 3, step_ms: 200, fail_with })).toThrow(InvalidJobDocumentError);
  });

  it.each([
    { value: 7, expected: 7 },
    { value: 0, expected: 0 },
  ])('stored steps $value → $expected', ({ value, expected }) => {
    expect(diagnosticsPayload(stored({ kind: 'diagnostics', steps: value, step_ms: 200 })).steps).toBe(expected);
  });

  it.each(['5', 2.5, Number.NaN, null, -1])('stored steps %j are refused before dispatch', (value) => {
    expect(() => stored({ kind: 'diagnostics', steps: value, step_ms: 200 })).toThrow(InvalidJobDocumentError);
  });

  it('stored step_ms 50 → 50', () => {
    expect(diagnosticsPayload(stored({ kind: 'diagnostics', steps: 3, step_ms: 50 })).stepMs).toBe(50);
  });

  it.each(['50', 12.5])('stored step_ms %j is refused before dispatch', (value) => {
    expect(() => stored({ kind: 'diagnostics', steps: 3, step_ms: value })).toThrow(InvalidJobDocumentError);
  });

  it('gives the same payload every time for the same job (enqueue, retry and sweeper agree)', () => {
    const once = job(diagnostics({ steps: 4, step_ms: 25, fail_with: 'transient' }));
    expect(dispatchFor(once)).toEqual(dispatchFor(structuredClone(once)));
    expect(dispatchFor(once)).toEqual(dispatchFor(job(parseJobParams(JSON.parse(JSON.stringify(once.params))))));
  });

  it('sends a file dataset ingest to the ingest queue with ids only, committed or not', () => {
    const expected = { name: JobName.IngestDataset, payload: { jobId: ID, requestId: 'req-1' } };
    expect(dispatchFor(job({ kind: JobKind.FileDataset, commit: { title: 'Roads', srid_override: 25832 } }))).toEqual(
      expected,
    );
    expect(dispatchFor(job({ kind: JobKind.FileDataset, commit: null }))).toEqual(expected);
    expect(JOB_REGISTRY[JobName.IngestDataset].queue).toBe(QueueName.Ingest);
  });

  it('ingests a service dataset job like a file one (the source says where to read)', () => {
    expect(dispatchFor(job({ kind: JobKind.ServiceDataset, commit: { title: 'Parcels' } }))).toEqual({
      name: JobName.IngestDataset,
      payload: { jobId: ID, requestId: 'req-1' },
    });
  });

  it('sends a VRT build to the vrt queue with the VRT and the generation it fences', () => {
    const params = parseJobParams({
      kind: 'vrt',
      action: 'add',
      vrt_dataset_id: '7d3f4f61-4a8e-4f3c-9a55-0b8d1c2e3f40',
      generation: 3,
      vrt_type: 'mosaic',
      resolution_strategy: 'finest',
      title: null,
      summary: null,
    });
    expect(dispatchFor(job(params))).toEqual({
      name: JobName.BuildVrt,
      payload: { jobId: ID, requestId: 'req-1', vrtDatasetId: '7d3f4f61-4a8e-4f3c-9a55-0b8d1c2e3f40', generation: 3 },
    });
    expect(JOB_REGISTRY[JobName.BuildVrt].queue).toBe(QueueName.Vrt);
    expect(() => stored({ kind: 'vrt', action: 'merge', vrt_dataset_id: 'x', generation: 1 })).toThrow(
      InvalidJobDocumentError,
    );
  });

  it('sends an importer run to the import queue with the base payload only', () => {
    expect(dispatchFor(job({ kind: JobKind.ImportRun, format: 'csv' }))).toEqual({
      name: JobName.ImportRun,
      payload: { jobId: ID, requestId: 'req-1' },
    });
    expect(JOB_REGISTRY[JobName.ImportRun].queue).toBe(QueueName.Import);
  });

  it('refuses parameters of a kind no queue job runs', () => {
    let caught: unknown;
    try {
      dispatchFor(job({ kind: 'bulk-delete' } as never));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UndispatchableJobError);
    expect((caught as Error).name).toBe('UndispatchableJobError');
    expect((caught as Error).message).toBe("No queue job runs jobs of kind 'bulk-delete'");
  });

  it('dispatches on the parameters, which the database keeps equal to the kind column', () => {
    // ck_ingest_jobs_params_kind makes a disagreeing row impossible; the parameters decide.
    expect(dispatchFor(job(diagnostics(), { kind: JobKind.FileDataset })).name).toBe(JobName.Diagnostics);
  });
});
