import { describe, expect, it } from 'vitest';
import { parseDryRun } from './dry-run.js';

describe('parseDryRun', () => {
  it.each([
    ['1', true],
    ['true', true],
    [' TRUE ', true],
    ['0', false],
    ['false', false],
    [true, true],
    [false, false],
    [1, true],
    [0, false],
  ])('%j → %j', (value, expected) => {
    expect(parseDryRun(value)).toBe(expected);
  });

  it.each(['yes', '', '2', 'on', null, 2, {}])('refuses %j', (value) => {
    expect(parseDryRun(value)).toBeUndefined();
  });
});
