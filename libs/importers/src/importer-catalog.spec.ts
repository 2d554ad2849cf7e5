import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { createImporterRegistry } from './builtins.js';
import { ImporterCatalog, loadImporterCatalog } from './importer-catalog.js';
import { parseImporterFile } from './load.js';
import type { ImporterDefinition } from './definition.js';

function definition(slug: string): ImporterDefinition {
  const file = { slug, source: { type: 'upload', formats: ['csv'] }, target: { table: 't' }, fields: { a: null } };
  return parseImporterFile(`importers/${slug}.yaml`, JSON.stringify(file)).definition!;
}

describe('ImporterCatalog', () => {
  it('lists by slug, gets by slug and compiles once', () => {
    const catalog = new ImporterCatalog([definition('zeta'), definition('alpha')], createImporterRegistry());
    expect(catalog.list().map((d) => d.slug)).toEqual(['alpha', 'zeta']);
    expect(catalog.get('alpha')?.slug).toBe('alpha');
    expect(catalog.get('nope')).toBeNull();
    const compiled = catalog.compiled('zeta');
    expect(compiled?.definition.slug).toBe('zeta');
    expect(catalog.compiled('zeta')).toBe(compiled);
    expect(catalog.compiled('nope')).toBeNull();
  });

  it('loadImporterCatalog loads a directory once', () => {
    const first = loadImporterCatalog('importers');
    expect(first.get('stations')?.target).toMatchObject({
      schema: 'public',
      table: 'stations',
      create: true,
      key: ['code'],
    });
    expect(loadImporterCatalog('importers')).toBe(first);
  });
});

describe('the shipped example', () => {
  it('importers/samples/stations.csv has 18 good rows and 2 invalid ones under importers/stations.yaml', () => {
    const compiled = loadImporterCatalog('importers').compiled('stations')!;
    const [headers, ...rows] = parse(readFileSync('importers/samples/stations.csv'), { bom: true }) as string[][];
    const binding = compiled.bind(headers!);
    expect(binding.unused).toEqual([]);
    const results = rows.map((cells, i) =>
      compiled.process(
        { row_number: i + 1, data: Object.fromEntries(headers!.map((h, j) => [h, cells[j]])), geometry: null },
        binding,
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(18);
    expect(results.filter((r) => !r.ok).map((r) => r.row_number)).toEqual([19, 20]);
    expect(results[2]).toMatchObject({
      ok: true,
      values: { code: 'MUC-01', elevation_m: '515.2', status: 'active', opened_on: '1879-01-01' },
      geometry: { ewkt: 'SRID=4326;POINT(11.5461 48.1632)' },
    });
  });
});
