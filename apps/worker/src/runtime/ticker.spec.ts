import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { startTicker } from './ticker.js';

const INTERVAL = 1000;

type Tick = () => Promise<void>;
type OnFailure = (error: unknown) => void;

/** A tick whose calls stay pending until the test settles them, counting how many run at once. */
function heldTick() {
  const pending: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  const state = { calls: 0, running: 0, mostAtOnce: 0 };
  const tick = (): Promise<void> => {
    state.calls += 1;
    state.running += 1;
    state.mostAtOnce = Math.max(state.mostAtOnce, state.running);
    return new Promise<void>((resolve, reject) => {
      pending.push({ resolve, reject });
    }).finally(() => {
      state.running -= 1;
    });
  };
  const next = () => {
    const call = pending.shift();
    if (!call) throw new Error('no tick is running');
    return call;
  };
  return { tick, state, next };
}

describe('startTicker', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('ticks once an interval while ticks succeed', async () => {
    const tick = vi.fn<Tick>(() => Promise.resolve());
    const onFailure = vi.fn<OnFailure>();
    const ticker = startTicker(tick, INTERVAL, onFailure);
    await vi.advanceTimersByTimeAsync(INTERVAL - 1);
    expect(tick).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(tick).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(2 * INTERVAL);
    expect(tick).toHaveBeenCalledTimes(3);
    expect(ticker.failed).toBe(false);
    expect(onFailure).not.toHaveBeenCalled();
    ticker.stop();
  });

  it('never starts a tick while the previous one is still running', async () => {
    const { tick, state, next } = heldTick();
    const ticker = startTicker(tick, INTERVAL, vi.fn<OnFailure>());
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(state.calls).toBe(1);
    // A slow tick: many intervals pass, no second tick starts beside it.
    await vi.advanceTimersByTimeAsync(10 * INTERVAL);
    expect(state.calls).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
    next().resolve();
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(state.calls).toBe(2);
    next().resolve();
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(state.calls).toBe(3);
    expect(state.mostAtOnce).toBe(1);
    ticker.stop();
  });

  it('hands the first failure to onFailure once, and ticks no more', async () => {
    const cancelled = new Error('cancelled');
    const tick = vi.fn<Tick>(() => Promise.reject(cancelled));
    const onFailure = vi.fn<OnFailure>();
    const ticker = startTicker(tick, INTERVAL, onFailure);
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(onFailure).toHaveBeenCalledTimes(1);
    expect(onFailure).toHaveBeenCalledWith(cancelled);
    expect(ticker.failed).toBe(true);
    expect(ticker.error).toBe(cancelled);
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(10 * INTERVAL);
    expect(tick).toHaveBeenCalledTimes(1);
    expect(onFailure).toHaveBeenCalledTimes(1);
    ticker.stop();
    expect(ticker.error).toBe(cancelled);
  });

  it('treats a tick that throws before returning a promise as a failure', async () => {
    const broken = new Error('broken');
    const onFailure = vi.fn<OnFailure>();
    const ticker = startTicker(
      () => {
        throw broken;
      },
      INTERVAL,
      onFailure,
    );
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(onFailure).toHaveBeenCalledWith(broken);
    expect(ticker.error).toBe(broken);
  });

  it('stop() clears the timer, and no tick runs afterwards', async () => {
    const tick = vi.fn<Tick>(() => Promise.resolve());
    const ticker = startTicker(tick, INTERVAL, vi.fn<OnFailure>());
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(tick).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(1);
    ticker.stop();
    expect(vi.getTimerCount()).toBe(0);
    await vi.advanceTimersByTimeAsync(10 * INTERVAL);
    expect(tick).toHaveBeenCalledTimes(1);
  });

  it('after stop(), a tick still running neither schedules another nor fails the work', async () => {
    const { tick, state, next } = heldTick();
    const onFailure = vi.fn<OnFailure>();
    const ticker = startTicker(tick, INTERVAL, onFailure);
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(state.calls).toBe(1);
    ticker.stop();
    next().reject(new Error('too late'));
    await vi.advanceTimersByTimeAsync(10 * INTERVAL);
    expect(onFailure).not.toHaveBeenCalled();
    expect(ticker.failed).toBe(false);
    expect(state.calls).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
  });
});
