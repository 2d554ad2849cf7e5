const ignore = (): void => undefined;

/**
 * Identical reads (the same page of the same list for the same owner) sent to the database once for many
 * callers, never earlier than each asked: per key, one read runs and at most one waits. A caller whose
 * key is running joins the waiting read (or creates it), which starts when the running one ends; a
 * caller never joins a read already running, whose snapshot may predate a write this caller saw
 * committed. So every caller still sees every write committed before it asked, as with a read of its
 * own, while a burst of polls of one list costs at most two statements at a time instead of one each.
 *
 * An idle key's read starts at once. Joined callers share one result (treat it as read-only) or one
 * error.
 */
export class ReadCoalescer<V> {
  private readonly running = new Map<string, Promise<V>>();
  private readonly waiting = new Map<string, Promise<V>>();

  run(key: string, read: () => Promise<V>): Promise<V> {
    const waiting = this.waiting.get(key);
    if (waiting) return waiting;
    const running = this.running.get(key);
    if (!running) return this.start(key, read);
    const next = running.then(ignore, ignore).then(() => {
      this.waiting.delete(key);
      return this.start(key, read);
    });
    this.waiting.set(key, next);
    return next;
  }

  /** Keys with a read running (for tests). */
  get size(): number {
    return this.running.size;
  }

  private start(key: string, read: () => Promise<V>): Promise<V> {
    let started: Promise<V>;
    try {
      started = read();
    } catch (error) {
      started = Promise.reject(error);
    }
    this.running.set(key, started);
    started
      .finally(() => {
        if (this.running.get(key) === started) this.running.delete(key);
      })
      .catch(ignore);
    return started;
  }
}
