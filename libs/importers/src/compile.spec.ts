import { describe, expect, it } from 'vitest';
import { createImporterRegistry } from './builtins.js';
import { castValue } from './cast.js';
import { compileImporter } from './compile.js';
import { normalizeHeader } from './headers.js';
import type { FieldType, ImporterDefinition } from './definition.js';
import { parseImporterFile } from './load.js';
import type { ProcessedRow } from './processing.js';
import type { ImporterRegistry } from './registry.js';

type Obj = Record<string, unknown>;

function definition(file: Obj, registry: ImporterRegistry = createImporterRegistry()): ImporterDefinition {
  const result = parseImporterFile('importers/t.yaml', JSON.stringify(file), registry);
  if (!result.definition) throw new Error(result.problems.join('\n'));
  return result.definition;
}

function importer(fields: Obj, extra: Obj = {}, registry: ImporterRegistry = createImporterRegistry()) {
  const def = definition(
    { source: { type: 'upload', formats: ['csv', 'gpkg'] }, target: { table: 't' }, fields, ...extra },
    registry,
  );
  return compileImporter(def, registry);
}

/** Binds the record's own keys and processes it. */
function run(compiled: ReturnType<typeof importer>, data: Obj, geometry: string | null = null): ProcessedRow {
  return compiled.process({ row_number: 7, data, geometry }, compiled.bind(Object.keys(data)));
}

function accepted(row: ProcessedRow): Obj {
  if (!row.ok) throw new Error(`rejected: ${JSON.stringify(row.errors)}`);
  return row.values;
}

function validation(row: ProcessedRow): Record<string, string[]> | undefined {
  if (row.ok) throw new Error(`accepted: ${JSON.stringify(row.values)}`);
  return row.errors.validation;
}

describe('bind', () => {
  it('matches headers ignoring case, spaces, _ and -; the first listed header present wins', () => {
    const c = importer({ code: { from: ['code', 'Station Code'] }, name: { from: ['title', 'name'] }, other: null });
    const binding = c.bind(['STATION-CODE', 'Name', 'Title ', 'unused col', 'code ']);
    expect(binding.columns).toEqual({ code: 'code ', name: 'Title ', other: null });
    expect(binding.unused).toEqual(['STATION-CODE', 'Name', 'unused col']);
  });

  it('counts headers read by concat and by geometry as used', () => {
    const c = importer(
      { name: { transforms: [{ concat: { fields: ['first', 'last'] } }] } },
      { geometry: { from: { x: 'lon', y: 'lat' } } },
    );
    expect(c.bind(['first', 'last', 'lon', 'LAT', 'x']).unused).toEqual(['x']);
  });

  it('a missing header gives null values, caught by required', () => {
    const c = importer({ code: { rules: ['required'] } });
    expect(validation(run(c, { other: 'x' }))).toEqual({ code: ['The code field is required.'] });
  });
});

describe('process', () => {
  it('applies transforms in order, then casts, then checks the rules', () => {
    const c = importer({
      code: { from: ['Station Code'], transforms: ['trim', 'upper'], rules: ['required', { max_length: 6 }] },
      elevation_m: {
        from: 'elevation',
        type: 'numeric',
        transforms: [{ number: { decimal: ',' } }],
        rules: [{ between: [-500, 9000] }],
      },
      status: {
        transforms: [{ map: { A: 'active', I: 'inactive' } }, { default: 'active' }],
        rules: [{ in: ['active', 'inactive'] }],
      },
    });
    expect(run(c, { 'station code': ' ber01 ', elevation: '515,2', status: '' })).toEqual({
      ok: true,
      row_number: 7,
      values: { code: 'BER01', elevation_m: '515.2', status: 'active' },
      geometry: null,
    });
    expect(run(c, { 'station code': 'toolongcode', elevation: '9001', status: 'X' })).toEqual({
      ok: false,
      row_number: 7,
      errors: {
        message: 'Validation failed.',
        validation: {
          code: ['The code field must not be greater than 6 characters.'],
          elevation_m: ['The elevation_m field must be between -500 and 9000.'],
          status: ['The selected status is invalid.'],
        },
      },
    });
  });

  it('reports every failing rule of a field', () => {
    const c = importer({ code: { rules: [{ min_length: 5 }, { regex: '^[0-9]+$' }] } });
    expect(validation(run(c, { code: 'ab' }))).toEqual({
      code: ['The code field must be at least 5 characters.', 'The code field format is invalid.'],
    });
  });

  it('a failing transform fails the field without casting or checking it further', () => {
    const c = importer({ d: { type: 'date', transforms: [{ date: { format: 'dd.MM.yyyy' } }], rules: ['required'] } });
    expect(validation(run(c, { d: '2024-01-01' }))).toEqual({ d: ['The d field must match the format dd.MM.yyyy.'] });
  });

  it('skips rules for null values except required', () => {
    const c = importer({ email: { rules: ['email', { min_length: 3 }] } });
    expect(accepted(run(c, { email: '' }))).toEqual({ email: null });
    expect(accepted(run(c, {}))).toEqual({ email: null });
  });

  it('turns empty strings into null before the cast', () => {
    const c = importer({ n: { type: 'integer' }, t: null });
    expect(accepted(run(c, { n: '  ', t: '' }))).toEqual({ n: null, t: null });
  });

  it('never throws for a custom transform or rule that throws; the row fails with a safe message', () => {
    const registry = createImporterRegistry();
    registry.defineTransform('explode', {
      apply: () => {
        throw new Error('secret internals');
      },
    });
    registry.defineRule('explodes', {
      check: () => {
        throw new Error('secret internals');
      },
    });
    const c = importer({ a: { transforms: ['explode'] }, b: { rules: ['explodes'] } }, {}, registry);
    expect(validation(run(c, { a: 'x', b: 'y' }))).toEqual({
      a: ['The a field could not be converted (explode).'],
      b: ['The b field could not be checked (explodes).'],
    });
  });

  it('uses custom transforms and rules registered by name', () => {
    const registry = createImporterRegistry();
    registry.defineTransform('iban', {
      apply: (v) => (typeof v === 'string' ? v.replace(/\s+/g, '').toUpperCase() : v),
    });
    registry.defineRule('iban_checksum', {
      check: (v) => (typeof v === 'string' && v.startsWith('DE') ? null : 'The :field field must be a German IBAN.'),
    });
    const c = importer({ iban: { transforms: ['iban'], rules: ['iban_checksum'] } }, {}, registry);
    expect(accepted(run(c, { iban: 'de89 3704 0044 0532 0130 00' }))).toEqual({ iban: 'DE89370400440532013000' });
    expect(validation(run(c, { iban: 'fr76 3000' }))).toEqual({ iban: ['The iban field must be a German IBAN.'] });
  });

  it('concat reads other headers as matched', () => {
    const c = importer({ full_name: { transforms: [{ concat: { fields: ['First Name', 'last_name'] } }] } });
    expect(accepted(run(c, { first_name: 'Ada', 'Last-Name': 'Lovelace' }))).toEqual({ full_name: 'Ada Lovelace' });
  });

  it('works without the binding sources (derived from the record)', () => {
    const c = importer({ full: { transforms: [{ concat: { fields: ['a', 'b'] } }] } });
    const row = c.process(
      { row_number: 1, data: { A: 'x', B: 'y' }, geometry: null },
      { columns: { full: null }, unused: [] },
    );
    expect(accepted(row)).toEqual({ full: 'x y' });
  });
});

describe('casts', () => {
  const ok = (value: unknown, type: FieldType): unknown => {
    const r = castValue(value, type);
    if (!r.ok) throw new Error(r.message);
    return r.value;
  };
  const message = (value: unknown, type: FieldType): string => {
    const r = castValue(value, type);
    if (r.ok) throw new Error(`cast ${JSON.stringify(value)} to ${type} succeeded`);
    return r.message;
  };

  it('text', () => {
    expect(ok('a', 'text')).toBe('a');
    expect(ok(1.5, 'text')).toBe('1.5');
    expect(ok(true, 'text')).toBe('true');
    expect(ok(new Date('2024-01-02T03:04:05Z'), 'text')).toBe('2024-01-02T03:04:05.000Z');
    expect(ok({ a: 1 }, 'text')).toBe('{"a":1}');
  });

  it('integer: whole numbers within 32 bits, as JS numbers', () => {
    expect(ok(' 42 ', 'integer')).toBe(42);
    expect(ok('-7', 'integer')).toBe(-7);
    expect(ok(3, 'integer')).toBe(3);
    expect(message('1.5', 'integer')).toBe('The :field field must be an integer.');
    expect(message('abc', 'integer')).toBe('The :field field must be an integer.');
    expect(message('2147483648', 'integer')).toBe('The :field field must be between -2147483648 and 2147483647.');
  });

  it('bigint: exact decimal strings within 64 bits', () => {
    expect(ok('9007199254740993', 'bigint')).toBe('9007199254740993');
    expect(ok('+5', 'bigint')).toBe('5');
    expect(message('9223372036854775808', 'bigint')).toBe('The :field field is out of range for a 64-bit integer.');
    expect(message('1e3', 'bigint')).toBe('The :field field must be an integer.');
  });

  it('numeric keeps the exact decimal text; double is a JS number', () => {
    expect(ok('0.1000000000000000000001', 'numeric')).toBe('0.1000000000000000000001');
    expect(ok('+1.5', 'numeric')).toBe('1.5');
    expect(ok(2.5, 'numeric')).toBe('2.5');
    expect(ok('1e3', 'double')).toBe(1000);
    expect(message('1,5', 'numeric')).toBe('The :field field must be a number.');
    expect(message('NaN', 'double')).toBe('The :field field must be a number.');
    expect(message('1e999', 'double')).toBe('The :field field must be a number.');
  });

  it('boolean', () => {
    expect(ok('ja', 'boolean')).toBe(true);
    expect(ok('0', 'boolean')).toBe(false);
    expect(message('wahr', 'boolean')).toBe('The :field field must be true or false.');
  });

  it('date: ISO dates and Date values', () => {
    expect(ok('2024-02-29', 'date')).toBe('2024-02-29');
    expect(ok(new Date('2024-03-01T00:00:00Z'), 'date')).toBe('2024-03-01');
    expect(message('2023-02-29', 'date')).toBe('The :field field must be a valid date (YYYY-MM-DD).');
    expect(message('01.02.2024', 'date')).toBe('The :field field must be a valid date (YYYY-MM-DD).');
  });

  it('timestamptz: ISO 8601 text (zone kept) and Date values', () => {
    expect(ok('2024-01-02T03:04:05Z', 'timestamptz')).toBe('2024-01-02T03:04:05Z');
    expect(ok('2024-01-02 03:04:05+02:00', 'timestamptz')).toBe('2024-01-02T03:04:05+02:00');
    expect(ok('2024-01-02', 'timestamptz')).toBe('2024-01-02');
    expect(ok(new Date('2024-01-02T03:04:05Z'), 'timestamptz')).toBe('2024-01-02T03:04:05.000Z');
    expect(message('2024-01-02T25:00', 'timestamptz')).toBe(
      'The :field field must be a valid date and time (ISO 8601).',
    );
    expect(message('yesterday', 'timestamptz')).toBe('The :field field must be a valid date and time (ISO 8601).');
  });

  it('uuid is lowercased', () => {
    expect(ok('0B6F0A53-3F3C-4A0E-9C43-3B7A6C1F4F7E', 'uuid')).toBe('0b6f0a53-3f3c-4a0e-9c43-3b7a6c1f4f7e');
    expect(message('nope', 'uuid')).toBe('The :field field must be a valid UUID.');
  });

  it('json parses text and keeps values', () => {
    expect(ok('{"a":[1,2]}', 'json')).toEqual({ a: [1, 2] });
    expect(ok({ a: 1 }, 'json')).toEqual({ a: 1 });
    expect(message('{a:', 'json')).toBe('The :field field must be a valid JSON string.');
  });

  it('a failed cast is a validation message under the field', () => {
    const c = importer({ n: { type: 'integer', rules: [{ min: 0 }] } });
    expect(validation(run(c, { n: 'x' }))).toEqual({ n: ['The n field must be an integer.'] });
    expect(accepted(run(c, { n: '5' }))).toEqual({ n: 5 });
  });
});

describe('geometry', () => {
  const xy = (srid = 4326) => importer({ name: null }, { geometry: { srid, from: { x: 'lon', y: 'lat' } } });

  it('xy → EWKT point with the srid', () => {
    const row = run(xy(), { name: 'a', Lon: '13.4049', LAT: 52.4675 });
    expect(row).toMatchObject({ ok: true, geometry: { ewkt: 'SRID=4326;POINT(13.4049 52.4675)' } });
    expect(run(xy(25832), { name: 'a', lon: '389000.5', lat: '5819000' })).toMatchObject({
      geometry: { ewkt: 'SRID=25832;POINT(389000.5 5819000)' },
    });
  });

  it('xy: both empty → no geometry; bad or out-of-range numbers → validation error', () => {
    expect(run(xy(), { name: 'a', lon: '', lat: '' })).toMatchObject({ ok: true, geometry: null });
    expect(validation(run(xy(), { name: 'a', lon: '13,4', lat: '52' }))).toEqual({
      geom: ['The geom field needs numeric coordinates in lon and lat.'],
    });
    expect(validation(run(xy(), { name: 'a', lon: '13', lat: '' }))).toEqual({
      geom: ['The geom field needs numeric coordinates in lon and lat.'],
    });
    expect(validation(run(xy(), { name: 'a', lon: '200', lat: '52' }))).toEqual({
      geom: ['The geom field coordinates must be within -180..180 (lon) and -90..90 (lat).'],
    });
  });

  it('wkt → EWKT with the srid, checked syntactically', () => {
    const c = importer({ name: null }, { geometry: { column: 'shape', srid: 3857, from: { wkt: 'WKT' } } });
    expect(run(c, { name: 'a', wkt: 'POLYGON((0 0, 1 0, 1 1, 0 0))' })).toMatchObject({
      geometry: { ewkt: 'SRID=3857;POLYGON((0 0, 1 0, 1 1, 0 0))' },
    });
    expect(run(c, { name: 'a', wkt: 'SRID=3857;POINT Z (1 2 3)' })).toMatchObject({
      geometry: { ewkt: 'SRID=3857;POINT Z (1 2 3)' },
    });
    expect(run(c, { name: 'a', wkt: 'point empty' })).toMatchObject({ geometry: { ewkt: 'SRID=3857;point empty' } });
    expect(run(c, { name: 'a', wkt: '' })).toMatchObject({ ok: true, geometry: null });
    for (const bad of ['CIRCLE(1 2)', 'POINT(1 2', 'POINT 1 2', 'POINT(1 2)); DROP TABLE x']) {
      expect(validation(run(c, { name: 'a', wkt: bad }))).toEqual({ shape: ['The shape field must be valid WKT.'] });
    }
    expect(validation(run(c, { name: 'a', wkt: 'SRID=4326;POINT(1 2)' }))).toEqual({
      shape: ['The shape field must be in SRID 3857.'],
    });
  });

  it("source → the record's GeoJSON with the srid", () => {
    const c = importer({ name: null }, { geometry: { from: 'source', srid: 25832 } });
    const geojson = '{"type":"Point","coordinates":[1,2]}';
    expect(run(c, { name: 'a' }, geojson)).toMatchObject({ ok: true, geometry: { geojson, srid: 25832 } });
    expect(run(c, { name: 'a' }, null)).toMatchObject({ ok: true, geometry: null });
  });
});

describe('deferred checks', () => {
  it('exists and unique_in_file become checks for the pipeline, with Laravel-like messages', () => {
    const c = importer({
      code: { rules: ['required', 'unique_in_file'] },
      country: { rules: [{ exists: { table: 'ref.countries', column: 'iso2' } }] },
      region: { rules: [{ exists: { table: 'regions', column: 'id' } }] },
    });
    expect(c.deferredChecks).toEqual([
      { rule: 'unique_in_file', column: 'code' },
      { rule: 'exists', column: 'country', table: 'ref.countries', ref_column: 'iso2' },
      { rule: 'exists', column: 'region', table: 'public.regions', ref_column: 'id' },
    ]);
    const [unique, exists] = c.deferredChecks as [(typeof c.deferredChecks)[0], (typeof c.deferredChecks)[0]];
    expect(c.deferredMessage(exists)).toBe('country: The selected country is invalid.');
    expect(c.deferredMessage(unique)).toBe('code: The code field has a duplicate value in the file.');
    expect(c.deferredError(exists)).toEqual({
      message: 'Validation failed.',
      validation: { country: ['The selected country is invalid.'] },
    });
    // The row-local part still runs: deferred rules do not reject anything by themselves.
    expect(accepted(run(c, { code: 'a', country: 'zz', region: '1' }))).toEqual({
      code: 'a',
      country: 'zz',
      region: '1',
    });
  });

  it('exposes the column types', () => {
    const c = importer({ a: { type: 'integer' }, b: null });
    expect(c.columnTypes).toEqual({ a: 'integer', b: 'text' });
  });
});

describe('normalizeHeader', () => {
  it('ignores case, spaces, _, - and a byte-order mark', () => {
    expect(normalizeHeader('\uFEFFStation Code')).toBe('stationcode');
    expect(normalizeHeader('station_code')).toBe('stationcode');
    expect(normalizeHeader('STATION-CODE')).toBe('stationcode');
    expect(normalizeHeader('Station\tCode ')).toBe('stationcode');
  });
});
