import { describe, expect, it } from 'vitest';
import { formatBytes } from './format-bytes.js';

describe('formatBytes', () => {
  it.each([
    { n: 0, text: '0 bytes' },
    { n: 1023, text: '1023 bytes' },
    { n: 1024, text: '1 KiB' },
    { n: 1536, text: '1.5 KiB' },
    { n: 5 * 1024 ** 2, text: '5 MiB' },
    { n: 1024 ** 2 + 1, text: '1.0 MiB' },
    { n: 2 * 1024 ** 3, text: '2 GiB' },
    { n: 4 * 1024 ** 4, text: '4 TiB' },
    { n: 2048 * 1024 ** 4, text: '2048 TiB' },
  ])('$n → $text', ({ n, text }) => {
    expect(formatBytes(n)).toBe(text);
  });
});
