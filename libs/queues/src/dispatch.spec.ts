import { describe, expect, it } from 'vitest';
import { UndispatchableJobError, dispatchFor, type DispatchableJob } from './dispatch.js';
import { JOB_REGISTRY, JobName, QueueName, type DiagnosticsPayload } from './queue-names.js';

const job = (overrides: Partial<DispatchableJob> = {}): DispatchableJob => ({
  id: '3f2a9c1e-0b1d-4c8e-9a7b-5d6e7f8a9b0c',
  importer: 'diagnostics',
  requestId: 'req-1',
  options: {},
  ...overrides,
});

function diagnosticsPayload(stored: DispatchableJob): DiagnosticsPayload {
  const dispatch = dispatchFor(stored);
  if (dispatch.name !== JobName.Diagnostics) throw new Error('expected a diagnostics job');
  return dispatch.payload;
}

describe('dispatchFor', () => {
  it('builds a diagnostics job with defaults', () => {
    expect(dispatchFor(job())).toEqual({
      name: JobName.Diagnostics,
      payload: {
        jobId: '3f2a9c1e-0b1d-4c8e-9a7b-5d6e7f8a9b0c',
        requestId: 'req-1',
        steps: 3,
        stepMs: 200,
        failWith: null,
      },
    });
  });

  it('carries the options that were given and a null request id', () => {
    expect(
      diagnosticsPayload(job({ requestId: null, options: { steps: 10, step_ms: 0, fail_with: 'permanent' } })),
    ).toEqual({
      jobId: '3f2a9c1e-0b1d-4c8e-9a7b-5d6e7f8a9b0c',
      requestId: null,
      steps: 10,
      stepMs: 0,
      failWith: 'permanent',
    });
  });

  it.each([
    { fail_with: 'transient', expected: 'transient' },
    { fail_with: 'permanent', expected: 'permanent' },
    { fail_with: 'Transient', expected: null },
    { fail_with: 'sometimes', expected: null },
    { fail_with: '', expected: null },
    { fail_with: true, expected: null },
    { fail_with: null, expected: null },
    { fail_with: undefined, expected: null },
  ])('fail_with $fail_with → $expected', ({ fail_with, expected }) => {
    expect(diagnosticsPayload(job({ options: { fail_with } })).failWith).toBe(expected);
  });

  it.each([
    { value: '5', expected: 3 },
    { value: 2.5, expected: 3 },
    { value: Number.NaN, expected: 3 },
    { value: null, expected: 3 },
    { value: 7, expected: 7 },
  ])('steps $value → $expected (non-integers fall back to the default)', ({ value, expected }) => {
    expect(diagnosticsPayload(job({ options: { steps: value } })).steps).toBe(expected);
  });

  it.each([
    { value: '50', expected: 200 },
    { value: 12.5, expected: 200 },
    { value: 50, expected: 50 },
  ])('step_ms $value → $expected', ({ value, expected }) => {
    expect(diagnosticsPayload(job({ options: { step_ms: value } })).stepMs).toBe(expected);
  });

  it('gives the same payload every time for the same job (enqueue, retry and sweeper agree)', () => {
    const stored = job({ options: { steps: 4, step_ms: 25, fail_with: 'transient' } });
    expect(dispatchFor(stored)).toEqual(dispatchFor(structuredClone(stored)));
  });

  it('sends a dataset ingest to the ingest queue with ids only', () => {
    expect(dispatchFor(job({ importer: 'dataset', options: { title: 'Roads', layer_name: 'roads' } }))).toEqual({
      name: JobName.IngestDataset,
      payload: { jobId: '3f2a9c1e-0b1d-4c8e-9a7b-5d6e7f8a9b0c', requestId: 'req-1' },
    });
    expect(JOB_REGISTRY[JobName.IngestDataset].queue).toBe(QueueName.Ingest);
  });

  it.each(['no-such-importer', 'Diagnostics', 'diagnostics ', ''])('refuses importer %j', (importer) => {
    let caught: unknown;
    try {
      dispatchFor(job({ importer }));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UndispatchableJobError);
    expect((caught as Error).name).toBe('UndispatchableJobError');
    expect((caught as Error).message).toBe(`No queue job handles importer '${importer}'`);
  });
});
