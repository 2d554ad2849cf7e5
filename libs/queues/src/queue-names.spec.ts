import { describe, expect, it } from 'vitest';
import { ALL_QUEUES, JOB_REGISTRY, JobName, QueueName, isQueueName, selectQueues } from './queue-names.js';

describe('selectQueues', () => {
  it('selects every queue when none are named', () => {
    expect(selectQueues([])).toEqual(['ingest', 'preview', 'vrt', 'import', 'system']);
  });

  it.each([
    { names: ['ingest'], expected: [QueueName.Ingest] },
    { names: ['system', 'vrt'], expected: [QueueName.System, QueueName.Vrt] },
    { names: ['ingest', 'ingest', 'preview', 'ingest'], expected: [QueueName.Ingest, QueueName.Preview] },
    { names: [...ALL_QUEUES], expected: [...ALL_QUEUES] },
  ])('$names → $expected', ({ names, expected }) => {
    expect(selectQueues(names)).toEqual(expected);
  });

  it.each([
    { names: ['ingest', 'exports'], unknown: 'exports' },
    { names: ['Ingest'], unknown: 'Ingest' },
    { names: ['x', 'ingest', 'y'], unknown: 'x, y' },
  ])('refuses unknown names in $names', ({ names, unknown }) => {
    expect(() => selectQueues(names)).toThrow(
      `WORKER_QUEUES names unknown queues: ${unknown} (known: ingest, preview, vrt, import, system)`,
    );
  });

  it('returns a fresh array each time', () => {
    const first = selectQueues([]);
    first.pop();
    expect(selectQueues([])).toHaveLength(5);
    expect(ALL_QUEUES).toHaveLength(5);
  });
});

describe('isQueueName', () => {
  it.each([
    { value: 'ingest', expected: true },
    { value: 'system', expected: true },
    { value: 'SYSTEM', expected: false },
    { value: '', expected: false },
    { value: 'diagnostics', expected: false },
  ])('$value → $expected', ({ value, expected }) => {
    expect(isQueueName(value)).toBe(expected);
  });
});

describe('JOB_REGISTRY', () => {
  it('routes every job name to a known queue', () => {
    expect(Object.keys(JOB_REGISTRY).sort()).toEqual(Object.values(JobName).sort());
    for (const { queue } of Object.values(JOB_REGISTRY)) expect(ALL_QUEUES).toContain(queue);
    expect(JOB_REGISTRY[JobName.Diagnostics].queue).toBe(QueueName.System);
  });
});
