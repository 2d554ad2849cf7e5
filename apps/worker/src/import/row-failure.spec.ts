import { describe, expect, it } from 'vitest';
import { rowFailureMessage } from './row-failure.js';

const pgError = (fields: Record<string, string | undefined>): Error =>
  Object.assign(new Error(fields.message ?? 'x'), fields);

describe('rowFailureMessage', () => {
  it.each([
    [{ code: '23505', constraint: 'stations_code_key' }, "The row violates the unique constraint 'stations_code_key'."],
    [
      { code: '23514', constraint: 'stations_elev_check' },
      "The row violates the check constraint 'stations_elev_check'.",
    ],
    [{ code: '23503', constraint: 'fk_x' }, "The row violates the foreign key constraint 'fk_x'."],
    [{ code: '23502', column: 'name' }, "The row has no value for the required column 'name'."],
    [{ code: '22001' }, 'A value is too long for its column in the target table.'],
    [{ code: '22P02' }, 'A value is not accepted by its column in the target table.'],
    [{ code: 'XX000', message: 'unknown GeoJSON type' }, "The row's geometry is invalid."],
  ])('%j → %s', (fields, expected) => {
    expect(rowFailureMessage(pgError(fields))).toBe(expected);
  });

  it('reads the driver error TypeORM wraps', () => {
    const wrapped = Object.assign(new Error('query failed'), {
      driverError: pgError({ code: '23514', constraint: 'c' }),
    });
    expect(rowFailureMessage(wrapped)).toBe("The row violates the check constraint 'c'.");
  });

  it('never shows the detail or the SQL, even when PostgreSQL puts values there', () => {
    const message = rowFailureMessage(
      pgError({ code: '23505', constraint: 'k', detail: 'Key (code)=(SECRET) already exists.', message: 'INSERT …' }),
    );
    expect(message).not.toMatch(/SECRET|INSERT/);
  });

  it.each([{ code: '42P01' }, { code: '08006' }, { code: 'XX000', message: 'cache lookup failed' }, {}])(
    '%j is not a row failure',
    (fields) => {
      expect(rowFailureMessage(pgError(fields))).toBeNull();
    },
  );
});
