import { describe, expect, it } from 'vitest';
import type { IngestRow } from '@app/jobs';
import { csvCell, errorMessageOf, failedRowsCsv, headerLine, rowLine } from './failed-rows.csv.js';

async function* batches(...groups: Pick<IngestRow, 'data' | 'errors' | 'rowNumber'>[][]) {
  for (const group of groups) yield await Promise.resolve(group);
}

describe('csvCell', () => {
  it.each([
    ['=SUM(A1:A2)', "'=SUM(A1:A2)"],
    ['+1+2', "'+1+2"],
    ['-2+3', "'-2+3"],
    ['@cmd', "'@cmd"],
    ['\tindent', "'\tindent"],
    ['\rcarriage', `"'\rcarriage"`],
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
  ])('neutralises the formula %j → %j', (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it.each([
    ['-12', '-12'],
    ['+3.5', '+3.5'],
    ['-1e5', '-1e5'],
    ['-.5', '-.5'],
    ['plain', 'plain'],
    ['', ''],
  ])('leaves the plain value %j alone', (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it('quotes commas, quotes and line breaks (RFC 4180)', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
  });

  it('writes numbers, booleans, null and objects as text', () => {
    expect(csvCell(-4)).toBe('-4');
    expect(csvCell(true)).toBe('true');
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
    expect(csvCell({ a: 1 })).toBe('"{""a"":1}"');
  });
});

describe('failed-rows CSV', () => {
  it('appends the error message and row number to the original headers', () => {
    expect(headerLine(['Station Code', 'name'])).toBe('Station Code,name,_error_message,_row_number\r\n');
    expect(
      rowLine(['Station Code', 'name'], {
        rowNumber: 7,
        data: { name: '=evil()', 'Station Code': 'A1' },
        errors: { message: "Duplicate entry found for key 'code'." },
      }),
    ).toBe("A1,'=evil(),Duplicate entry found for key 'code'.,7\r\n");
  });

  it('spells out validation messages field by field', () => {
    expect(
      errorMessageOf({
        errors: { message: 'Validation failed.', validation: { code: ['Required.', 'Too long.'], x: ['Bad.'] } },
      }),
    ).toBe('Validation failed. code: Required.; code: Too long.; x: Bad.');
    expect(errorMessageOf({ errors: null })).toBe('');
  });

  it('streams the header then every batch, leaving columns a row lacks empty', async () => {
    const lines: string[] = [];
    for await (const line of failedRowsCsv(
      ['a', 'b'],
      batches(
        [{ rowNumber: 2, data: { a: '1' }, errors: { message: 'x' } }],
        [
          { rowNumber: 5, data: { a: '2', b: '3' }, errors: { message: 'y' } },
          { rowNumber: 6, data: { b: '4' }, errors: { message: 'z' } },
        ],
      ),
    )) {
      lines.push(line);
    }
    expect(lines.join('')).toBe('a,b,_error_message,_row_number\r\n1,,x,2\r\n2,3,y,5\r\n,4,z,6\r\n');
  });
});
