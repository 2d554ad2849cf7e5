import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createImporterRegistry } from './builtins.js';
import { ImporterLoadError, keyPath, loadImporters, parseImporterFile } from './load.js';
import { StepArgumentError } from './registry.js';

type Obj = Record<string, unknown>;

/** A valid importer as a plain object; tests change one thing in it. */
function base(): Obj {
  return {
    title: 'Stations',
    source: { type: 'upload', formats: ['csv'] },
    target: { table: 'public.stations', key: ['code'] },
    fields: {
      code: { from: ['code', 'Station ID'], transforms: ['trim'], rules: ['required', { max_length: 12 }] },
      elevation_m: { from: 'elevation', type: 'numeric', rules: [{ between: [-500, 9000] }] },
    },
    duplicates: { strategy: 'upsert' },
  };
}

function problemsOf(data: Obj | string, file = 'importers/t.yaml', registry = createImporterRegistry()): string[] {
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  return parseImporterFile(file, text, registry).problems;
}

function withChange(change: (d: Obj) => void): Obj {
  const d = base();
  change(d);
  return d;
}

const source = (d: Obj): Obj => d.source as Obj;
const target = (d: Obj): Obj => d.target as Obj;
const field = (d: Obj, name: string): Obj => (d.fields as Obj)[name] as Obj;

describe('parseImporterFile', () => {
  it('normalizes a valid file with defaults', () => {
    const result = parseImporterFile('importers/stations.yaml', JSON.stringify(base()), createImporterRegistry());
    expect(result.problems).toEqual([]);
    expect(result.definition).toEqual({
      slug: 'stations',
      title: 'Stations',
      file: 'importers/stations.yaml',
      source: {
        type: 'upload',
        formats: ['csv'],
        url: null,
        key: null,
        service: null,
        overridable: [],
        max_size_bytes: 104857600,
      },
      read: { delimiter: null, encoding: 'utf-8', header_row: 1, sheet: null, pointer: '', layer: null },
      target: { schema: 'public', table: 'stations', create: false, key: ['code'] },
      fields: [
        {
          column: 'code',
          from: ['code', 'Station ID'],
          type: 'text',
          transforms: [{ name: 'trim', arg: null }],
          rules: [
            { name: 'required', arg: null },
            { name: 'max_length', arg: 12 },
          ],
        },
        {
          column: 'elevation_m',
          from: ['elevation'],
          type: 'numeric',
          transforms: [],
          rules: [{ name: 'between', arg: [-500, 9000] }],
        },
      ],
      geometry: null,
      duplicates: { strategy: 'upsert', compare: null },
      chunk_size: 5000,
      errors: { max_failed_rows: null, max_failed_ratio: null },
      rows: { keep_successful: false },
      transaction: 'chunk',
    });
  });

  it('reads YAML with every optional key', () => {
    const yaml = `
slug: weather-stations
title: Weather
source: {type: url, url: "https://example.org/s.csv", formats: [csv], overridable: [url], max_size_bytes: 1000}
read: {delimiter: ";", encoding: latin1, header_row: 2}
target: {table: stations, create: true, key: [code]}
fields:
  code:
  updated_at: {type: timestamptz}
geometry: {column: the_geom, srid: 25832, from: {wkt: shape}}
duplicates: {strategy: update_if_newer, compare: updated_at}
chunk_size: 100
errors: {max_failed_rows: 5, max_failed_ratio: 0.1}
rows: {keep_successful: true}
transaction: run
`;
    const { definition, problems } = parseImporterFile('importers/x.yml', yaml, createImporterRegistry());
    expect(problems).toEqual([]);
    expect(definition).toMatchObject({
      slug: 'weather-stations',
      source: { type: 'url', url: 'https://example.org/s.csv', overridable: ['url'], max_size_bytes: 1000 },
      read: { delimiter: ';', encoding: 'latin1', header_row: 2 },
      target: { schema: 'public', table: 'stations', create: true },
      fields: [
        { column: 'code', from: ['code'], type: 'text' },
        { column: 'updated_at', from: ['updated_at'], type: 'timestamptz' },
      ],
      geometry: { column: 'the_geom', srid: 25832, from: { kind: 'wkt', field: 'shape' } },
      duplicates: { strategy: 'update_if_newer', compare: 'updated_at' },
      chunk_size: 100,
      errors: { max_failed_rows: 5, max_failed_ratio: 0.1 },
      rows: { keep_successful: true },
      transaction: 'run',
    });
  });

  it('reports YAML syntax errors with the line', () => {
    expect(problemsOf('source: [unclosed\n')).toEqual([
      expect.stringMatching(/^importers\/t\.yaml: \(file\): not valid YAML\/JSON \(line \d\)/),
    ]);
  });

  it('reports duplicate keys (which JSON.parse would silently accept)', () => {
    const json = JSON.stringify(base()).replace('"title":"Stations"', '"title":"A","title":"B"');
    expect(problemsOf(json)[0]).toMatch(
      /^importers\/t\.yaml: \(file\): not valid YAML\/JSON.*[Mm]ap keys must be unique/,
    );
  });

  it('wants a mapping at the top level', () => {
    expect(problemsOf('- a\n- b\n')).toEqual([
      'importers/t.yaml: (file): must be a mapping of keys (slug, source, target, fields…)',
    ]);
  });

  it('reports unknown keys with their key path', () => {
    const d = withChange((x) => {
      x.colour = 'red';
      field(x, 'code').colour = 'red';
      source(x).colour = 'red';
    });
    expect(problemsOf(d)).toEqual([
      'importers/t.yaml: colour: unknown key',
      'importers/t.yaml: source.colour: unknown key',
      'importers/t.yaml: fields.code.colour: unknown key',
    ]);
  });

  it('reports every missing required key', () => {
    expect(problemsOf({ title: 'x' })).toEqual([
      'importers/t.yaml: source: is required',
      'importers/t.yaml: target: is required',
      'importers/t.yaml: fields: is required',
    ]);
  });

  it('reports wrong types and enum values without coercing', () => {
    const d = withChange((x) => {
      x.chunk_size = '100';
      field(x, 'code').type = 'varchar';
      source(x).formats = ['csv', 'docx'];
    });
    expect(problemsOf(d)).toEqual([
      'importers/t.yaml: source.formats[1]: must be one of: csv, tsv, xlsx, json, ndjson, geojson, gpkg, zip',
      'importers/t.yaml: fields.code.type: must be one of: text, integer, bigint, numeric, double, boolean, date, timestamptz, uuid, json',
      'importers/t.yaml: chunk_size: must be an integer',
    ]);
  });

  describe('slug', () => {
    it('defaults to the file name', () => {
      expect(parseImporterFile('importers/my-import.json', JSON.stringify(base())).definition?.slug).toBe('my-import');
    });

    it('must match the pattern', () => {
      expect(problemsOf({ ...base(), slug: 'Bad_Slug' })).toEqual([
        "importers/t.yaml: slug: 'Bad_Slug' must match ^[a-z0-9][a-z0-9-]{0,62}$",
      ]);
      expect(problemsOf({ ...base(), slug: 'a'.repeat(64) })).toHaveLength(1);
    });

    it('from a file name that is no slug asks for one', () => {
      expect(problemsOf(base(), 'importers/My Stations.yaml')).toEqual([
        "importers/My Stations.yaml: slug: the file name 'My Stations' is not a valid slug (^[a-z0-9][a-z0-9-]{0,62}$); set slug",
      ]);
    });
  });

  describe('source', () => {
    it('upload needs formats', () => {
      expect(problemsOf(withChange((x) => delete source(x).formats))).toEqual([
        'importers/t.yaml: source.formats: is required for source type upload',
      ]);
    });

    it('url needs a url, which must be http(s) without credentials', () => {
      expect(problemsOf(withChange((x) => (x.source = { type: 'url' })))).toEqual([
        'importers/t.yaml: source.url: is required for source type url',
      ]);
      expect(problemsOf(withChange((x) => (x.source = { type: 'url', url: 'ftp://example.org/x.csv' })))).toEqual([
        'importers/t.yaml: source.url: must be an http or https URL',
      ]);
      expect(problemsOf(withChange((x) => (x.source = { type: 'url', url: 'https://u:p@example.org/x.csv' })))).toEqual(
        ['importers/t.yaml: source.url: must not contain credentials'],
      );
      expect(problemsOf(withChange((x) => (x.source = { type: 'url', url: 'not a url' })))).toEqual([
        'importers/t.yaml: source.url: is not a valid URL',
      ]);
    });

    it('url and storage sources accept every format by default', () => {
      const d = parseImporterFile(
        'importers/t.yaml',
        JSON.stringify(withChange((x) => (x.source = { type: 'storage', key: 'in/s.csv' }))),
      );
      expect(d.definition?.source).toMatchObject({
        type: 'storage',
        key: 'in/s.csv',
        formats: expect.arrayContaining(['csv', 'gpkg']),
      });
    });

    it('storage needs a key', () => {
      expect(problemsOf(withChange((x) => (x.source = { type: 'storage', formats: ['csv'] })))).toEqual([
        'importers/t.yaml: source.key: is required for source type storage',
      ]);
    });

    it('service needs a service with a known type', () => {
      expect(problemsOf(withChange((x) => (x.source = { type: 'service' })))).toEqual([
        'importers/t.yaml: source.service: is required for source type service',
      ]);
      const ok = withChange(
        (x) =>
          (x.source = {
            type: 'service',
            service: { url: 'https://x.test/wfs', service_type: 'wfs', layer_name: 'a' },
          }),
      );
      expect(problemsOf(ok)).toEqual([]);
    });

    it('service: normalized with its defaults; arcgis needs a layer id; keys only where they apply', () => {
      const service = (s: Obj): Obj => withChange((x) => (x.source = { type: 'service', service: s }));
      const wfs = parseImporterFile(
        'importers/t.yaml',
        JSON.stringify(
          withChange((x) => {
            x.source = {
              type: 'service',
              service: { url: 'https://x.test/wfs', service_type: 'wfs', layer_name: 'ns:a' },
              overridable: ['service.url', 'service.layer_name'],
            };
            x.geometry = { from: 'source', srid: 2056 };
          }),
        ),
        createImporterRegistry(),
      );
      expect(wfs.problems).toEqual([]);
      expect(wfs.definition?.source).toMatchObject({
        type: 'service',
        formats: [],
        service: {
          url: 'https://x.test/wfs',
          service_type: 'wfs',
          layer_name: 'ns:a',
          layer_id: null,
          version: '2.0.0',
          object_id_field: null,
        },
        overridable: ['service.url', 'service.layer_name'],
      });
      expect(wfs.definition?.geometry).toEqual({ column: 'geom', srid: 2056, from: { kind: 'source' } });

      const arcgis = { url: 'https://x.test/arcgis/rest/services/S/FeatureServer', service_type: 'arcgis' };
      expect(problemsOf(service({ ...arcgis, layer_name: 'a', layer_id: 3 }))).toEqual([]);
      expect(problemsOf(service({ ...arcgis, url: `${arcgis.url}/3`, layer_name: 'a' }))).toEqual([]);
      expect(problemsOf(service({ ...arcgis, layer_name: 'a' }))).toEqual([
        'importers/t.yaml: source.service.layer_id: is required for an ArcGIS service (or a layer URL ending in /<id>)',
      ]);
      expect(
        problemsOf(
          service({
            url: 'https://x.test/ogc',
            service_type: 'oapif',
            layer_name: '-oops',
            layer_id: '1',
            version: '2.0.0',
          }),
        ),
      ).toEqual([
        "importers/t.yaml: source.service.layer_name: must not start with '-'",
        'importers/t.yaml: source.service.layer_id: is only used by arcgis services',
        'importers/t.yaml: source.service.version: is only used by wfs services',
      ]);
      expect(problemsOf(service({ url: 'https://u:p@x.test/wfs', service_type: 'wfs', layer_name: 'a' }))).toEqual([
        'importers/t.yaml: source.service.url: must not contain credentials',
      ]);
    });

    it('service: only service.url, service.layer_name and service.layer_id are overridable; no read keys', () => {
      const d = withChange((x) => {
        x.source = {
          type: 'service',
          service: { url: 'https://x.test/wfs', service_type: 'wfs', layer_name: 'a' },
          overridable: ['url', 'service.version'],
        };
        x.read = { layer: 'b' };
      });
      expect(problemsOf(d)).toEqual([
        "importers/t.yaml: source.overridable[0]: source type service can only let a trigger replace 'service.url', 'service.layer_name', 'service.layer_id'",
        "importers/t.yaml: source.overridable[1]: source type service can only let a trigger replace 'service.url', 'service.layer_name', 'service.layer_id'",
        'importers/t.yaml: read.layer: is only used by gpkg/geojson/zip sources',
      ]);
    });

    it('refuses keys the source type does not use', () => {
      expect(problemsOf(withChange((x) => (source(x).url = 'https://example.org/x.csv')))).toEqual([
        'importers/t.yaml: source.url: is not used by source type upload',
      ]);
      expect(problemsOf(withChange((x) => (x.source = { type: 'url', url: 'https://e.org/a.csv', key: 'k' })))).toEqual(
        ['importers/t.yaml: source.key: is not used by source type url'],
      );
    });

    it('overridable names only the key of its source type', () => {
      expect(
        problemsOf(withChange((x) => (x.source = { type: 'url', url: 'https://e.org/a.csv', overridable: ['key'] }))),
      ).toEqual(["importers/t.yaml: source.overridable[0]: source type url can only let a trigger replace 'url'"]);
      expect(problemsOf(withChange((x) => (x.source = { type: 'storage', key: 'a', overridable: ['key'] })))).toEqual(
        [],
      );
      expect(problemsOf(withChange((x) => (source(x).overridable = ['url'])))).toEqual([
        'importers/t.yaml: source.overridable: is not used by source type upload',
        "importers/t.yaml: source.overridable[0]: 'url' cannot be overridden",
      ]);
    });

    it('max_size_bytes must be a positive integer', () => {
      expect(problemsOf(withChange((x) => (source(x).max_size_bytes = 0)))).toEqual([
        'importers/t.yaml: source.max_size_bytes: must be >= 1',
      ]);
    });
  });

  describe('read', () => {
    it('refuses keys for formats the source does not take', () => {
      const d = withChange((x) => (x.read = { sheet: 'A', pointer: '/data', layer: 'l' }));
      expect(problemsOf(d)).toEqual([
        'importers/t.yaml: read.sheet: is only used by xlsx sources',
        'importers/t.yaml: read.pointer: is only used by json sources',
        'importers/t.yaml: read.layer: is only used by gpkg/geojson/zip sources',
      ]);
    });

    it('checks the encoding, the pointer and the delimiter', () => {
      const d = withChange((x) => {
        source(x).formats = ['csv', 'json'];
        x.read = { encoding: 'klingon-8', pointer: 'data', delimiter: '"' };
      });
      expect(problemsOf(d)).toEqual([
        "importers/t.yaml: read.encoding: 'klingon-8' is not a known encoding",
        "importers/t.yaml: read.pointer: must be a JSON Pointer ('' or /path/to/array)",
        'importers/t.yaml: read.delimiter: cannot be a quote or a line break',
      ]);
      expect(problemsOf(withChange((x) => (x.read = { delimiter: ';;' })))).toEqual([
        'importers/t.yaml: read.delimiter: must be at most 1 characters',
      ]);
    });
  });

  describe('target', () => {
    it('table must be table or schema.table of safe identifiers', () => {
      for (const table of ['Stations', 'a.b.c', 'public.', 'drop table x;']) {
        expect(problemsOf(withChange((x) => (target(x).table = table)))).toEqual([
          `importers/t.yaml: target.table: '${table}' must be table or schema.table (lowercase letters, digits and _, at most 63)`,
        ]);
      }
    });

    it('key is required unless the strategy is insert', () => {
      expect(problemsOf(withChange((x) => delete target(x).key))).toEqual([
        'importers/t.yaml: target.key: is required for duplicates strategy upsert',
      ]);
      expect(problemsOf(withChange((x) => (delete target(x).key, (x.duplicates = { strategy: 'insert' }))))).toEqual(
        [],
      );
      // The strategy defaults to insert.
      expect(problemsOf(withChange((x) => (delete target(x).key, delete x.duplicates)))).toEqual([]);
    });

    it('every key must be a field', () => {
      expect(problemsOf(withChange((x) => (target(x).key = ['code', 'nope'])))).toEqual([
        "importers/t.yaml: target.key[1]: 'nope' is not one of the fields",
      ]);
    });
  });

  describe('fields', () => {
    it('needs at least one field', () => {
      expect(problemsOf(withChange((x) => (x.fields = {})))).toEqual([
        'importers/t.yaml: fields: must have at least 1 entry',
      ]);
    });

    it('column names are safe identifiers', () => {
      expect(problemsOf(withChange((x) => ((x.fields as Obj)['Bad Name'] = null)))).toEqual([
        'importers/t.yaml: fields.Bad Name: the column name must be lowercase letters, digits and _ (starting with a letter or _, at most 63)',
      ]);
    });

    it('from must not be empty or list a header twice (as matched)', () => {
      expect(problemsOf(withChange((x) => (field(x, 'code').from = [])))).toEqual([
        'importers/t.yaml: fields.code.from: must name at least one source header',
      ]);
      expect(problemsOf(withChange((x) => (field(x, 'code').from = ['code', 'Code', '  ', 3])))).toEqual([
        "importers/t.yaml: fields.code.from[1]: 'Code' is listed twice (headers match ignoring case, spaces, _ and -)",
        'importers/t.yaml: fields.code.from[2]: must be a non-empty header name',
        'importers/t.yaml: fields.code.from[3]: must be a non-empty header name',
      ]);
      expect(problemsOf(withChange((x) => (field(x, 'code').from = '-_ ')))).toEqual([
        'importers/t.yaml: fields.code.from: must be a non-empty header name',
      ]);
    });
  });

  describe('transforms and rules', () => {
    it('unknown names are errors, listing the known ones', () => {
      const d = withChange((x) => {
        field(x, 'code').transforms = ['trim', 'shout'];
        field(x, 'code').rules = [{ tiny: 1 }];
      });
      const problems = problemsOf(d);
      expect(problems).toHaveLength(2);
      expect(problems[0]).toMatch(
        /^importers\/t\.yaml: fields\.code\.transforms\[1\]: unknown transform 'shout' \(known: trim, lower/,
      );
      expect(problems[1]).toMatch(
        /^importers\/t\.yaml: fields\.code\.rules\[0\]: unknown rule 'tiny' \(known: required,.*exists, unique_in_file\)$/,
      );
    });

    it('a step is a name or a mapping with one name', () => {
      expect(problemsOf(withChange((x) => (field(x, 'code').rules = [{ min: 1, max: 2 }])))).toEqual([
        'importers/t.yaml: fields.code.rules[0]: must be a rule name or a mapping with exactly one rule name',
      ]);
      expect(problemsOf(withChange((x) => (field(x, 'code').rules = [3])))).toEqual([
        'importers/t.yaml: fields.code.rules[0]: must be a string or a mapping',
      ]);
    });

    it('steps without arguments refuse one', () => {
      expect(problemsOf(withChange((x) => (field(x, 'code').transforms = [{ trim: 'both' }])))).toEqual([
        'importers/t.yaml: fields.code.transforms[0].trim: takes no argument',
      ]);
      expect(
        problemsOf(withChange((x) => (field(x, 'code').rules = [{ required: true }, { unique_in_file: 1 }]))),
      ).toEqual(['importers/t.yaml: fields.code.rules[1].unique_in_file: takes no argument']);
    });

    it.each([
      [{ max_length: -1 }, 'rules[0].max_length: must be a non-negative integer'],
      [{ min_length: 1.5 }, 'rules[0].min_length: must be a non-negative integer'],
      ['max_length', 'rules[0].max_length: must be a non-negative integer'],
      [{ min: '3' }, 'rules[0].min: must be a number'],
      [{ max: null }, 'rules[0].max: must be a number'],
      [{ between: [1] }, 'rules[0].between: must be two numbers [min, max]'],
      [{ between: [5, 1] }, 'rules[0].between: must be [min, max] with min ≤ max'],
      [{ in: 'a' }, 'rules[0].in: must be a list of allowed values'],
      [{ in: [] }, 'rules[0].in: must be a list of strings or numbers'],
      [{ regex: '([a-z' }, 'rules[0].regex: is not a valid regular expression'],
      [
        { exists: { table: 'x' } },
        'rules[0].exists: must be {table: schema.table, column: name} with valid identifiers',
      ],
      [
        { exists: { table: 'Bad', column: 'id' } },
        'rules[0].exists: must be {table: schema.table, column: name} with valid identifiers',
      ],
    ])('checks the rule argument %j', (rule, problem) => {
      expect(problemsOf(withChange((x) => (field(x, 'code').rules = [rule])))).toEqual([
        `importers/t.yaml: fields.code.${problem}`,
      ]);
    });

    it.each([
      [{ date: {} }, 'transforms[0].date.format: is required'],
      [
        { date: { format: 'MM/yyyy' } },
        'transforms[0].date.format: must contain a year (yyyy), a month (MM) and a day (dd)',
      ],
      [
        { date: { format: 'dd.MM.yyyy QQ' } },
        "transforms[0].date.format: unknown pattern letter 'Q' (use yyyy yy MM M dd d HH H mm ss SSS)",
      ],
      [{ date: { format: 'dd.MM.yyyy', tz: 'x' } }, 'transforms[0].date.tz: unknown key'],
      [{ number: { decimal: ';' } }, "transforms[0].number.decimal: must be '.' or ','"],
      [{ number: { decimal: ',', thousands: ',' } }, 'transforms[0].number.thousands: must differ from decimal'],
      [{ concat: { fields: [] } }, 'transforms[0].concat.fields: must be a non-empty list of source headers'],
      [{ concat: { fields: ['a'], separator: 1 } }, 'transforms[0].concat.separator: must be a string'],
      [{ replace: { pattern: '(' } }, 'transforms[0].replace.pattern: is not a valid regular expression'],
      [{ replace: { with: 'x' } }, 'transforms[0].replace.pattern: is required'],
      [{ map: {} }, 'transforms[0].map: must be a non-empty object of value: replacement'],
      [{ map: { a: [1] } }, 'transforms[0].map.a: must be a string, number, boolean or null'],
      [{ default: { a: 1 } }, 'transforms[0].default: must be a string, number or boolean'],
      [{ null_if: [{}] }, 'transforms[0].null_if: must be a list of strings or numbers'],
      ['date', 'transforms[0].date: must be an object with format'],
    ])('checks the transform argument %j', (transform, problem) => {
      expect(problemsOf(withChange((x) => (field(x, 'code').transforms = [transform])))).toEqual([
        `importers/t.yaml: fields.code.${problem}`,
      ]);
    });

    it('accepts every built-in with a valid argument', () => {
      const d = withChange((x) => {
        field(x, 'code').transforms = [
          'trim',
          'lower',
          'upper',
          { null_if: ['-', 'n/a'] },
          { default: 'x' },
          { map: { A: 'active' } },
          { number: { decimal: ',', thousands: '.' } },
          'boolean',
          { date: { format: 'dd.MM.yyyy' } },
          { concat: { fields: ['a', 'b'], separator: '-' } },
          'slug',
          { replace: { pattern: '\\s+', with: ' ' } },
        ];
        field(x, 'code').rules = [
          'required',
          'email',
          'url',
          'uuid',
          { min: 1 },
          { max: 2 },
          { between: [1, 2] },
          { min_length: 1 },
          { max_length: 2 },
          { in: ['a', 1] },
          { regex: '^a' },
          { exists: { table: 'public.codes', column: 'code' } },
          'unique_in_file',
        ];
      });
      expect(problemsOf(d)).toEqual([]);
    });

    it('min, max and between need a field that holds numbers', () => {
      const d = withChange((x) => {
        (x.fields as Obj).opened = { type: 'date', rules: ['required', { min: 1 }] };
        (x.fields as Obj).active = { type: 'boolean', rules: [{ between: [0, 1] }] };
      });
      expect(problemsOf(d)).toEqual([
        'importers/t.yaml: fields.opened.rules[1].min: compares numbers; the field has type date',
        'importers/t.yaml: fields.active.rules[0].between: compares numbers; the field has type boolean',
      ]);
      expect(problemsOf(withChange((x) => (field(x, 'code').rules = [{ max: 5 }])))).toEqual([]);
    });

    it('custom names registered before loading are usable; unregistered ones are not', () => {
      const registry = createImporterRegistry();
      registry.defineTransform('iban', { apply: (v) => (typeof v === 'string' ? v.replace(/\s/g, '') : v) });
      registry.defineRule('even', {
        argument: (raw) => {
          if (raw !== null) throw new StepArgumentError('takes nothing');
          return null;
        },
        check: (v) => (Number(v) % 2 === 0 ? null : 'The :field field must be even.'),
      });
      const d = withChange((x) => {
        field(x, 'code').transforms = ['iban'];
        field(x, 'code').rules = ['even'];
      });
      expect(problemsOf(d, 'importers/t.yaml', registry)).toEqual([]);
      expect(problemsOf(d, 'importers/t.yaml', createImporterRegistry())).toHaveLength(2);
      expect(
        problemsOf(
          withChange((x) => (field(x, 'code').rules = [{ even: 1 }])),
          'importers/t.yaml',
          registry,
        ),
      ).toEqual(['importers/t.yaml: fields.code.rules[0].even: takes nothing']);
    });
  });

  describe('duplicates', () => {
    it('update_if_newer needs compare, naming a comparable field', () => {
      expect(problemsOf(withChange((x) => (x.duplicates = { strategy: 'update_if_newer' })))).toEqual([
        'importers/t.yaml: duplicates.compare: is required for strategy update_if_newer',
      ]);
      expect(problemsOf(withChange((x) => (x.duplicates = { strategy: 'update_if_newer', compare: 'nope' })))).toEqual([
        "importers/t.yaml: duplicates.compare: 'nope' is not one of the fields",
      ]);
      const json = withChange((x) => {
        (x.fields as Obj).meta = { type: 'json' };
        x.duplicates = { strategy: 'update_if_newer', compare: 'meta' };
      });
      expect(problemsOf(json)).toEqual([
        "importers/t.yaml: duplicates.compare: 'meta' has type json, which cannot be compared",
      ]);
      expect(
        problemsOf(withChange((x) => (x.duplicates = { strategy: 'update_if_newer', compare: 'elevation_m' }))),
      ).toEqual([]);
    });

    it('compare is refused for other strategies', () => {
      expect(problemsOf(withChange((x) => (x.duplicates = { strategy: 'upsert', compare: 'elevation_m' })))).toEqual([
        'importers/t.yaml: duplicates.compare: is only used by strategy update_if_newer',
      ]);
    });

    it('strategy must be known', () => {
      expect(problemsOf(withChange((x) => (x.duplicates = { strategy: 'merge' })))).toEqual([
        'importers/t.yaml: duplicates.strategy: must be one of: insert, skip, update, upsert, fail, update_if_newer',
      ]);
    });
  });

  describe('geometry', () => {
    it('accepts {x, y}, {wkt} and source (with a geometry format)', () => {
      const xy = parseImporterFile(
        'importers/t.yaml',
        JSON.stringify({ ...base(), geometry: { from: { x: 'lon', y: 'lat' } } }),
      );
      expect(xy.definition?.geometry).toEqual({ column: 'geom', srid: 4326, from: { kind: 'xy', x: 'lon', y: 'lat' } });
      const src = withChange((x) => {
        source(x).formats = ['gpkg'];
        x.geometry = { from: 'source', srid: 3857 };
      });
      expect(parseImporterFile('importers/t.yaml', JSON.stringify(src)).definition?.geometry).toEqual({
        column: 'geom',
        srid: 3857,
        from: { kind: 'source' },
      });
    });

    it.each([{ x: 'lon' }, { x: 'lon', y: 'lat', z: 'h' }, { wkt: '' }, 'xy', { wkt: 'a', x: 'b' }])(
      'refuses the from form %j',
      (from) => {
        expect(problemsOf({ ...base(), geometry: { from } })).toEqual([
          'importers/t.yaml: geometry.from: must be {x: <header>, y: <header>}, {wkt: <header>} or source',
        ]);
      },
    );

    it('source needs a format that has geometry', () => {
      expect(problemsOf({ ...base(), geometry: { from: 'source' } })).toEqual([
        'importers/t.yaml: geometry.from: source needs a format with geometry (gpkg, geojson or zip, or a service)',
      ]);
    });

    it('checks the column and the srid', () => {
      expect(problemsOf({ ...base(), geometry: { column: 'code', srid: 0, from: { wkt: 'w' } } })).toEqual([
        'importers/t.yaml: geometry.srid: must be >= 1',
      ]);
      expect(problemsOf({ ...base(), geometry: { column: 'code', from: { wkt: 'w' } } })).toEqual([
        "importers/t.yaml: geometry.column: 'code' is also a field",
      ]);
    });
  });

  it('chunk_size is 1..50000', () => {
    expect(problemsOf({ ...base(), chunk_size: 0 })).toEqual(['importers/t.yaml: chunk_size: must be >= 1']);
    expect(problemsOf({ ...base(), chunk_size: 50001 })).toEqual(['importers/t.yaml: chunk_size: must be <= 50000']);
    expect(problemsOf({ ...base(), chunk_size: 50000 })).toEqual([]);
  });

  it('checks the error thresholds', () => {
    expect(problemsOf({ ...base(), errors: { max_failed_rows: -1, max_failed_ratio: 1.5 } })).toEqual([
      'importers/t.yaml: errors.max_failed_rows: must be >= 0',
      'importers/t.yaml: errors.max_failed_ratio: must be <= 1',
    ]);
    expect(problemsOf({ ...base(), errors: { max_failed_ratio: 0 } })).toEqual([
      'importers/t.yaml: errors.max_failed_ratio: must be > 0',
    ]);
  });

  it('checks transaction and rows', () => {
    expect(problemsOf({ ...base(), transaction: 'file', rows: { keep_successful: 'yes' } })).toEqual([
      'importers/t.yaml: rows.keep_successful: must be true or false',
      'importers/t.yaml: transaction: must be one of: chunk, run',
    ]);
  });
});

describe('keyPath', () => {
  it('writes list indexes in brackets and keys with dots', () => {
    const data = { fields: { code: { rules: [{ max_length: 1 }] } } };
    expect(keyPath(data, '/fields/code/rules/0/max_length')).toBe('fields.code.rules[0].max_length');
    expect(keyPath(data, '')).toBe('');
  });
});

describe('loadImporters', () => {
  let dir = '';
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function directory(files: Record<string, string>): string {
    dir = mkdtempSync(join(tmpdir(), 'importers-'));
    // Messages name the directory by its base name; mkdtemp's is random, so use a fixed one inside it.
    const root = join(dir, 'importers');
    mkdirSync(root);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(root, name), text);
    return root;
  }

  function loadError(root: string): string[] {
    try {
      loadImporters(root, createImporterRegistry());
    } catch (error) {
      if (error instanceof ImporterLoadError) return error.problems;
      throw error;
    }
    throw new Error('loading succeeded');
  }

  it('loads yaml, yml and json files, ignoring other files', () => {
    const root = directory({
      'a.yaml': JSON.stringify(base()),
      'b.yml': JSON.stringify(base()),
      'c.json': JSON.stringify(base()),
      'README.md': '# not an importer',
    });
    expect(loadImporters(root, createImporterRegistry()).map((d) => [d.slug, d.file])).toEqual([
      ['a', 'importers/a.yaml'],
      ['b', 'importers/b.yml'],
      ['c', 'importers/c.json'],
    ]);
  });

  it('collects every problem of every file, duplicate slugs across files included', () => {
    const root = directory({
      'a.yaml': JSON.stringify({ ...base(), slug: 'same' }),
      'b.yaml': JSON.stringify({ ...base(), slug: 'same' }),
      'c.yaml': JSON.stringify({ ...base(), chunk_size: 0 }),
      'd.json': '{',
    });
    const problems = loadError(root);
    expect(problems).toEqual([
      "importers/b.yaml: slug: 'same' is already used by importers/a.yaml",
      'importers/c.yaml: chunk_size: must be >= 1',
      expect.stringMatching(/^importers\/d\.json: \(file\): not valid YAML\/JSON/),
    ]);
  });

  it('a missing directory is an error', () => {
    expect(loadError('/nonexistent/importers')).toEqual(['importers/: IMPORTERS_DIR: is not a readable directory']);
  });

  it("the repository's own importers are valid", () => {
    expect(loadImporters('importers').map((d) => d.slug)).toContain('stations');
  });
});
