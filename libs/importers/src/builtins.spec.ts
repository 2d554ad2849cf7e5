import { describe, expect, it } from 'vitest';
import { createImporterRegistry, parseLocaleNumber } from './builtins.js';
import { compileDateFormat } from './date-format.js';
import { ImporterRegistry, TransformFailure, type TransformContext } from './registry.js';

const registry = createImporterRegistry();

/** Applies a built-in transform the way the row compiler does (argument parsed first). */
function transform(name: string, value: unknown, raw: unknown = null, sources: Record<string, unknown> = {}): unknown {
  const def = registry.transform(name);
  if (!def) throw new Error(`no transform ${name}`);
  const arg = def.argument ? def.argument(raw) : null;
  const context: TransformContext = { field: 'f', source: (h) => sources[h] ?? null };
  return def.apply(value, arg, context);
}

function failure(name: string, value: unknown, raw: unknown = null): string {
  try {
    transform(name, value, raw);
  } catch (error) {
    if (error instanceof TransformFailure) return error.message;
    throw error;
  }
  throw new Error('no failure');
}

/** A rule's message for a value (null = passes). */
function rule(name: string, value: unknown, raw: unknown = null): string | null {
  const def = registry.rule(name);
  if (!def) throw new Error(`no rule ${name}`);
  const arg = def.argument ? def.argument(raw) : null;
  return def.check(value, arg, { field: 'f', type: 'text' });
}

describe('built-in transforms', () => {
  it('trim, lower, upper leave non-strings alone', () => {
    expect(transform('trim', '  a b  ')).toBe('a b');
    expect(transform('lower', 'ÄBC')).toBe('äbc');
    expect(transform('upper', 'straße')).toBe('STRASSE');
    expect(transform('trim', 5)).toBe(5);
    expect(transform('upper', null)).toBeNull();
  });

  it('null_if turns the listed values into null', () => {
    expect(transform('null_if', '-', ['-', 'n/a'])).toBeNull();
    expect(transform('null_if', 'n/a', ['-', 'n/a'])).toBeNull();
    expect(transform('null_if', 'N/A', ['-', 'n/a'])).toBe('N/A');
    expect(transform('null_if', 0, [0])).toBeNull();
    expect(transform('null_if', 'x', 'x')).toBeNull();
  });

  it('default fills null and empty values only', () => {
    expect(transform('default', null, 'active')).toBe('active');
    expect(transform('default', '', 'active')).toBe('active');
    expect(transform('default', 'inactive', 'active')).toBe('inactive');
    expect(transform('default', 0, 5)).toBe(0);
  });

  it('map replaces listed values and keeps the others', () => {
    expect(transform('map', 'A', { A: 'active', I: 'inactive' })).toBe('active');
    expect(transform('map', 'X', { A: 'active' })).toBe('X');
    expect(transform('map', 1, { '1': 'one' })).toBe('one');
    expect(transform('map', 'gone', { gone: null })).toBeNull();
    expect(transform('map', null, { A: 'a' })).toBeNull();
  });

  it('number reads decimal and thousands separators', () => {
    expect(transform('number', '1.234,5', { decimal: ',', thousands: '.' })).toBe('1234.5');
    expect(transform('number', '515,2', { decimal: ',' })).toBe('515.2');
    expect(transform('number', '1,234,567.89', { thousands: ',' })).toBe('1234567.89');
    expect(transform('number', "1'000", { thousands: "'" })).toBe('1000');
    expect(transform('number', '1 000,5', { decimal: ',', thousands: ' ' })).toBe('1000.5');
    expect(transform('number', ' -12 ', null)).toBe('-12');
    expect(transform('number', '+3e2', {})).toBe('3e2');
    expect(transform('number', 7, {})).toBe(7);
    expect(transform('number', '', {})).toBeNull();
    expect(failure('number', '1.5', { decimal: ',' })).toBe('The :field field must be a number.');
    expect(failure('number', '12,34.5', { thousands: ',' })).toBe('The :field field must be a number.');
    expect(failure('number', 'abc', {})).toBe('The :field field must be a number.');
  });

  it('boolean knows true/false, yes/no, 1/0, y/n, ja/nein', () => {
    for (const t of ['true', 'TRUE', 'yes', 'Y', '1', 'ja', 1, true]) expect(transform('boolean', t)).toBe(true);
    for (const f of ['false', 'No', 'n', '0', 'nein', 0, false]) expect(transform('boolean', f)).toBe(false);
    expect(transform('boolean', ' ')).toBeNull();
    expect(failure('boolean', 'maybe')).toBe('The :field field must be true or false.');
    expect(failure('boolean', 2)).toBe('The :field field must be true or false.');
  });

  it('date reads the format into an ISO date or date-time', () => {
    expect(transform('date', '01.04.1938', { format: 'dd.MM.yyyy' })).toBe('1938-04-01');
    expect(transform('date', '1/4/38', { format: 'd/M/yy' })).toBe('2038-04-01');
    expect(transform('date', '2024-03-01 08:30', { format: 'yyyy-MM-dd HH:mm' })).toBe('2024-03-01T08:30:00');
    expect(transform('date', '2024-03-01T08:30:05.120', { format: "yyyy-MM-dd'T'HH:mm:ss.SSS" })).toBe(
      '2024-03-01T08:30:05.120',
    );
    expect(transform('date', '', { format: 'dd.MM.yyyy' })).toBeNull();
    expect(failure('date', '31.02.2020', { format: 'dd.MM.yyyy' })).toBe(
      'The :field field must match the format dd.MM.yyyy.',
    );
    expect(failure('date', '2020-01-01', { format: 'dd.MM.yyyy' })).toBe(
      'The :field field must match the format dd.MM.yyyy.',
    );
    expect(failure('date', '01.01.2020 25:00', { format: 'dd.MM.yyyy HH:mm' })).toMatch(/must match the format/);
  });

  it('concat joins source headers, skipping empty ones', () => {
    const sources = { first: 'Ada', last: 'Lovelace', middle: '' };
    expect(transform('concat', null, { fields: ['first', 'middle', 'last'] }, sources)).toBe('Ada Lovelace');
    expect(transform('concat', null, { fields: ['last', 'first'], separator: ', ' }, sources)).toBe('Lovelace, Ada');
    expect(transform('concat', 'x', { fields: ['nothing'] }, sources)).toBeNull();
  });

  it('slug makes lowercase ascii words joined by -', () => {
    expect(transform('slug', 'Größe (m²) Nord')).toBe('grosse-m2-nord');
    expect(transform('slug', 3)).toBe(3);
  });

  it('replace replaces every match of the pattern', () => {
    expect(transform('replace', 'a  b   c', { pattern: '\\s+', with: ' ' })).toBe('a b c');
    expect(transform('replace', 'DE-12-34', { pattern: '-' })).toBe('DE1234');
    expect(transform('replace', '2024', { pattern: '(\\d{2})(\\d{2})', with: '$2/$1' })).toBe('24/20');
  });
});

describe('built-in rules', () => {
  it('required fails null, empty and blank values', () => {
    expect(registry.rule('required')?.implicit).toBe(true);
    for (const v of [null, undefined, '', '  ']) expect(rule('required', v)).toBe('The :field field is required.');
    expect(rule('required', 0)).toBeNull();
    expect(rule('required', false)).toBeNull();
  });

  it('email', () => {
    expect(rule('email', 'a.b@example.org')).toBeNull();
    for (const v of ['a@b', 'no-at.example.org', 'a b@example.org', 'a@@example.org']) {
      expect(rule('email', v)).toBe('The :field field must be a valid email address.');
    }
  });

  it('url', () => {
    expect(rule('url', 'https://example.org/x?y=1')).toBeNull();
    expect(rule('url', 'http://localhost:8080')).toBeNull();
    for (const v of ['example.org', 'javascript:alert(1)', 'mailto:a@b.c']) {
      expect(rule('url', v)).toBe('The :field field must be a valid URL.');
    }
  });

  it('uuid', () => {
    expect(rule('uuid', '0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e')).toBeNull();
    expect(rule('uuid', '0b6f0a53-3f3c-4a0e-9c43')).toBe('The :field field must be a valid UUID.');
  });

  it('min, max and between compare numbers', () => {
    expect(rule('min', 5, 5)).toBeNull();
    expect(rule('min', 4.9, 5)).toBe('The :field field must be at least 5.');
    expect(rule('min', '4', 5)).toBe('The :field field must be at least 5.');
    expect(rule('max', 10, 10)).toBeNull();
    expect(rule('max', '10.5', 10)).toBe('The :field field must not be greater than 10.');
    expect(rule('between', -500, [-500, 9000])).toBeNull();
    expect(rule('between', 9001, [-500, 9000])).toBe('The :field field must be between -500 and 9000.');
    expect(rule('between', 'abc', [1, 2])).toBe('The :field field must be a number.');
    expect(rule('min', 'x', 1)).toBe('The :field field must be a number.');
  });

  it('min_length and max_length count characters, not bytes', () => {
    expect(rule('min_length', 'ab', 2)).toBeNull();
    expect(rule('min_length', 'a', 2)).toBe('The :field field must be at least 2 characters.');
    expect(rule('max_length', 'äöü', 3)).toBeNull();
    expect(rule('max_length', 'abcd', 3)).toBe('The :field field must not be greater than 3 characters.');
  });

  it('in compares as text', () => {
    expect(rule('in', 'active', ['active', 'inactive'])).toBeNull();
    expect(rule('in', 2, [1, 2])).toBeNull();
    expect(rule('in', 'Active', ['active'])).toBe('The selected :field is invalid.');
  });

  it('regex', () => {
    expect(rule('regex', 'BER-01', '^[A-Z]{3}-\\d{2}$')).toBeNull();
    expect(rule('regex', 'ber-01', '^[A-Z]{3}-\\d{2}$')).toBe('The :field field format is invalid.');
  });

  it('lists the deferred rules among the names', () => {
    expect(registry.ruleNames()).toEqual(expect.arrayContaining(['required', 'exists', 'unique_in_file']));
  });
});

describe('ImporterRegistry', () => {
  it('refuses a name twice, a bad name and the deferred rule names', () => {
    const r = new ImporterRegistry();
    r.defineTransform('x', { apply: (v) => v });
    expect(() => r.defineTransform('x', { apply: (v) => v })).toThrow("'x' is already registered");
    expect(() => r.defineRule('Bad-Name', { check: () => null })).toThrow('is not a valid name');
    expect(() => r.defineRule('exists', { check: () => null })).toThrow("'exists' is a reserved rule name");
  });
});

describe('parseLocaleNumber', () => {
  it('refuses misplaced thousands separators', () => {
    expect(parseLocaleNumber('1.000.000', ',', '.')).toBe('1000000');
    expect(parseLocaleNumber('1.00.000', ',', '.')).toBeNull();
    expect(parseLocaleNumber('1000,5', ',', '.')).toBe('1000.5');
  });
});

describe('compileDateFormat', () => {
  it('knows leap years', () => {
    const f = compileDateFormat('yyyy-MM-dd');
    expect(f.parse('2024-02-29')).toBe('2024-02-29');
    expect(f.parse('2023-02-29')).toBeNull();
    expect(f.hasTime).toBe(false);
  });

  it('refuses a part twice', () => {
    expect(() => compileDateFormat('yyyy-MM-dd-yy')).toThrow("'yy' repeats a part of the date");
  });
});
