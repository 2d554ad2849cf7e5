import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';

const MINUTE = 60 * 1000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

describe('parseDuration', () => {
  it.each([
    { text: '1m', ms: MINUTE },
    { text: '90m', ms: 90 * MINUTE },
    { text: '1h', ms: HOUR },
    { text: '12h', ms: 12 * HOUR },
    { text: '1d', ms: DAY },
    { text: '30d', ms: 30 * DAY },
    { text: '365d', ms: 365 * DAY },
    { text: ' 7d ', ms: 7 * DAY },
    { text: '007h', ms: 7 * HOUR },
  ])('$text → $ms ms', ({ text, ms }) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    '',
    ' ',
    'd',
    '30',
    '0d',
    '00m',
    '-1h',
    '+1h',
    '1.5h',
    '10s',
    '2w',
    '30D',
    '30 d',
    'd30',
    '1h30m',
    'thirty days',
  ])('rejects %j', (text) => {
    expect(() => parseDuration(text)).toThrow(
      `Invalid duration '${text}': use a number followed by m, h or d (e.g. 30d)`,
    );
  });
});
