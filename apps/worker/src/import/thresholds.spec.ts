import { describe, expect, it } from 'vitest';
import { testDefinition } from '../../../../test/support/import-test-doubles.js';
import { thresholdExceeded } from './import-run.service.js';

const withErrors = (max_failed_rows: number | null, max_failed_ratio: number | null) =>
  testDefinition({ fields: [{ column: 'code' }], errors: { max_failed_rows, max_failed_ratio } });

describe('thresholdExceeded', () => {
  it('never stops a run without thresholds', () => {
    expect(thresholdExceeded(withErrors(null, null), 1000, 1000)).toBeNull();
  });

  it('stops when more rows failed than max_failed_rows (equal is still allowed)', () => {
    expect(thresholdExceeded(withErrors(3, null), 3, 10)).toBeNull();
    expect(thresholdExceeded(withErrors(3, null), 4, 10)).toBe(
      'The run stopped: 4 rows failed, more than the importer allows (max_failed_rows 3).',
    );
    expect(thresholdExceeded(withErrors(0, null), 1, 1)).not.toBeNull();
  });

  it('stops when the failed share of the processed rows exceeds max_failed_ratio', () => {
    expect(thresholdExceeded(withErrors(null, 0.5), 5, 10)).toBeNull();
    expect(thresholdExceeded(withErrors(null, 0.5), 6, 10)).toBe(
      'The run stopped: 6 of 10 rows failed, more than the importer allows (max_failed_ratio 0.5).',
    );
    expect(thresholdExceeded(withErrors(null, 0), 0, 0)).toBeNull();
  });
});
