import { readFileSync, readdirSync } from 'node:fs';

/** Resident set size of a process, in KiB (0 when it is gone). */
export function rssKiB(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** The direct children of `pid` (every thread's `children` list in /proc). */
function childrenOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).flatMap((tid) => {
      try {
        return readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number);
      } catch {
        return [];
      }
    });
  } catch {
    return [];
  }
}

/** Every descendant of `pid` (children, their children…). */
export function descendantsOf(pid: number): number[] {
  const out: number[] = [];
  const queue = childrenOf(pid);
  while (queue.length > 0) {
    const next = queue.shift() ?? 0;
    out.push(next);
    queue.push(...childrenOf(next));
  }
  return out;
}

export interface MemoryPeaks {
  /** The process itself, MiB. */
  process: number;
  /** All its descendants together (the worker's GDAL children), MiB. */
  children: number;
}

/**
 * Samples the RSS of processes (and their descendants) from /proc every `intervalMs`, keeping the peaks
 * since the last `take()`, and over the whole run.
 */
export class MemorySampler {
  private readonly timer: NodeJS.Timeout;
  private window = new Map<string, MemoryPeaks>();
  readonly overall = new Map<string, MemoryPeaks>();

  constructor(
    private readonly pids: () => Record<string, number | undefined>,
    intervalMs = 100,
  ) {
    this.timer = setInterval(() => this.sample(), intervalMs);
    this.timer.unref();
  }

  sample(): void {
    for (const [name, pid] of Object.entries(this.pids())) {
      if (!pid) continue;
      const own = rssKiB(pid) / 1024;
      const children = descendantsOf(pid).reduce((sum, child) => sum + rssKiB(child), 0) / 1024;
      for (const map of [this.window, this.overall]) {
        const peak = map.get(name) ?? { process: 0, children: 0 };
        map.set(name, { process: Math.max(peak.process, own), children: Math.max(peak.children, children) });
      }
    }
  }

  /** The peaks since the last call (rounded MiB), and a new window. */
  take(): Record<string, MemoryPeaks> {
    this.sample();
    const out = Object.fromEntries(
      [...this.window].map(([name, p]) => [name, { process: Math.round(p.process), children: Math.round(p.children) }]),
    );
    this.window = new Map();
    return out;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
