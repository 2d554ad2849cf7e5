import { describe, expect, it } from 'vitest';
import { choosePartSize, partsProblem } from './presigned.service.js';

const MiB = 1024 * 1024;
const parts = (...numbers: number[]) => numbers.map((part_number) => ({ part_number }));

describe('choosePartSize', () => {
  it('keeps the configured size while the file fits in 10,000 parts', () => {
    expect(choosePartSize(200 * MiB, 10 * MiB)).toBe(10 * MiB);
    expect(choosePartSize(10_000 * 10 * MiB, 10 * MiB)).toBe(10 * MiB);
  });

  it('doubles the part size until the file fits in 10,000 parts', () => {
    const size = 10_000 * 10 * MiB + 1;
    expect(choosePartSize(size, 10 * MiB)).toBe(20 * MiB);
    expect(Math.ceil(size / choosePartSize(size, 10 * MiB))).toBeLessThanOrEqual(10_000);
    const huge = 4 * 1024 * 1024 * MiB; // 4 TiB
    expect(Math.ceil(huge / choosePartSize(huge, 10 * MiB))).toBeLessThanOrEqual(10_000);
  });

  it('never goes below the S3 minimum of 5 MiB', () => {
    expect(choosePartSize(100, 1024)).toBe(5 * MiB);
  });
});

describe('partsProblem', () => {
  it('accepts exactly 1..n in order', () => {
    expect(partsProblem(parts(1, 2, 3), 3)).toBeNull();
    expect(partsProblem(parts(1), 1)).toBeNull();
  });

  it.each([
    [parts(1, 2, 2, 3), 3, 'Duplicate part numbers: 2.'],
    [parts(2, 1, 3), 3, 'Parts must be listed in ascending part_number order.'],
    [parts(1, 3), 3, 'Missing parts: 2 (expected 1..3).'],
    [parts(2, 3), 3, 'Missing parts: 1 (expected 1..3).'],
    [parts(1, 2, 3, 4), 3, 'Unexpected parts beyond 3: 4.'],
  ])('explains %j against %i expected parts', (given, expected, message) => {
    expect(partsProblem(given, expected)).toBe(message);
  });
});
