import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import gdal from 'gdal-async';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnreadableSourceError, inspect } from './inspection.js';

/** What a preview (the GDAL child's `inspect`) answers for GeoJSON GDAL refuses, on the native GDAL. */
describe('inspect: GeoJSON over the object cap (native GDAL)', () => {
  let dir: string;
  let before: string | null;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'strata-inspect-'));
    before = gdal.config.get('OGR_GEOJSON_MAX_OBJ_SIZE');
    // What the worker sets from GEOJSON_MAX_OBJECT_MB, here 1 MB.
    gdal.config.set('OGR_GEOJSON_MAX_OBJ_SIZE', '1');
  });

  afterAll(async () => {
    gdal.config.set('OGR_GEOJSON_MAX_OBJ_SIZE', before);
    await rm(dir, { recursive: true, force: true });
  });

  const refusal = async (name: string, text: string): Promise<UnreadableSourceError> => {
    const path = join(dir, name);
    await writeFile(path, text);
    const error = await inspect(path, null).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnreadableSourceError);
    return error as UnreadableSourceError;
  };
  const feature = (property: string): string =>
    `{"type":"Feature","properties":{"p":"${property}"},"geometry":{"type":"Point","coordinates":[1,2]}}`;

  it('names the cap and its setting when a file at least that large could not be read', async () => {
    const error = await refusal(
      'big.geojson',
      `{"type":"FeatureCollection","features":[${feature('x'.repeat(1_500_000))}]}`,
    );
    expect(error.code).toBe('unreadable');
    expect(error.message).toBe(
      'The file could not be read as GeoJSON: either it is not valid GeoJSON, or one of its objects is larger ' +
        'than the 1 MB this server allows for a single object (GEOJSON_MAX_OBJECT_MB).',
    );
  });

  it('keeps the plain refusal for a small broken file, and reads one under the cap', async () => {
    const error = await refusal('broken.geojson', `{"type":"FeatureCollection","features":[${feature('x')},`);
    expect(error.message).toBe('The file could not be read as a supported geospatial format.');
    const path = join(dir, 'small.geojson');
    await writeFile(path, `{"type":"FeatureCollection","features":[${feature('x'.repeat(500_000))}]}`);
    expect(await inspect(path, null)).toMatchObject({ kind: 'vector', feature_count: 1 });
  });
});
