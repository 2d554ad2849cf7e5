export interface ReadBatcherOptions {
  /** Keys per statement at most; a longer queue is sent as several. */
  maxBatch: number;
  /** Statements of this batcher running at once at most; further reads wait for one to end and join a batch. */
  maxInFlight: number;
}

export const DEFAULT_READ_BATCHER_OPTIONS: ReadBatcherOptions = { maxBatch: 100, maxInFlight: 2 };

interface Waiter<V> {
  resolve: (value: V | undefined) => void;
  reject: (error: unknown) => void;
}

interface Queued<K, V> {
  key: K;
  waiters: Waiter<V>[];
}

/**
 * Point reads by key (a job by id and owner), sent to the database as one statement per batch instead of
 * one per read. Under load a process has many reads of the same kind waiting at once (clients polling
 * their jobs); each statement costs the gateway a socket write and read, node-postgres's per-query work
 * and a pool round, and the database one execution. A busy gateway sends one for many.
 *
 * Reads queue until the event loop has taken in what it was given (`setImmediate`), then go out in one
 * batch; while `maxInFlight` batches run, later reads queue and go out together when one ends. An idle
 * process sends each read at once, alone.
 *
 * Consistency is that of the unbatched read: a read is only ever answered by a statement sent after it
 * was asked (joining a batch still queued, never one already running), so it sees every write committed
 * before it was asked. Two reads of the same key in one queued batch share its row. A statement that fails
 * fails every read of its batch with the same error (an outage is a 503 for each); the next batch starts
 * afresh.
 */
export class ReadBatcher<K, V> {
  private readonly queue = new Map<string, Queued<K, V>>();
  private inFlight = 0;
  private scheduled = false;

  /**
   * @param identify a key's identity: reads of equal identities share a row
   * @param fetch the rows of `keys` by each key's index in `keys` (one statement); a key without a row is absent
   */
  constructor(
    private readonly identify: (key: K) => string,
    private readonly fetch: (keys: K[]) => Promise<Map<number, V>>,
    private readonly options: ReadBatcherOptions = DEFAULT_READ_BATCHER_OPTIONS,
  ) {
    if (!(options.maxBatch >= 1 && options.maxInFlight >= 1)) {
      throw new Error('ReadBatcher needs maxBatch and maxInFlight of at least 1');
    }
  }

  /** The row of `key`, or undefined when there is none. */
  load(key: K): Promise<V | undefined> {
    return new Promise<V | undefined>((resolve, reject) => {
      const identity = this.identify(key);
      const queued = this.queue.get(identity);
      if (queued) queued.waiters.push({ resolve, reject });
      else this.queue.set(identity, { key, waiters: [{ resolve, reject }] });
      this.schedule();
    });
  }

  /** Reads queued and not yet sent (for tests and metrics). */
  get pending(): number {
    return this.queue.size;
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.options.maxInFlight) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.inFlight < this.options.maxInFlight && this.queue.size > 0) {
      const batch: Queued<K, V>[] = [];
      for (const [identity, queued] of this.queue) {
        batch.push(queued);
        this.queue.delete(identity);
        if (batch.length >= this.options.maxBatch) break;
      }
      this.inFlight += 1;
      this.send(batch);
    }
  }

  private send(batch: Queued<K, V>[]): void {
    let fetched: Promise<Map<number, V>>;
    try {
      fetched = this.fetch(batch.map((queued) => queued.key));
    } catch (error) {
      fetched = Promise.reject(error);
    }
    fetched
      .then(
        (rows) => {
          batch.forEach((queued, index) => {
            const row = rows.get(index);
            for (const waiter of queued.waiters) waiter.resolve(row);
          });
        },
        (error: unknown) => {
          for (const queued of batch) for (const waiter of queued.waiters) waiter.reject(error);
        },
      )
      .finally(() => {
        this.inFlight -= 1;
        // What queued while this batch ran goes out now, together.
        this.dispatch();
      })
      .catch(() => undefined);
  }
}
