import { describe, expect, it } from 'vitest';
import { copyLine, copyValue, escapeCopyText } from './copy-text.js';

describe('COPY text encoding', () => {
  it.each([
    ['plain', 'plain'],
    ['tab\there', 'tab\\there'],
    ['line\nbreak', 'line\\nbreak'],
    ['cr\rlf\n', 'cr\\rlf\\n'],
    ['back\\slash', 'back\\\\slash'],
    ['\\N', '\\\\N'],
    ['nul\0byte', 'nulbyte'],
  ])('escapes %j', (input, expected) => {
    expect(escapeCopyText(input)).toBe(expected);
  });

  it('writes null as \\N and an empty string as an empty field', () => {
    expect(copyValue(null, 'text')).toBe('\\N');
    expect(copyValue(undefined, 'integer')).toBe('\\N');
    expect(copyValue('', 'text')).toBe('');
  });

  it('writes typed values in a form PostgreSQL reads back exactly', () => {
    expect(copyValue(true, 'boolean')).toBe('t');
    expect(copyValue(false, 'boolean')).toBe('f');
    expect(copyValue(12.5, 'numeric')).toBe('12.5');
    expect(copyValue(new Date(Date.UTC(2024, 1, 29)), 'date')).toBe('2024-02-29');
    expect(copyValue(new Date(Date.UTC(2024, 1, 29, 13, 5)), 'timestamptz')).toBe('2024-02-29T13:05:00.000Z');
    expect(copyValue({ a: 'x\ty' }, 'json')).toBe('{"a":"x\\\\ty"}');
  });

  it('joins fields with tabs and ends the line', () => {
    expect(copyLine(['1', '\\N', 'a\\tb'])).toBe('1\t\\N\ta\\tb\n');
  });
});
