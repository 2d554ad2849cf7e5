import type { DataSource, QueryRunner } from 'typeorm';
import { vi } from 'vitest';

/**
 * Records the statements `dataSource` sends, per connection (query runner), while `work` runs: each
 * runner's statements in order, transaction control included (TypeORM sends it through `query` too).
 */
export async function statementsDuring(dataSource: DataSource, work: () => Promise<unknown>): Promise<string[][]> {
  const runners: string[][] = [];
  const create = dataSource.createQueryRunner.bind(dataSource);
  const spy = vi.spyOn(dataSource, 'createQueryRunner').mockImplementation((mode) => {
    const runner: QueryRunner = create(mode);
    const sent: string[] = [];
    runners.push(sent);
    const query = runner.query.bind(runner);
    runner.query = ((text: string, ...rest: unknown[]) => {
      sent.push(text.replace(/\s+/g, ' ').trim());
      return (query as (...args: unknown[]) => Promise<unknown>)(text, ...rest);
    }) as QueryRunner['query'];
    return runner;
  });
  try {
    await work();
  } finally {
    spy.mockRestore();
  }
  return runners;
}

/** Whether `statements` (one connection's) wrote `update` in a transaction that skipped its WAL flush. */
export function committedUnflushed(statements: string[], update: RegExp): boolean {
  const skip = statements.indexOf('SET LOCAL synchronous_commit = off');
  const write = statements.findIndex((s) => update.test(s));
  return statements[0] === 'START TRANSACTION' && skip > 0 && write > skip && statements.at(-1) === 'COMMIT';
}
