/**
 * Where a job attempt's time went, step by step, measured by the worker when each step starts (not when
 * progress happens to be written, about once a second). Logged with `job finished` as `steps_ms`, so an
 * operator or a benchmark reads the split of one run from the worker's own clock.
 */
export class StepTimings {
  private readonly marks: { step: string; at: number }[] = [];

  constructor(
    private readonly now: () => number = () => performance.now(),
    private readonly startedAt: number = now(),
  ) {}

  /** `step` starts now (a repeat of the current step changes nothing). */
  mark(step: string): void {
    if (this.marks.at(-1)?.step === step) return;
    this.marks.push({ step, at: this.now() });
  }

  /**
   * Milliseconds per step, in the order the steps first started: `starting` before the first step, each
   * step until the next one (a step entered twice counts both times), the last until `now`.
   */
  durations(): Record<string, number> {
    const end = this.now();
    const spans = [{ step: 'starting', at: this.startedAt }, ...this.marks];
    const out: Record<string, number> = {};
    spans.forEach((span, i) => {
      const until = spans[i + 1]?.at ?? end;
      out[span.step] = Math.round((out[span.step] ?? 0) + (until - span.at));
    });
    return out;
  }
}
