import { describe, expect, it } from 'vitest';
import { withoutPaths } from './secrets.js';

describe('withoutPaths', () => {
  it.each([
    [
      "ENOENT: no such file or directory, open '/srv/strata/var/storage/datasets/1/a.tif'",
      "ENOENT: no such file or directory, open '…/a.tif'",
    ],
    [
      'Warning 1: /tmp/strata-gdal-1/noise.tif: TIFFReadDirectory: unknown tag',
      'Warning 1: …/noise.tif: TIFFReadDirectory: unknown tag',
    ],
    ['ERROR 4: `/vsis3/bucket/datasets/9/x.gpkg` not recognized', 'ERROR 4: `…/x.gpkg` not recognized'],
    ['cannot write to /var/tmp/strata/', 'cannot write to …/'],
    ['(/home/op/strata/dist/main.js)', '(…/main.js)'],
  ])('masks the directories of %j', (text, masked) => {
    expect(withoutPaths(text)).toBe(masked);
  });

  it.each([
    'GET https://example.org/ows/wfs?service=WFS failed',
    'postgres://***@db:5432/strata refused',
    's3://bucket/datasets/1/a.tif',
    'a relative path datasets/1/a.tif and a ratio 3/4',
    'no path at all',
    '/single',
  ])('leaves %j as it is', (text) => {
    expect(withoutPaths(text)).toBe(text);
  });
});
