import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { DomainError, ErrorCode, toProblem } from '@app/common';
import {
  InvalidTransitionError,
  JOB_TRANSITIONS,
  JobStatus,
  TERMINAL_STATUSES,
  canTransition,
  isTerminal,
  sourcesOf,
} from './job-status.js';

const { Pending, Queued, Processing, Completed, CompletedWithErrors, Failed, Cancelled, FanningOut, FannedOut } =
  JobStatus;

/** Column order of the matrix below. */
const COLUMNS = [
  Pending,
  Queued,
  Processing,
  Completed,
  CompletedWithErrors,
  Failed,
  Cancelled,
  FanningOut,
  FannedOut,
] as const;

/**
 * The expected state machine, written out in full: row = from, column = to (in COLUMNS order), 1 = allowed.
 * Any change to JOB_TRANSITIONS must be mirrored here.
 */
// prettier-ignore
const EXPECTED: Record<JobStatus, readonly (0 | 1)[]> = {
  //                    pend queu proc comp cwe  fail canc fing fout
  [Pending]:             [0,   1,   0,   0,   0,   1,   1,   1,   0],
  [Queued]:              [0,   0,   1,   0,   0,   1,   1,   0,   0],
  [Processing]:          [0,   0,   1,   1,   1,   1,   1,   0,   0],
  [Completed]:           [0,   0,   0,   0,   0,   0,   0,   0,   0],
  [CompletedWithErrors]: [0,   0,   0,   0,   0,   0,   0,   0,   0],
  [Failed]:              [0,   1,   0,   0,   0,   0,   0,   0,   0],
  [Cancelled]:           [0,   0,   0,   0,   0,   0,   0,   0,   0],
  [FanningOut]:          [1,   0,   0,   0,   0,   0,   0,   0,   1],
  [FannedOut]:           [0,   0,   0,   0,   0,   0,   0,   0,   0],
};

const PAIRS = COLUMNS.flatMap((from) =>
  COLUMNS.map((to, column) => ({ from, to, allowed: EXPECTED[from][column] === 1 })),
);

describe('job state machine', () => {
  it('the expected matrix covers every status, in both dimensions', () => {
    const all = [...Object.values(JobStatus)].sort();
    expect([...COLUMNS].sort()).toEqual(all);
    expect(Object.keys(EXPECTED).sort()).toEqual(all);
    expect(Object.keys(JOB_TRANSITIONS).sort()).toEqual(all);
    for (const row of Object.values(EXPECTED)) expect(row).toHaveLength(COLUMNS.length);
    expect(PAIRS).toHaveLength(81);
  });

  it.each(PAIRS)('$from → $to: allowed = $allowed', ({ from, to, allowed }) => {
    expect(canTransition(from, to)).toBe(allowed);
    expect(JOB_TRANSITIONS[from].includes(to)).toBe(allowed);
  });

  it('lists no transition twice', () => {
    for (const targets of Object.values(JOB_TRANSITIONS)) expect(new Set(targets).size).toBe(targets.length);
  });

  it.each([
    { to: Pending, sources: [FanningOut] },
    { to: Queued, sources: [Pending, Failed] },
    { to: Processing, sources: [Queued, Processing] },
    { to: Completed, sources: [Processing] },
    { to: CompletedWithErrors, sources: [Processing] },
    { to: Failed, sources: [Pending, Queued, Processing] },
    { to: Cancelled, sources: [Pending, Queued, Processing] },
    { to: FanningOut, sources: [Pending] },
    { to: FannedOut, sources: [FanningOut] },
  ])('sourcesOf($to) = $sources', ({ to, sources }) => {
    expect([...sourcesOf(to)].sort()).toEqual([...sources].sort());
  });

  it.each([
    { status: Pending, terminal: false },
    { status: Queued, terminal: false },
    { status: Processing, terminal: false },
    { status: Completed, terminal: true },
    { status: CompletedWithErrors, terminal: true },
    { status: Failed, terminal: true },
    { status: Cancelled, terminal: true },
    { status: FanningOut, terminal: false },
    { status: FannedOut, terminal: true },
  ])('isTerminal($status) = $terminal', ({ status, terminal }) => {
    expect(isTerminal(status)).toBe(terminal);
    expect(TERMINAL_STATUSES.includes(status)).toBe(terminal);
  });

  // `failed` is terminal for the pipeline, yet its owner may retry it: that one edge is the only way out.
  const RETRY = { from: Failed, to: Queued };

  it.each(TERMINAL_STATUSES.map((status) => ({ status })))(
    'terminal $status has no outgoing transition except a retry',
    ({ status }) => {
      const exits = COLUMNS.filter((to) => canTransition(status, to));
      expect(exits).toEqual(status === RETRY.from ? [RETRY.to] : []);
    },
  );

  it.each(COLUMNS.filter((s) => !isTerminal(s)).map((status) => ({ status })))(
    'non-terminal $status can move somewhere',
    ({ status }) => {
      expect(JOB_TRANSITIONS[status].length).toBeGreaterThan(0);
    },
  );
});

describe('InvalidTransitionError', () => {
  it('is a 409 domain error carrying the current status', () => {
    const error = new InvalidTransitionError('job-1', Completed, Cancelled);

    expect(error).toBeInstanceOf(DomainError);
    expect(error.name).toBe('InvalidTransitionError');
    expect(error.code).toBe(ErrorCode.InvalidTransition);
    expect(error.status).toBe(409);
    expect(error.extensions).toEqual({ current_status: 'completed' });
    expect(error.jobId).toBe('job-1');
    expect(error.current).toBe(Completed);
    expect(error.attempted).toBe(Cancelled);
    expect(error.message).toBe("Job is 'completed'; it cannot become 'cancelled'.");
  });

  it('accepts a custom message', () => {
    const error = new InvalidTransitionError('job-1', Completed, Cancelled, 'A completed job cannot be cancelled.');
    expect(error.message).toBe('A completed job cannot be cancelled.');
    expect(error.extensions).toEqual({ current_status: 'completed' });
  });

  it('becomes a 409 problem document with current_status', () => {
    const { problem, unexpected } = toProblem(new InvalidTransitionError('job-1', Failed, Processing), 'req-1');
    expect(unexpected).toBe(false);
    expect(problem).toEqual({
      type: 'https://strata.dev/problems/invalid-transition',
      title: 'Invalid state transition',
      status: 409,
      detail: "Job is 'failed'; it cannot become 'processing'.",
      request_id: 'req-1',
      current_status: 'failed',
    });
  });
});
