import { afterEach, describe, expect, it, vi } from 'vitest';
import { progressReporter } from './progress.js';

describe('progressReporter', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('forwards clamped, strictly increasing fractions', () => {
    const seen: number[] = [];
    const report = progressReporter((f) => seen.push(f));
    for (const f of [0, 0.2, 0.1, 0.2, Number.NaN, 0.7, 1.4, 1]) report(f);
    expect(seen).toEqual([0, 0.2, 0.7, 1]);
  });

  it('swallows an observer that throws, and tolerates none', () => {
    const observer = vi.fn<(fraction: number) => void>(() => {
      throw new Error('observer failed');
    });
    expect(() => progressReporter(observer)(0.5)).not.toThrow();
    expect(observer).toHaveBeenCalledWith(0.5);
    expect(() => progressReporter(undefined)(0.5)).not.toThrow();
  });

  it('throttles to one report per interval, always letting the final 1 through', () => {
    vi.useFakeTimers();
    const seen: number[] = [];
    const report = progressReporter((f) => seen.push(f), { minIntervalMs: 250 });
    report(0.1);
    vi.advanceTimersByTime(100);
    report(0.2);
    vi.advanceTimersByTime(200);
    report(0.3);
    report(1);
    expect(seen).toEqual([0.1, 0.3, 1]);
  });
});
