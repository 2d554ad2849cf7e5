import { getHeapStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { HeapGovernor, type HeapProbe, v8HeapProbe } from './heap-governor.js';

const MiB = 1024 * 1024;

/** A heap that grows by what the test allocates and shrinks to `live` on a collection. */
function fakeHeap(live: number): HeapProbe & { size: number; collections: number; live: number } {
  const heap = {
    size: live,
    live,
    collections: 0,
    heapBytes: () => heap.size,
    usedBytes: () => heap.live,
    collect: () => {
      heap.collections += 1;
      heap.size = heap.live;
    },
  };
  return heap;
}

const governor = (targetMb: number, probe: HeapProbe) =>
  new HeapGovernor({ worker: { heapTargetMb: targetMb } } as ConstructorParameters<typeof HeapGovernor>[0], probe);

describe('HeapGovernor', () => {
  it('collects once the heap in use reaches the target, not before', () => {
    const heap = fakeHeap(40 * MiB);
    const g = governor(128, heap);
    heap.size = 127 * MiB;
    expect(g.check()).toBe(false);
    heap.size = 128 * MiB;
    expect(g.check()).toBe(true);
    expect(heap.collections).toBe(1);
    expect(heap.size).toBe(40 * MiB);
    expect(g.check()).toBe(false);
    expect(g.stats().collections).toBe(1);
  });

  it('waits for half the target more when the live heap itself is near the target', () => {
    const heap = fakeHeap(120 * MiB);
    const g = governor(128, heap);
    heap.size = 130 * MiB;
    expect(g.check()).toBe(true);
    // Live 120 MiB: the next collection comes at 120 + 64 MiB, not at every check above 128 MiB.
    heap.size = 183 * MiB;
    expect(g.check()).toBe(false);
    heap.size = 184 * MiB;
    expect(g.check()).toBe(true);
    // Once the live heap shrinks, the threshold returns to the target.
    heap.live = 30 * MiB;
    heap.size = 200 * MiB;
    expect(g.check()).toBe(true);
    heap.size = 128 * MiB;
    expect(g.check()).toBe(true);
    expect(heap.collections).toBe(4);
  });

  it('does nothing with a target of 0', () => {
    const heap = fakeHeap(40 * MiB);
    heap.size = 4096 * MiB;
    expect(governor(0, heap).check()).toBe(false);
    expect(heap.collections).toBe(0);
  });

  it("collects this process's garbage without --expose-gc on the command line", () => {
    let garbage: number[][] | null = Array.from({ length: 200 }, () => Array.from({ length: 10_000 }, (_, i) => i));
    const before = getHeapStatistics().used_heap_size;
    expect(garbage.length).toBe(200);
    garbage = null;
    v8HeapProbe.collect();
    // 200 × 10,000 numbers is about 16 MiB (or more): freed by the collection.
    expect(before - getHeapStatistics().used_heap_size).toBeGreaterThan(8 * MiB);
  });
});
