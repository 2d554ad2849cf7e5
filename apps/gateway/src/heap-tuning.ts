import v8 from 'node:v8';

/**
 * The old generation may grow to twice what a full collection left alive before V8 collects it again
 * (V8's default factor falls to 1.1–1.2 once the process has been idle and its heap was shrunk).
 *
 * Why: an upload arrives as one new Buffer per socket read (64 KiB), and the bytes of Buffers still on
 * their way to storage count towards that limit. On a gateway that had been idle, a 74 MB upload ran into
 * the tight limit over and over: 8–10 full collections, each marking the whole ~50 MB heap. With twice
 * the room, the first upload after 25 s idle takes half the gateway's CPU and ~17 % less time, and the
 * gateway's peak RSS does not change (`node bench/upload-after-idle.mjs`; docs/benchmarks.md).
 *
 * The flag is read at every collection, so setting it once the process runs takes effect; it is set
 * in the entry point so every way of starting the gateway gets it.
 */
export const HEAP_GROWING_FLAG = '--heap-growing-percent=100';

export function tuneGatewayHeap(): void {
  v8.setFlagsFromString(HEAP_GROWING_FLAG);
}
