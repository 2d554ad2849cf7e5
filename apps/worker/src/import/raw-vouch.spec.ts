import { describe, expect, it } from 'vitest';
import type { FieldType } from '@app/importers';
import { testDefinition, type FieldSpec } from '../../../../test/support/import-test-doubles.js';
import { EMAIL } from '@app/importers';
import {
  dateSure,
  decimalSure,
  decimalValue,
  emailSure,
  integerSure,
  keysDisjoint,
  targetCopyOf,
  targetTakesCopy,
  type TargetCopy,
} from './raw-vouch.js';

const at = (v: string) => [Buffer.from(v), 0, Buffer.byteLength(v)] as const;

/** A TargetCopy over `headers` for `fields` (keyed on the header cells `keyAts`). */
function copyOf(fields: FieldSpec[], headers: string[], keyAts: number[] = [], delimiter = ','): TargetCopy | null {
  const definition = testDefinition({ fields, target: { schema: 's', table: 't', create: false, key: [] } });
  const types: Record<string, FieldType> = Object.fromEntries(definition.fields.map((f) => [f.column, f.type]));
  const columns = Object.fromEntries(
    definition.fields.map((f) => [f.column, headers.includes(f.column) ? f.column : null]),
  );
  return targetCopyOf(definition, types, { columns, unused: [] }, headers, delimiter, keyAts);
}

const chunk = (lines: string[]) => ({
  index: 0,
  firstRow: 1,
  rows: lines.length,
  bytes: Buffer.from(`${lines.join('\n')}\n`, 'utf8'),
});
const vouched = async (copy: TargetCopy | null, lines: string[]) =>
  (await (copy as TargetCopy).vouch(chunk(lines)))?.bytes.toString('utf8') ?? null;
/** The keys a vouched chunk reports, as plain values. */
const keysOf = async (copy: TargetCopy | null, lines: string[]) => {
  const keys = (await (copy as TargetCopy).vouch(chunk(lines)))?.keys;
  return keys ? { numbers: [...keys.numbers], texts: keys.texts ? [...keys.texts].sort() : null } : keys;
};

const FIELDS: FieldSpec[] = [
  { column: 'id', type: 'bigint' },
  { column: 'code', rules: [{ name: 'required', arg: null }] },
  { column: 'email', rules: [{ name: 'email', arg: null }] },
  { column: 'amount', type: 'numeric', rules: [{ name: 'min', arg: 0 }] },
  { column: 'day', type: 'date' },
];
const HEADERS = ['id', 'code', 'email', 'amount', 'day'];

describe('raw-vouch: the cell checks, read in place', () => {
  it('integers: an optional sign and at most `max` digits', () => {
    expect(['1', '+7', '-12', '007', '123456789'].map((v) => integerSure(...at(v), 9))).toEqual(Array(5).fill(true));
    expect(['1234567890', '+', '-', '1e3', ' 8', '8 ', '1.0', '0x1'].some((v) => integerSure(...at(v), 9))).toBe(false);
    // In place: the cell `12` inside `a,12,b`.
    expect(integerSure(Buffer.from('a,12,b'), 2, 4, 9)).toBe(true);
  });

  it('decimals: digits with one optional point and sign, no exponent, at most 300 characters', () => {
    const good = ['5', '5.', '.5', '-0', '+3.25', '-.5', '0.000'];
    expect(good.map((v) => decimalSure(...at(v)))).toEqual(Array(good.length).fill(true));
    const bad = ['.', '-', '+.', '1e3', '1.2.3', 'NaN', ' 4', '4 ', '5-', '1'.repeat(301)];
    expect(bad.some((v) => decimalSure(...at(v)))).toBe(false);
    expect(decimalSure(...at('1'.repeat(300)))).toBe(true);
  });

  it('dates: YYYY-MM-DD, month 01–12, day 01–28, not year 0000', () => {
    expect(['2024-03-01', '1999-12-28', '0001-01-01'].every((v) => dateSure(...at(v)))).toBe(true);
    const bad = ['2024-02-29', '2024-13-01', '2024-00-10', '2024-01-00', '0000-01-01', '2024-3-01', '2024/03/01'];
    expect(bad.some((v) => dateSure(...at(v)))).toBe(false);
  });
});

/** Deterministic pseudo-random strings over `alphabet`, 0 to `max` characters long. */
function* strings(alphabet: string, count: number, max: number): Generator<string> {
  let seed = 7;
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return Math.floor((seed / 2147483648) * n);
  };
  for (let i = 0; i < count; i += 1) {
    let v = '';
    for (let n = next(max + 1); n > 0; n -= 1) v += alphabet[next(alphabet.length)];
    yield v;
  }
}

describe('raw-vouch: checks made without a string', () => {
  it('email: the same verdict as the rule pattern on every ASCII cell', () => {
    const fixed = [
      'a@b.c',
      'a@b.',
      'a@.c',
      '@b.c',
      'a@b',
      'a@@b.c',
      'a@b..c',
      'a.b@c.d.e',
      'a b@c.d',
      'a@b.c ',
      'a"@b.c',
    ];
    const fuzz = [...strings('ab.@', 20_000, 7), ...strings('ab.@ ,"()[]\\:;<>\t', 20_000, 8)];
    for (const v of [...fixed, ...fuzz]) expect(emailSure(...at(v)), JSON.stringify(v)).toBe(EMAIL.test(v));
    expect(fuzz.filter((v) => EMAIL.test(v)).length).toBeGreaterThan(100);
  });

  it('decimal values: exactly what Number() reads, short or long', () => {
    const fixed = [
      '0',
      '-0',
      '+0.0',
      '.5',
      '5.',
      '-.25',
      '0.1',
      '0.3',
      '123456789012345',
      '1234567890123456',
      '9007199254740993',
    ];
    const long = ['0.' + '0'.repeat(21) + '1', '1.' + '0'.repeat(30), '-' + '9'.repeat(40) + '.5'];
    const fuzz = [...strings('0123456789', 20_000, 18)]
      .filter((v) => v !== '')
      .map((v, i) => {
        const dot = i % (v.length + 1);
        const sign = ['', '-', '+'][i % 3] as string;
        return `${sign}${v.slice(0, dot)}.${v.slice(dot)}`;
      });
    for (const v of [...fixed, ...long, ...fuzz].filter((x) => decimalSure(...at(x)))) {
      expect(Object.is(decimalValue(...at(v)), Number(v)), v).toBe(true);
    }
  });
});

describe('raw-vouch: targetCopyOf', () => {
  it('a chunk whose rows all pass goes as it is, the COPY naming the columns in the file order', async () => {
    const copy = copyOf(FIELDS, HEADERS, [0]);
    expect(copy?.statement).toBe(
      `COPY "s"."t" ("id", "code", "email", "amount", "day") FROM STDIN (FORMAT csv, DELIMITER ',')`,
    );
    const lines = ['1,a,a@example.org,10.50,2024-03-01', '2,b,,,'];
    const text = await vouched(copy, lines);
    expect(text).toBe(`${lines.join('\n')}\n`);
  });

  it('the fields in another order than the file: COPY names the columns in the file order', () => {
    const copy = copyOf(FIELDS, ['day', 'amount', 'email', 'code', 'id']);
    expect(copy?.statement).toContain(`("day", "amount", "email", "code", "id")`);
  });

  it.each([
    ['a required cell empty', '1,,a@example.org,1,2024-03-01'],
    ['a cell that fails a rule', '1,a,not-an-email,1,2024-03-01'],
    ['a negative amount (min 0)', '1,a,a@example.org,-1,2024-03-01'],
    ['a cell that does not surely read as its type', '1,a,a@example.org,1e3,2024-03-01'],
    ['a date past the 28th (left to the calendar)', '1,a,a@example.org,1,2024-02-29'],
    ['a cell that starts with a space', '1, a,a@example.org,1,2024-03-01'],
    ['a cell that starts with a non-ASCII character', '1,ä,a@example.org,1,2024-03-01'],
    ['too few cells', '1,a,a@example.org,1'],
    ['too many cells', '1,a,a@example.org,1,2024-03-01,x'],
    ['an empty key', ',a,a@example.org,1,2024-03-01'],
  ])('no COPY for a chunk with %s', async (_, line) => {
    const copy = copyOf(FIELDS, HEADERS, [0]);
    expect(await vouched(copy, ['9,z,z@example.org,1,2024-03-01', line])).toBeNull();
  });

  it('a key repeated in the chunk (as text) stops the COPY; two spellings of a key do not', async () => {
    const copy = copyOf(FIELDS, HEADERS, [0]);
    expect(await vouched(copy, ['1,a,,,', '1,b,,,'])).toBeNull();
    // `12` and `+12` are one key for the target: its unique index refuses the COPY, and the chunk is staged.
    expect(await vouched(copy, ['12,a,,,', '+12,b,,,'])).not.toBeNull();
    // Number keys out of order (sorted at the end), long ones and text ones (a set): a repeat anywhere.
    expect(await vouched(copy, ['5,a,,,', '3,a,,,', '9,a,,,', '3,b,,,', '7,a,,,'])).toBeNull();
    expect(await vouched(copy, ['5,a,,,', '3,a,,,', '9,a,,,', '4,b,,,', '7,a,,,'])).not.toBeNull();
    expect(await vouched(copy, ['1,a,,,', '2,a,,,', '2,a,,,'])).toBeNull();
    expect(await vouched(copy, ['1234567890123456,a,,,', '2,a,,,', '1234567890123456,b,,,'])).toBeNull();
    expect(await vouched(copy, ['007,a,,,', '7,a,,,', '-7,a,,,', '-7,b,,,'])).toBeNull();
    expect(await vouched(copy, ['007,a,,,', '7,a,,,', '-7,a,,,', '0,b,,,'])).not.toBeNull();
    const text = copyOf([{ column: 'code' }, ...FIELDS.filter((f) => f.column !== 'code')], HEADERS, [1]);
    expect(await vouched(text, ['1,b,,,', '2,a,,,', '3,b,,,'])).toBeNull();
    expect(await vouched(text, ['1,b,,,', '2,a,,,', '3,c,,,'])).not.toBeNull();
    // Two key columns: the pair must repeat.
    const pair = copyOf(FIELDS, HEADERS, [0, 1]);
    expect(await vouched(pair, ['1,a,,,', '1,b,,,'])).not.toBeNull();
    expect(await vouched(pair, ['1,a,,,', '1,a,,,'])).toBeNull();
  });

  it('a chunk reports its keys when each is the key column value as written: plain integers, or any text', async () => {
    const byNumber = copyOf(FIELDS, HEADERS, [0]);
    expect(await keysOf(byNumber, ['5,a,,,', '3,a,,,', '9,a,,,'])).toEqual({ numbers: [3, 5, 9], texts: null });
    // 007 and 7 are one bigint: a key not in its plain form leaves the keys unknown.
    expect(await keysOf(byNumber, ['007,a,,,', '8,a,,,'])).toBeNull();
    expect(await keysOf(byNumber, ['1234567890123456,a,,,'])).toBeNull();
    const byText = copyOf([{ column: 'code' }, ...FIELDS.filter((f) => f.column !== 'code')], HEADERS, [1]);
    expect(await keysOf(byText, ['1,b,,,', '2,7,,,', '3,007,,,'])).toEqual({ numbers: [7], texts: ['007', 'b'] });
    // Two key columns, or a key of another type: unknown.
    expect(await keysOf(copyOf(FIELDS, HEADERS, [0, 1]), ['1,a,,,'])).toBeNull();
    expect(await keysOf(copyOf(FIELDS, HEADERS, [3]), ['1,a,,1,'])).toBeNull();
  });

  it('keys in common, by number or by text, are found; unknown keys are never disjoint', () => {
    const keys = (numbers: number[], texts: string[] | null = null) => ({
      numbers: Float64Array.from(numbers),
      texts: texts ? new Set(texts) : null,
    });
    expect(keysDisjoint(keys([1, 2, 3]), keys([4, 5]))).toBe(true);
    expect(keysDisjoint(keys([4, 5]), keys([1, 2, 3]))).toBe(true);
    expect(keysDisjoint(keys([1, 4, 9]), keys([2, 5, 8, 10]))).toBe(true);
    expect(keysDisjoint(keys([1, 4, 9]), keys([2, 4, 8]))).toBe(false);
    expect(keysDisjoint(keys([10]), keys([1, 10]))).toBe(false);
    expect(keysDisjoint(keys([], ['a', 'b']), keys([1], ['c']))).toBe(true);
    expect(keysDisjoint(keys([], ['a', 'b']), keys([], ['c', 'b']))).toBe(false);
    expect(keysDisjoint(keys([7], ['7x']), keys([], ['7']))).toBe(true);
    expect(keysDisjoint(null, keys([1]))).toBe(false);
    expect(keysDisjoint(keys([1]), undefined)).toBe(false);
  });

  it('values COPY would read otherwise are rewritten: -0 as 0, ja/j/nein as t/f; a missing header is null', async () => {
    const fields: FieldSpec[] = [
      { column: 'id', type: 'bigint' },
      { column: 'ratio', type: 'double' },
      { column: 'flag', type: 'boolean' },
      { column: 'absent' },
    ];
    const copy = copyOf(fields, ['id', 'ratio', 'flag']);
    // Not every field has a header: the lines are rebuilt in the fields' order, the missing one empty (null).
    expect(copy?.statement).toContain(`("id", "ratio", "flag", "absent")`);
    expect(await vouched(copy, ['1,-0,ja', '2,-0.00,Nein', '3,0.5,YES', '4,,'])).toBe(
      '1,0,t,\n2,0,f,\n3,0.5,YES,\n4,,,\n',
    );
    // Every header used: lines go as they are unless a cell needs rewriting.
    const byHeader = copyOf(fields.slice(0, 3), ['id', 'ratio', 'flag']);
    expect(await vouched(byHeader, ['1,-1.5,yes', '2,0,off'])).toBe('1,-1.5,yes\n2,0,off\n');
    expect(await vouched(byHeader, ['1,-1.5,yes', '2,-0,j'])).toBe('1,-1.5,yes\n2,0,t\n');
  });

  it('a tab-separated file is copied with its own delimiter', async () => {
    const copy = copyOf(FIELDS.slice(0, 2), ['id', 'code'], [0], '\t');
    expect(copy?.statement).toContain(`DELIMITER '\t'`);
    expect(await vouched(copy, ['1\ta,b', '2\tc'])).toBe('1\ta,b\n2\tc\n');
  });

  it('rules with the same limits as SQL: lengths in characters, in-lists, between', async () => {
    const fields: FieldSpec[] = [
      {
        column: 'name',
        rules: [
          { name: 'min_length', arg: 2 },
          { name: 'max_length', arg: 3 },
        ],
      },
      { column: 'category', rules: [{ name: 'in', arg: ['a', 1] }] },
      { column: 'qty', type: 'integer', rules: [{ name: 'between', arg: [0, 100] }] },
    ];
    const copy = copyOf(fields, ['name', 'category', 'qty']);
    expect(await vouched(copy, ['Zü𝄞,a,100', 'ab,1,0'])).not.toBeNull();
    for (const line of ['Züri,a,1', 'Z,a,1', 'ab,b,1', 'ab,A,1', 'ab,a,101', 'ab,a,-1']) {
      expect(await vouched(copy, [line])).toBeNull();
    }
  });

  it('fields SQL does not vouch for either: no COPY at all', () => {
    expect(copyOf([{ column: 'id', type: 'uuid' }], ['id'])).toBeNull();
    expect(copyOf([{ column: 'id', transforms: [{ name: 'trim', arg: null }] }], ['id'])).toBeNull();
    expect(copyOf([{ column: 'id', rules: [{ name: 'regex', arg: '^a' }] }], ['id'])).toBeNull();
    expect(copyOf([{ column: 'id', rules: [{ name: 'required', arg: null }] }], ['other'])).toBeNull();
  });

  it('targetTakesCopy: only columns whose input reads the values as the SQL path casts them', () => {
    const copy = copyOf(FIELDS, HEADERS) as TargetCopy;
    const columns = [
      { name: 'id', type: 'bigint' },
      { name: 'code', type: 'character varying' },
      { name: 'email', type: 'text' },
      { name: 'amount', type: 'numeric' },
      { name: 'day', type: 'date' },
      { name: 'other', type: 'jsonb' },
    ];
    expect(targetTakesCopy(copy, columns)).toBe(true);
    // A text column for a bigint field: the SQL path would store '7' for '+7', COPY '+7'.
    expect(
      targetTakesCopy(
        copy,
        columns.map((c) => (c.name === 'id' ? { ...c, type: 'text' } : c)),
      ),
    ).toBe(false);
    // A column the target lacks.
    expect(targetTakesCopy(copy, columns.slice(1))).toBe(false);
  });
});
