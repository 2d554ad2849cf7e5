/** A periodic check that runs beside a piece of work; see `startTicker`. */
export interface Ticker {
  /** True once a tick has failed; no tick runs after that. */
  readonly failed: boolean;
  /** What the failed tick threw (undefined while none has failed). */
  readonly error: unknown;
  /** Ends the ticking: no tick starts after this, and a tick still running can no longer fail the work. */
  stop(): void;
}

/**
 * Runs `tick` every `intervalMs` while a piece of work goes on (a progress write that doubles as the
 * check for a cancel or a newer attempt). The next tick is scheduled only once the previous one has
 * settled, so ticks never overlap. The first tick that fails ends the ticking and is handed to
 * `onFailure`, once, which cuts the work short (aborts a read, kills a child); the work then reads
 * `failed`/`error` to throw it. The caller calls `stop()` on every path, in a `finally`.
 */
export function startTicker(
  tick: () => Promise<void>,
  intervalMs: number,
  onFailure: (error: unknown) => void,
): Ticker {
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;
  const ticker = { failed: false, error: undefined as unknown, stop };

  function schedule(): void {
    timer = setTimeout(run, intervalMs);
  }

  function run(): void {
    timer = null;
    // Through a promise, so that a tick that throws before it returns one fails like any other.
    Promise.resolve()
      .then(tick)
      .then(
        () => {
          if (!stopped) schedule();
        },
        (error: unknown) => {
          if (stopped) return;
          stopped = true;
          ticker.failed = true;
          ticker.error = error;
          onFailure(error);
        },
      );
  }

  function stop(): void {
    stopped = true;
    if (timer) clearTimeout(timer);
    timer = null;
  }

  schedule();
  return ticker;
}
