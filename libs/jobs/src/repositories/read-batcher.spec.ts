import { describe, expect, it } from 'vitest';
import { ReadBatcher } from './read-batcher.js';
import { ReadCoalescer } from './read-coalescer.js';

/** A promise and the functions that settle it. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** A fetch that records each batch and is settled by the test. */
function recordingFetch() {
  const batches: { keys: string[]; done: ReturnType<typeof deferred<Map<number, string>>> }[] = [];
  const fetch = (keys: string[]): Promise<Map<number, string>> => {
    const done = deferred<Map<number, string>>();
    batches.push({ keys, done });
    return done.promise;
  };
  /** Answers batch `i` with `<key>!` for every key not in `missing`. */
  const answer = (i: number, missing: string[] = []): void => {
    const batch = batches[i];
    if (!batch) throw new Error(`no batch ${i}`);
    const found = batch.keys.flatMap((k, index): [number, string][] => (missing.includes(k) ? [] : [[index, `${k}!`]]));
    batch.done.resolve(new Map(found));
  };
  return { batches, fetch, answer };
}

describe('ReadBatcher', () => {
  it('sends the reads asked in one turn of the event loop as one batch, and answers each its own row', async () => {
    const { batches, fetch, answer } = recordingFetch();
    const batcher = new ReadBatcher<string, string>((k) => k, fetch, { maxBatch: 100, maxInFlight: 2 });
    const reads = ['a', 'b', 'c'].map((k) => batcher.load(k));
    expect(batches).toHaveLength(0);
    await tick();
    expect(batches.map((b) => b.keys)).toEqual([['a', 'b', 'c']]);
    answer(0, ['b']);
    await expect(Promise.all(reads)).resolves.toEqual(['a!', undefined, 'c!']);
  });

  it('asks for a key once per batch and gives every reader of it the same row', async () => {
    const { batches, fetch, answer } = recordingFetch();
    const batcher = new ReadBatcher<string, string>((k) => k, fetch, { maxBatch: 100, maxInFlight: 1 });
    const reads = [batcher.load('a'), batcher.load('a'), batcher.load('b')];
    await tick();
    expect(batches[0]?.keys).toEqual(['a', 'b']);
    answer(0);
    await expect(Promise.all(reads)).resolves.toEqual(['a!', 'a!', 'b!']);
  });

  it('runs at most maxInFlight batches; what is asked meanwhile waits and goes out together, never joining a running batch', async () => {
    const { batches, fetch, answer } = recordingFetch();
    const batcher = new ReadBatcher<string, string>((k) => k, fetch, { maxBatch: 100, maxInFlight: 1 });
    const first = batcher.load('a');
    await tick();
    expect(batches).toHaveLength(1);
    // Asked while 'a' runs: not answered by that statement, which may have started before it was asked.
    const again = batcher.load('a');
    const other = batcher.load('b');
    await tick();
    expect(batches).toHaveLength(1);
    expect(batcher.pending).toBe(2);
    answer(0);
    await expect(first).resolves.toBe('a!');
    await tick();
    expect(batches.map((b) => b.keys)).toEqual([['a'], ['a', 'b']]);
    answer(1);
    await expect(Promise.all([again, other])).resolves.toEqual(['a!', 'b!']);
  });

  it('splits a longer queue into batches of maxBatch', async () => {
    const { batches, fetch, answer } = recordingFetch();
    const batcher = new ReadBatcher<string, string>((k) => k, fetch, { maxBatch: 2, maxInFlight: 3 });
    const reads = ['a', 'b', 'c', 'd', 'e'].map((k) => batcher.load(k));
    await tick();
    expect(batches.map((b) => b.keys)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    for (let i = 0; i < 3; i += 1) answer(i);
    await expect(Promise.all(reads)).resolves.toEqual(['a!', 'b!', 'c!', 'd!', 'e!']);
  });

  it('fails every read of a failed batch with its error, and the next batch starts afresh', async () => {
    const { batches, fetch, answer } = recordingFetch();
    const batcher = new ReadBatcher<string, string>((k) => k, fetch, { maxBatch: 100, maxInFlight: 1 });
    const failing = [batcher.load('a'), batcher.load('b')];
    await tick();
    const outage = new Error('connection terminated');
    batches[0]?.done.reject(outage);
    for (const read of failing) await expect(read).rejects.toBe(outage);
    const later = batcher.load('a');
    await tick();
    answer(1);
    await expect(later).resolves.toBe('a!');
  });

  it('fails the batch when fetch throws instead of rejecting, and keeps serving', async () => {
    let calls = 0;
    const batcher = new ReadBatcher<string, string>(
      (k) => k,
      (keys) => {
        calls += 1;
        if (calls === 1) throw new Error('bad statement');
        return Promise.resolve(new Map(keys.map((k, index) => [index, k])));
      },
    );
    await expect(batcher.load('a')).rejects.toThrow('bad statement');
    await expect(batcher.load('a')).resolves.toBe('a');
  });

  it('refuses options that could never send a read', () => {
    expect(
      () =>
        new ReadBatcher(
          (k: string) => k,
          () => Promise.resolve(new Map()),
          { maxBatch: 0, maxInFlight: 1 },
        ),
    ).toThrow(/at least 1/);
  });
});

describe('ReadCoalescer', () => {
  it('starts an idle key at once, alone', async () => {
    const coalescer = new ReadCoalescer<string>();
    let reads = 0;
    const result = coalescer.run('k', () => {
      reads += 1;
      return Promise.resolve('v');
    });
    expect(reads).toBe(1);
    await expect(result).resolves.toBe('v');
  });

  it('runs one read per key and lets the callers that came meanwhile share one next read, started after the running one', async () => {
    const coalescer = new ReadCoalescer<number>();
    const gates: ReturnType<typeof deferred<number>>[] = [];
    const read = (): Promise<number> => {
      const gate = deferred<number>();
      gates.push(gate);
      return gate.promise;
    };
    const first = coalescer.run('k', read);
    // These came while the first read ran: they must not take its result (it may predate a write they saw).
    const second = coalescer.run('k', read);
    const third = coalescer.run('k', read);
    expect(gates).toHaveLength(1);
    expect(third).toBe(second);
    gates[0]?.resolve(1);
    await expect(first).resolves.toBe(1);
    await tick();
    expect(gates).toHaveLength(2);
    // A caller during the second read waits for a third.
    const fourth = coalescer.run('k', read);
    gates[1]?.resolve(2);
    await expect(Promise.all([second, third])).resolves.toEqual([2, 2]);
    await tick();
    gates[2]?.resolve(3);
    await expect(fourth).resolves.toBe(3);
    expect(gates).toHaveLength(3);
    expect(coalescer.size).toBe(0);
  });

  it('keeps keys apart', async () => {
    const coalescer = new ReadCoalescer<string>();
    const gate = deferred<string>();
    const a = coalescer.run('a', () => gate.promise);
    const b = coalescer.run('b', () => Promise.resolve('b'));
    await expect(b).resolves.toBe('b');
    gate.resolve('a');
    await expect(a).resolves.toBe('a');
  });

  it('shares a failure with the callers of that read only; the waiting read still runs', async () => {
    const coalescer = new ReadCoalescer<string>();
    const gate = deferred<string>();
    const failing = coalescer.run('k', () => gate.promise);
    const next = coalescer.run('k', () => Promise.resolve('fresh'));
    gate.reject(new Error('outage'));
    await expect(failing).rejects.toThrow('outage');
    await expect(next).resolves.toBe('fresh');
  });

  it('turns a read that throws into a rejection', async () => {
    const coalescer = new ReadCoalescer<string>();
    await expect(
      coalescer.run('k', () => {
        throw new Error('bad');
      }),
    ).rejects.toThrow('bad');
    await expect(coalescer.run('k', () => Promise.resolve('ok'))).resolves.toBe('ok');
  });
});
