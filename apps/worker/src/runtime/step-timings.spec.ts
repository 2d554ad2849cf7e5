import { describe, expect, it } from 'vitest';
import { StepTimings } from './step-timings.js';

describe('StepTimings', () => {
  const clock = (): { now: () => number; set: (t: number) => void } => {
    let t = 1000;
    return { now: () => t, set: (next) => (t = next) };
  };

  it('attributes the time to each step from its start to the next one, the last until now', () => {
    const c = clock();
    const timings = new StepTimings(c.now);
    c.set(1040);
    timings.mark('converting');
    c.set(4040);
    timings.mark('converting');
    c.set(5040);
    timings.mark('storing');
    c.set(5290);
    timings.mark('publishing');
    c.set(5300);
    expect(timings.durations()).toEqual({ starting: 40, converting: 4000, storing: 250, publishing: 10 });
  });

  it('adds up a step entered twice, and is only `starting` before any step', () => {
    const c = clock();
    const timings = new StepTimings(c.now);
    c.set(1010);
    expect(timings.durations()).toEqual({ starting: 10 });
    timings.mark('reading');
    c.set(1030);
    timings.mark('retrying');
    c.set(1100);
    timings.mark('reading');
    c.set(1105);
    expect(timings.durations()).toEqual({ starting: 10, reading: 25, retrying: 70 });
  });
});
