import type { DataSource, EntityManager } from 'typeorm';

/** The statement that makes a transaction's commit skip its WAL flush (for that transaction alone). */
export const SKIP_FLUSH = `SET LOCAL synchronous_commit = off`;

/**
 * Runs `work` in a transaction whose commit does not wait for its WAL flush. Only for advisory writes
 * (progress, the expected total, the header row): a database crash may lose the last of them, never a
 * result, because an attempt's end is a synchronous commit, which flushes everything written before it,
 * and an attempt cut short by the crash writes them again. Saves one WAL flush per write (2–40 ms each
 * on this project's machines; a `transaction: run` reports progress once per chunk).
 */
export function unflushed<T>(dataSource: DataSource, work: (manager: EntityManager) => Promise<T>): Promise<T> {
  return dataSource.transaction(async (manager) => {
    await manager.query(SKIP_FLUSH);
    return work(manager);
  });
}
