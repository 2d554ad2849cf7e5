import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { AppConfig } from '@app/config';

/** What the governor reads of the V8 heap and how it collects; a seam for tests. */
export interface HeapProbe {
  /** Bytes V8 holds for the JavaScript heap (in use or not): what the heap adds to the RSS. */
  heapBytes(): number;
  /** Bytes of the heap in use; right after a full collection, what is live. */
  usedBytes(): number;
  /** A full (mark-compact) collection. */
  collect(): void;
}

let exposedGc: (() => void) | null = null;

/** The process's own V8 heap. `gc` is exposed at first use (no `--expose-gc` on every launcher). */
export const v8HeapProbe: HeapProbe = {
  heapBytes: () => getHeapStatistics().total_heap_size,
  usedBytes: () => getHeapStatistics().used_heap_size,
  collect: () => {
    if (!exposedGc) {
      setFlagsFromString('--expose-gc');
      exposedGc = runInNewContext('gc') as () => void;
    }
    exposedGc();
  },
};

/**
 * Keeps the worker's JavaScript heap near `WORKER_HEAP_TARGET_MB` during allocation-heavy jobs. An
 * importer run allocates and drops a few hundred bytes per row; each chunk lives through the read-ahead,
 * so it is promoted, and V8 lets the old generation grow to hundreds of MiB of garbage before it
 * compacts (a 1,000,000-row run took an idle 144 MiB worker to 360 MiB RSS with about 60 MiB live).
 * Between chunks, `check()` runs a full collection once the heap V8 holds reaches the target (the
 * collection also hands the freed pages back). When what is live after a collection is itself near the
 * target (the job really holds that much), the next one waits until the heap is half the target above
 * it, so such a job is not collected after every chunk. The worker module provides one.
 */
export class HeapGovernor {
  private readonly targetBytes: number;
  private threshold: number;
  private collected = 0;
  private collectMs = 0;

  constructor(
    config: Pick<AppConfig, 'worker'>,
    private readonly probe: HeapProbe = v8HeapProbe,
  ) {
    this.targetBytes = config.worker.heapTargetMb * 1024 * 1024;
    this.threshold = this.targetBytes;
  }

  /** Collects when the heap has reached the threshold. True when it collected. */
  check(): boolean {
    if (this.targetBytes <= 0 || this.probe.heapBytes() < this.threshold) return false;
    const started = performance.now();
    this.probe.collect();
    this.collectMs += performance.now() - started;
    this.collected += 1;
    this.threshold = Math.max(this.targetBytes, this.probe.usedBytes() + this.targetBytes / 2);
    return true;
  }

  /** Collections so far and the time they took (for the benchmarks and the job log). */
  stats(): { collections: number; ms: number } {
    return { collections: this.collected, ms: Math.round(this.collectMs) };
  }
}
