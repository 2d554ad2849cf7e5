export interface ProgressOptions {
  /** Drops reports closer than this to the previous one (the final 1 always passes). Default 0. */
  minIntervalMs?: number;
}

/**
 * Wraps a progress callback: clamped to 0..1, never decreasing, optionally throttled, and never throwing
 * (GDAL calls it from its progress trampoline; a failing observer must not break the work).
 */
export function progressReporter(
  onProgress: ((fraction: number) => void) | undefined,
  { minIntervalMs = 0 }: ProgressOptions = {},
): (fraction: number) => void {
  let last = -1;
  let lastAt = 0;
  return (fraction) => {
    if (!onProgress || !Number.isFinite(fraction)) return;
    const value = Math.min(1, Math.max(0, fraction));
    if (value <= last) return;
    const now = Date.now();
    if (value < 1 && minIntervalMs > 0 && now - lastAt < minIntervalMs) return;
    last = value;
    lastAt = now;
    try {
      onProgress(value);
    } catch {
      // A failing observer must not break the work.
    }
  };
}
